{#- Loyalty points movements that passed every check (see base_raw__loyalty_transactions for the rules). -#}
with

loyalty_transactions as (
    select * from {{ ref('base_raw__loyalty_transactions') }}
    where quarantine_reason is null
),

final as (
    select
        customer_id,
        points,
        reason,
        occurred_at,
        _loaded_at
    from loyalty_transactions
)

select * from final
