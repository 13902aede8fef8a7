{#- Every delivered campaign row, typed, with its quarantine verdict (null = staged). -#}
with

source as (
    select
        *,
        {{ copy_number('campaigns', ['campaign_id', 'name', 'channel', 'journey', 'target_stage', 'is_control', 'started_at', 'ended_at', 'cost', 'currency']) }} as copy_number
    from {{ source('raw', 'campaigns') }}
),

known_currencies as (
    select currency_code from {{ ref('currency_rates') }}
),

checked as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        {{ source_key(['source.campaign_id']) }} as source_key,

        -- ids
        {{ clean_text('source.campaign_id') }} as campaign_id,

        -- strings
        {{ clean_text('source.name') }} as campaign_name,
        lower({{ clean_text('source.channel') }}) as channel,
        lower({{ clean_text('source.journey') }}) as journey,
        lower({{ clean_text('source.target_stage') }}) as target_stage,
        coalesce(
            upper({{ clean_text('source.currency') }}), '{{ var("reporting_currency") }}'
        ) as currency_code,

        -- numerics
        {{ parse_decimal('source.cost') }} as cost,

        -- booleans
        coalesce({{ parse_boolean('source.is_control') }}, false) as has_control_group,

        -- timestamps
        {{ parse_timestamp(clean_text('source.started_at')) }} as started_at,
        {{ parse_timestamp(clean_text('source.ended_at')) }} as ended_at,

        case
            when {{ is_blank('source.campaign_id') }} then 'null_key'
            when {{ fails_timestamp('source.started_at') }}
                or {{ fails_timestamp('source.ended_at') }}
                then 'unparseable_timestamp'
            when {{ fails_decimal('source.cost') }} then 'unparseable_number'
            when {{ is_implausibly_early('source.started_at', 'source.ended_at') }} then 'implausible_timestamp'
            when {{ clean_text('source.is_control') }} is not null
                and {{ parse_boolean('source.is_control') }} is null
                then 'invalid_value'
            when upper({{ clean_text('source.currency') }}) not in (select currency_code from known_currencies)
                then 'unknown_currency'
            when {{ parse_decimal('source.cost') }} < 0 then 'negative_amount'
        end as check_reason

    from source
),

final as (
    {{ quarantine_verdict('checked', ['campaign_id'], '_raw_row_id desc') }}
)

select * from final
