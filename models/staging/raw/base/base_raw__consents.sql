{#- Every delivered consent change, typed, with its quarantine verdict (null = staged).
    A consent log: rows are changes; only exact re-deliveries are duplicates. -#}
with

source as (
    select
        *,
        {{ copy_number('consents', ['customer_id', 'channel', 'purpose', 'status', 'recorded_at', 'source']) }} as copy_number
    from {{ source('raw', 'consents') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.customer_id', 'source.channel', 'source.purpose', 'source.recorded_at']) }} as source_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings; a consent without a purpose is consent to marketing on that channel
        lower({{ clean_text('source.channel') }}) as channel,
        coalesce(lower({{ clean_text('source.purpose') }}), 'marketing') as purpose,
        lower({{ clean_text('source.status') }}) as consent_status,
        {{ clean_text('source.source') }} as consent_source,

        -- timestamps
        {{ parse_timestamp(clean_text('source.recorded_at')) }} as recorded_at,

        case
            when {{ is_blank('source.customer_id') }} then 'null_key'
            when {{ is_blank('source.channel') }}
                or {{ is_blank('source.status') }}
                or {{ is_blank('source.recorded_at') }}
                then 'missing_value'
            when {{ fails_timestamp('source.recorded_at') }} then 'unparseable_timestamp'
            when {{ is_future('source.recorded_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.recorded_at') }} then 'implausible_timestamp'
            when lower({{ clean_text('source.status') }}) not in {{ sql_values(consent_statuses()) }}
                or lower({{ clean_text('source.channel') }}) not in {{ sql_values(consent_channels()) }}
                or coalesce(lower({{ clean_text('source.purpose') }}), 'marketing')
                not in {{ sql_values(consent_purposes()) }}
                then 'invalid_value'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['customer_id', 'channel', 'purpose', 'recorded_at', 'consent_status'], '_raw_row_id desc') }}
)

select * from final
