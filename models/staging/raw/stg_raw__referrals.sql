{#- Referrals, one row per referral_id, that passed every check (see base_raw__referrals for the rules). -#}
with

referrals as (
    select * from {{ ref('base_raw__referrals') }}
    where quarantine_reason is null
),

final as (
    select
        referral_id,
        referrer_customer_id,
        referred_customer_id,
        referred_email,
        created_at,
        converted_at,
        _loaded_at
    from referrals
)

select * from final
