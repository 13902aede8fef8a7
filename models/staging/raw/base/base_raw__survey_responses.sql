{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'survey_responses')) }}",
    )
}}

{#- Every delivered survey response, typed, with its quarantine verdict (null = staged).
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
        case
            when {{ is_blank('source.response_id') }} then 'null_key'
            when {{ is_blank('source.survey_type') }} or {{ is_blank('source.score') }}
                then 'missing_value'
            when {{ fails_integer('source.score') }} then 'unparseable_number'
            when lower({{ clean_text('source.survey_type') }}) not in {{ sql_values(survey_types()) }}
                or (lower({{ clean_text('source.survey_type') }}) = 'nps'
                    and {{ parse_integer('source.score') }} not between 0 and 10)
                or (lower({{ clean_text('source.survey_type') }}) = 'csat'
                    and {{ parse_integer('source.score') }} not between 1 and 5)
                then 'invalid_value'
        end
{%- endset %}

with

source as (
    {{ copy_numbered_rows('survey_responses', ['response_id', 'customer_id', 'survey_type', 'score', 'comment', 'responded_at'], ['response_id'], check_reason, 'source._raw_row_id desc') }}
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
        {{ nulled_reason_columns('survey_responses') }}

        -- ids
        {{ clean_text('source.response_id') }} as response_id,
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings
        lower({{ clean_text('source.survey_type') }}) as survey_type,
        {{ clean_text('source.comment') }} as survey_comment,

        -- numerics
        {{ parse_integer('source.score') }} as score,

        -- timestamps
        {{ unless_nulled('survey_responses', 'responded_at', parse_timestamp(clean_text('source.responded_at'))) }}
            as responded_at,

        {{ check_reason }} as check_reason

    from source
),

final as (
    {{ numbered_rows_verdict('checked', ['response_id'], 'survey_responses') }}
)

select * from final
