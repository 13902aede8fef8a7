{#- Products, one row per product_id, that passed every check (see base_raw__products for the rules). -#}
with

products as (
    select * from {{ ref('base_raw__products') }}
    where quarantine_reason is null
),

final as (
    select
        product_id,
        product_name,
        category,
        brand,
        price,
        launched_at,
        _loaded_at
    from products
)

select * from final
