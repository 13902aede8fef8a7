{#- Every delivered loyalty points movement, typed, with its quarantine verdict (null = staged).
    A ledger: rows are movements; only exact re-deliveries are duplicates. -#}
with

source as (
    select
        *,
        {{ copy_number('loyalty_transactions', ['customer_id', 'points', 'reason', 'occurred_at']) }} as copy_number
    from {{ source('raw', 'loyalty_transactions') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.customer_id', 'source.occurred_at', 'source.reason']) }} as source_key,

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings
        lower({{ clean_text('source.reason') }}) as reason,

        -- numerics
        {{ parse_integer('source.points') }} as points,

        -- timestamps
        {{ parse_timestamp(clean_text('source.occurred_at')) }} as occurred_at,

        case
            when {{ is_blank('source.customer_id') }} then 'null_key'
            when {{ is_blank('source.points') }} or {{ is_blank('source.occurred_at') }}
                then 'missing_value'
            when {{ fails_integer('source.points') }} then 'unparseable_number'
            when {{ fails_timestamp('source.occurred_at') }} then 'unparseable_timestamp'
            when {{ is_future('source.occurred_at') }} then 'future_timestamp'
            when {{ is_implausibly_early('source.occurred_at') }} then 'implausible_timestamp'
        end as check_reason

    from source
),

final as (
    -- every column is the key: a ledger keeps all distinct movements
    {{ quarantine_verdict('checked', ['customer_id', 'occurred_at', 'reason', 'points'], '_raw_row_id') }}
)

select * from final
