{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'consents')) }}",
    )
}}

{#- Every delivered consent change, typed, with its quarantine verdict (null = staged).
    A consent log: rows are changes; only exact re-deliveries are duplicates.
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
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
        end
{%- endset %}

{#- the key the verdict partitions by, as the checked columns type it -#}
{%- set verdict_key = [
    clean_text('source.customer_id'),
    'lower(' ~ clean_text('source.channel') ~ ')',
    'coalesce(lower(' ~ clean_text('source.purpose') ~ "), 'marketing')",
    parse_timestamp(clean_text('source.recorded_at')),
    'lower(' ~ clean_text('source.status') ~ ')',
] -%}

with

source as (
    {{ copy_numbered_rows(
        'consents',
        ['customer_id', 'channel', 'purpose', 'status', 'recorded_at', 'source'],
        ['customer_id', 'channel', 'purpose', 'recorded_at', 'status'],
        check_reason,
        'source._raw_row_id desc',
        key_expressions=verdict_key,
    ) }}
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
        -- the key as delivered, for quarantined_rows (the verdict's key is typed)
        {{ source_key(['source.customer_id', 'source.channel', 'source.purpose', 'source.recorded_at']) }} as delivered_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings; a consent without a purpose is consent to marketing on that channel
        lower({{ clean_text('source.channel') }}) as channel,
        coalesce(lower({{ clean_text('source.purpose') }}), 'marketing') as purpose,
        lower({{ clean_text('source.status') }}) as consent_status,
        {{ clean_text('source.source') }} as consent_source,

        -- timestamps
        {{ parse_timestamp(clean_text('source.recorded_at')) }} as recorded_at,

        {{ check_reason }} as check_reason

    from source
),

final as (
    {{ numbered_rows_verdict('checked', ['customer_id', 'channel', 'purpose', 'recorded_at', 'consent_status'], 'consents', source_key_columns=['delivered_key']) }}
)

select * from final
