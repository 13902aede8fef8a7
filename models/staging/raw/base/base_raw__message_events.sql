{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'message_events')) }}",
    )
}}

{#- Every delivered message event, typed, with its quarantine verdict (null = staged).
    Immutable facts: of two rows with one message_event_id the first delivered wins.
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
        case
            when {{ is_blank('source.message_event_id') }} then 'null_key'
            when {{ is_blank('source.channel') }}
                or {{ is_blank('source.event') }}
                or {{ is_blank('source.occurred_at') }}
                then 'missing_value'
            when {{ fails_timestamp('source.occurred_at') }} then 'unparseable_timestamp'
            when {{ is_future('source.occurred_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.occurred_at') }} then 'implausible_timestamp'
            when lower({{ clean_text('source.channel') }}) not in {{ sql_values(messaging_channels()) }}
                or lower({{ clean_text('source.event') }}) not in {{ sql_values(message_event_types()) }}
                then 'invalid_value'
        end
{%- endset %}

with

source as (
    {{ copy_numbered_rows('message_events', ['message_event_id', 'message_id', 'campaign_id', 'customer_id', 'channel', 'event', 'occurred_at', 'variant'], ['message_event_id'], check_reason, 'source._raw_row_id') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        source.is_later_version,

        -- ids
        {{ clean_text('source.message_event_id') }} as message_event_id,
        {{ clean_text('source.message_id') }} as message_id,
        {{ clean_text('source.campaign_id') }} as campaign_id,
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings
        lower({{ clean_text('source.channel') }}) as channel,
        lower({{ clean_text('source.event') }}) as message_event,
        lower({{ clean_text('source.variant') }}) as variant,

        -- timestamps
        {{ parse_timestamp(clean_text('source.occurred_at')) }} as occurred_at,

        {{ check_reason }} as check_reason

    from source
),

final as (
    {{ numbered_rows_verdict('checked', ['message_event_id'], 'message_events') }}
)

select * from final
