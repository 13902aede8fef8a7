{#- Order lines that passed every check, one row per (order_id, product_id), amounts in the
    reporting currency (lines carry no currency: they take their order's). -#}
with

order_items as (
    select * from {{ ref('base_raw__order_items') }}
    where quarantine_reason is null
),

order_currencies as (
    select order_id, currency_code from {{ ref('base_raw__orders') }}
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
        order_items.order_id,
        order_items.product_id,

        -- numerics; a line whose order is unknown or quarantined is taken as reporting currency
        order_items.quantity,
        {% for amount in ['unit_price', 'discount_amount'] %}
        cast(
            {{ round_double(
                'cast(order_items.' ~ amount ~ ' * coalesce(rates.usd_per_unit, reporting_rate.usd_per_unit) as double)'
                ~ ' / reporting_rate.usd_per_unit',
                2
            ) }} as decimal(18, 2)
        ) as {{ amount }},
        {% endfor %}

        -- timestamps
        order_items._loaded_at

    from order_items
    left join order_currencies
        on order_items.order_id = order_currencies.order_id
    left join rates
        on order_currencies.currency_code = rates.currency_code
    cross join reporting_rate
)

select * from final
