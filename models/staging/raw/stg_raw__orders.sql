{#- Orders that passed every check, one row per order_id, amounts in the reporting currency. -#}
with

orders as (
    select * from {{ ref('base_raw__orders') }}
    where quarantine_reason is null
),

rates as (
    select * from {{ ref('currency_rates') }}
),

reporting_rate as (
    select usd_per_unit from rates
    where currency_code = '{{ var("reporting_currency") }}'
),

final as (
    select
        -- ids
        orders.order_id,
        orders.customer_id,
        orders.anonymous_id,

        -- strings
        orders.email,
        orders.status,
        orders.currency_code as original_currency_code,
        orders.discount_code,
        orders.sales_channel,

        -- numerics, converted: amount x (USD per unit of its currency) / (USD per reporting unit)
        {% for amount in ['total_amount', 'discount_amount', 'shipping_amount', 'tax_amount'] %}
        cast(
            {{ round_double(
                'cast(orders.' ~ amount ~ ' * rates.usd_per_unit as double) / reporting_rate.usd_per_unit', 2
            ) }}
            as decimal(18, 2)
        ) as {{ amount }},
        {% endfor %}
        orders.total_amount as original_total_amount,

        -- booleans
        orders.status = 'completed' as is_completed,
        orders.customer_id is null as is_guest_checkout,

        -- timestamps
        orders.ordered_at,
        orders.updated_at,
        orders._loaded_at

    from orders
    inner join rates
        on orders.currency_code = rates.currency_code
    cross join reporting_rate
)

select * from final
