{#- Orders that passed every check, one row per order_id, amounts in the reporting currency. -#}
with

orders as (
    select * from {{ ref('base_raw__orders') }}
    where quarantine_reason is null
),

{{ currency_rate_ctes() }},

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

        -- numerics, in the reporting currency (macros/currency.sql)
        {% for amount in ['total_amount', 'discount_amount', 'shipping_amount', 'tax_amount'] %}
        {{ to_reporting_currency('orders.' ~ amount) }} as {{ amount }},
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
