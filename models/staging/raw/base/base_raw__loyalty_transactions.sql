{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'loyalty_transactions')) }}",
    )
}}

{#- Every delivered loyalty points movement, typed, with its quarantine verdict (null = staged).
    A ledger: rows are movements; only exact re-deliveries are duplicates.
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
        case
            when {{ is_blank('source.customer_id') }} then 'null_key'
            when {{ is_blank('source.points') }} or {{ is_blank('source.occurred_at') }}
                then 'missing_value'
            when {{ fails_integer('source.points') }} then 'unparseable_number'
            when {{ fails_timestamp('source.occurred_at') }} then 'unparseable_timestamp'
            when {{ is_future('source.occurred_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.occurred_at') }} then 'implausible_timestamp'
        end
{%- endset %}

{#- the key the verdict partitions by, as the checked columns type it -#}
{%- set verdict_key = [
    clean_text('source.customer_id'),
    parse_timestamp(clean_text('source.occurred_at')),
    'lower(' ~ clean_text('source.reason') ~ ')',
    parse_integer('source.points'),
] -%}

with

source as (
    {{ copy_numbered_rows(
        'loyalty_transactions',
        ['customer_id', 'points', 'reason', 'occurred_at'],
        ['customer_id', 'occurred_at', 'reason', 'points'],
        check_reason,
        'source._raw_row_id',
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
        {{ source_key(['source.customer_id', 'source.occurred_at', 'source.reason']) }} as delivered_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings
        lower({{ clean_text('source.reason') }}) as reason,

        -- numerics
        {{ parse_integer('source.points') }} as points,

        -- timestamps
        {{ parse_timestamp(clean_text('source.occurred_at')) }} as occurred_at,

        {{ check_reason }} as check_reason

    from source
),

final as (
    -- every column is the key: a ledger keeps all distinct movements
    {{ numbered_rows_verdict('checked', ['customer_id', 'occurred_at', 'reason', 'points'], 'loyalty_transactions', source_key_columns=['delivered_key']) }}
)

select * from final
