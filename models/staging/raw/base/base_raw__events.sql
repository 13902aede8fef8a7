{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'events')) }}",
    )
}}

{#- Every delivered tracking event, typed, with its quarantine verdict (null = staged).
    Events are immutable: of two rows with one event_id the first delivered wins (as Segment
    dedupes on messageId).
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
with

source as (
    {{ copy_numbered_rows('events', ['event_id', 'event_type', 'event_name', 'anonymous_id', 'user_id', 'email', 'timestamp', 'received_at', 'platform', 'device_id', 'page_url', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'properties'], ['event_id']) }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.event_id']) }} as source_key,

        -- why an optional value was nulled (staging.nulled_values)
        {{ nulled_reason_columns('events') }}

        -- ids
        {{ clean_text('source.event_id') }} as event_id,
        {{ clean_text('source.anonymous_id') }} as anonymous_id,
        {{ clean_text('source.user_id') }} as user_id,
        {{ clean_text('source.device_id') }} as device_id,

        -- strings
        lower({{ clean_text('source.event_type') }}) as event_type,
        {{ clean_text('source.event_name') }} as event_name_raw,
        {{ unless_nulled('events', 'email', normalize_email('source.email')) }} as email,
        lower({{ clean_text('source.platform') }}) as platform,
        {{ clean_text('source.page_url') }} as page_url,
        {{ clean_text('source.referrer') }} as referrer,
        lower({{ clean_text('source.utm_source') }}) as utm_source,
        lower({{ clean_text('source.utm_medium') }}) as utm_medium,
        {{ clean_text('source.utm_campaign') }} as utm_campaign,
        {{ clean_text('source.properties') }} as properties,

        -- timestamps
        {{ parse_timestamp(clean_text(adapter.quote('timestamp'))) }} as event_at,
        {{ unless_nulled('events', 'received_at', parse_timestamp(clean_text('source.received_at'))) }} as received_at,

        case
            when {{ is_blank('source.event_id') }} then 'null_key'
            when {{ is_blank('source.event_type') }} or {{ is_blank(adapter.quote('timestamp')) }}
                then 'missing_value'
            when {{ fails_timestamp(adapter.quote('timestamp')) }} then 'unparseable_timestamp'
            when {{ is_future(adapter.quote('timestamp')) }} then 'future_timestamp'
            when lower({{ clean_text('source.event_type') }})
                not in ('track', 'page', 'screen', 'identify')
                then 'invalid_value'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['event_id'], '_raw_row_id') }}
)

select * from final
