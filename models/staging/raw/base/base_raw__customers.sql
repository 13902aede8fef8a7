{#- Every delivered customer row, typed, with its quarantine verdict (null = staged). -#}
with

source as (
    select
        *,
        {{ copy_number('customers', ['customer_id', 'email', 'phone', 'first_name', 'last_name', 'country', 'region', 'city', 'postal_code', 'timezone', 'language', 'birth_date', 'gender', 'created_at', 'updated_at']) }} as copy_number
    from {{ source('raw', 'customers') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.customer_id']) }} as source_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings (phone is normalized to E.164 in stg_raw__customers, which knows the country)
        {{ normalize_email('source.email') }} as email,
        {{ clean_text('source.phone') }} as phone_raw,
        {{ clean_text('source.first_name') }} as first_name,
        {{ clean_text('source.last_name') }} as last_name,
        upper({{ clean_text('source.country') }}) as country_code,
        {{ clean_text('source.region') }} as region,
        {{ clean_text('source.city') }} as city,
        {{ clean_text('source.postal_code') }} as postal_code,
        {{ clean_text('source.timezone') }} as timezone,
        {{ clean_text('source.language') }} as language,
        lower({{ clean_text('source.gender') }}) as gender,

        -- dates and timestamps
        cast({{ parse_timestamp(clean_text('source.birth_date')) }} as date) as birth_date,
        {{ parse_timestamp(clean_text('source.created_at')) }} as created_at,
        {{ parse_timestamp(clean_text('source.updated_at')) }} as updated_at,

        case
            when {{ is_blank('source.customer_id') }} then 'null_key'
            when {{ fails_timestamp('source.birth_date') }}
                or {{ fails_timestamp('source.created_at') }}
                or {{ fails_timestamp('source.updated_at') }}
                then 'unparseable_timestamp'
            when {{ is_future('source.created_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.created_at', 'source.updated_at') }} then 'implausible_timestamp'
            when {{ is_malformed_email('source.email') }} then 'malformed_email'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['customer_id'], 'updated_at desc nulls last, _raw_row_id desc') }}
)

select * from final
