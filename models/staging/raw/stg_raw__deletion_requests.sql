{#- Deletion requests, one row per person named, that passed every check (see base_raw__deletion_requests for the rules). -#}
with

deletion_requests as (
    select * from {{ ref('base_raw__deletion_requests') }}
    where quarantine_reason is null
),

final as (
    select
        customer_id,
        email,
        regulation,
        requested_at,
        _loaded_at
    from deletion_requests
)

select * from final
