{#- Every delivered referral, typed, with its quarantine verdict (null = staged). -#}
with

source as (
    select
        *,
        {{ copy_number('referrals', ['referral_id', 'referrer_customer_id', 'referred_customer_id', 'referred_email', 'created_at', 'converted_at']) }} as copy_number
    from {{ source('raw', 'referrals') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.referral_id']) }} as source_key,

        -- why an optional value was nulled (staging.nulled_values)
        {{ nulled_reason_columns('referrals') }}

        -- ids
        {{ clean_text('source.referral_id') }} as referral_id,
        {{ clean_text('source.referrer_customer_id') }} as referrer_customer_id,
        {{ clean_text('source.referred_customer_id') }} as referred_customer_id,

        -- strings
        {{ unless_nulled('referrals', 'referred_email', normalize_email('source.referred_email')) }} as referred_email,

        -- timestamps
        {{ unless_nulled('referrals', 'created_at', parse_timestamp(clean_text('source.created_at'))) }} as created_at,
        {{ unless_nulled('referrals', 'converted_at', parse_timestamp(clean_text('source.converted_at'))) }} as converted_at,

        case
            when {{ is_blank('source.referral_id') }} then 'null_key'
            when {{ is_blank('source.referrer_customer_id') }} then 'missing_value'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['referral_id'], '_raw_row_id desc') }}
)

select * from final
