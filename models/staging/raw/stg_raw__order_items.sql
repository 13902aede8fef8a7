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

{{ currency_rate_ctes() }},

final as (
    select
        -- ids
        order_items.order_id,
        order_items.product_id,

        -- numerics; a line whose order is unknown or quarantined is taken as reporting currency
        order_items.quantity,
        {% for amount in ['unit_price', 'discount_amount'] %}
        {{ to_reporting_currency('order_items.' ~ amount, unknown_is_reporting=true) }} as {{ amount }},
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
