{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='_raw_row_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(source('raw', 'customers')) }}",
    )
}}

{#- Every delivered customer row, typed, with its quarantine verdict (null = staged).
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}
{%- set check_reason -%}
        case
            when {{ is_blank('source.customer_id') }} then 'null_key'
        end
{%- endset %}

with

source as (
    {{ copy_numbered_rows('customers', ['customer_id', 'email', 'phone', 'first_name', 'last_name', 'country', 'region', 'city', 'postal_code', 'timezone', 'language', 'birth_date', 'gender', 'created_at', 'updated_at'], ['customer_id'], check_reason, parse_timestamp(clean_text('source.updated_at')) ~ ' desc nulls last, source._raw_row_id desc') }}
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
        {{ nulled_reason_columns('customers') }}

        -- ids
        {{ clean_text('source.customer_id') }} as customer_id,

        -- strings (phone is normalized to E.164 in stg_raw__customers, which knows the country)
        {{ unless_nulled('customers', 'email', normalize_email('source.email')) }} as email,
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
        cast({{ unless_nulled('customers', 'birth_date', parse_timestamp(clean_text('source.birth_date'))) }} as date)
            as birth_date,
        {{ unless_nulled('customers', 'created_at', parse_timestamp(clean_text('source.created_at'))) }} as created_at,
        {{ unless_nulled('customers', 'updated_at', parse_timestamp(clean_text('source.updated_at'))) }} as updated_at,

        -- only the key quarantines a customer (optional fields are nulled above)
        {{ check_reason }} as check_reason

    from source
),

final as (
    {{ numbered_rows_verdict('checked', ['customer_id'], 'customers') }}
)

select * from final
