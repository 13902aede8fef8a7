{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'order_items')) }}",
    )
}}

{#- Every delivered order line, typed, with its quarantine verdict (null = staged).
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same (order_id, product_id), so the verdicts
    equal a full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
        case
            when {{ is_blank('source.order_id') }} or {{ is_blank('source.product_id') }}
                then 'null_key'
            -- a missing quantity means 1, so a bad one cannot be nulled: the line is quarantined
            when {{ fails_integer('source.quantity') }} then 'unparseable_number'
            when {{ parse_integer('source.quantity') }} <= 0 then 'invalid_value'
        end
{%- endset %}

with

source as (
    {{ copy_numbered_rows('order_items', ['order_id', 'product_id', 'quantity', 'unit_price', 'discount_amount'], ['order_id', 'product_id'], check_reason, 'source._raw_row_id desc') }}
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

        -- why an optional value was nulled (staging.nulled_values)
        {{ nulled_reason_columns('order_items') }}

        -- ids
        {{ clean_text('source.order_id') }} as order_id,
        {{ clean_text('source.product_id') }} as product_id,

        -- numerics (in the order's currency; stg_raw__order_items converts)
        coalesce({{ parse_integer('source.quantity') }}, 1) as quantity,
        {{ unless_nulled('order_items', 'unit_price', parse_decimal('source.unit_price')) }} as unit_price,
        {{ unless_nulled('order_items', 'discount_amount', parse_decimal('source.discount_amount')) }} as discount_amount,

        {{ check_reason }} as check_reason

    from source
),

final as (
    {{ numbered_rows_verdict('checked', ['order_id', 'product_id'], 'order_items') }}
)

select * from final
