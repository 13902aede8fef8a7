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

        -- ids
        {{ clean_text('source.referral_id') }} as referral_id,
        {{ clean_text('source.referrer_customer_id') }} as referrer_customer_id,
        {{ clean_text('source.referred_customer_id') }} as referred_customer_id,

        -- strings
        {{ normalize_email('source.referred_email') }} as referred_email,

        -- timestamps
        {{ parse_timestamp(clean_text('source.created_at')) }} as created_at,
        {{ parse_timestamp(clean_text('source.converted_at')) }} as converted_at,

        case
            when {{ is_blank('source.referral_id') }} then 'null_key'
            when {{ is_blank('source.referrer_customer_id') }} then 'missing_value'
            when {{ fails_timestamp('source.created_at') }}
                or {{ fails_timestamp('source.converted_at') }}
                then 'unparseable_timestamp'
            when {{ is_future('source.created_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.created_at', 'source.converted_at') }} then 'implausible_timestamp'
            when {{ is_malformed_email('source.referred_email') }} then 'malformed_email'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['referral_id'], '_raw_row_id desc') }}
)

select * from final
