{#- Consent changes, one row per change, that passed every check (see base_raw__consents for the rules). -#}
with

consents as (
    select * from {{ ref('base_raw__consents') }}
    where quarantine_reason is null
),

final as (
    select
        customer_id,
        channel,
        purpose,
        consent_status,
        consent_source,
        recorded_at,
        _loaded_at
    from consents
)

select * from final
