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
    The event spine: only what the models downstream read is kept, narrow and typed. The event
    name is mapped to Segment's spec name here, once, and the product fields of product events
    are read out of `properties` here, once; the JSON itself and received_at (an optional
    timestamp no model reads; an unparseable one is recorded in nulled_values) are not stored. Writing the delivered text of every column again was most of this
    model's cost (the unique strings compress worst).
    Incremental (the table grows with every delivery): a run reprocesses the rows delivered since
    the last build and every earlier delivery of the same key, so the verdicts equal a
    full refresh's (macros/incremental.sql). -#}

{%- set product_events = ['Product Viewed', 'Product Added', 'Product Removed'] -%}

{%- set check_reason -%}
        case
            when {{ is_blank('source.event_id') }} then 'null_key'
            when {{ is_blank('source.event_type') }} or {{ is_blank('source.' ~ adapter.quote('timestamp')) }}
                then 'missing_value'
            when {{ fails_timestamp('source.' ~ adapter.quote('timestamp')) }} then 'unparseable_timestamp'
            when {{ is_future('source.' ~ adapter.quote('timestamp')) }} then 'future_timestamp'
            when {{ is_implausibly_early('source.' ~ adapter.quote('timestamp')) }} then 'implausible_timestamp'
            when lower({{ clean_text('source.event_type') }}) not in {{ sql_values(event_types()) }}
                then 'invalid_value'
        end
{%- endset %}

with

-- the names delivered, each mapped to Segment's spec name once (a regexp per distinct name, not
-- per event): 'product_viewed', 'Viewed Product' -> 'Product Viewed'; unknown names stay as sent
event_names as (
    select
        delivered.event_name as delivered_name,
        coalesce(spec.event_name, {{ clean_text('delivered.event_name') }}) as event_name
    from (select distinct event_name from {{ source('raw', 'events') }}) as delivered
    left join {{ ref('segment_event_names') }} as spec
        on {{ regexp_replace_all('lower(' ~ clean_text('delivered.event_name') ~ ')', '[^a-z]', '') }} = spec.alias_key
),

source as (
    {{ copy_numbered_rows(
        'events',
        ['event_id', 'event_type', 'event_name', 'anonymous_id', 'user_id', 'email', 'timestamp', 'received_at', 'platform', 'device_id', 'page_url', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'properties'],
        ['event_id'],
        check_reason,
        'source._raw_row_id',
    ) }}
),

typed as (
    select
        -- load metadata
        source._raw_row_id,
        source._source_file,
        source._loaded_at,
        source._ingest_id,
        source.copy_number,
        source.is_later_version,

        -- why an optional value was nulled (staging.nulled_values)
        {{ nulled_reason_columns('events') }}

        -- ids
        {{ clean_text('source.event_id') }} as event_id,
        {{ clean_text('source.anonymous_id') }} as anonymous_id,
        {{ clean_text('source.user_id') }} as user_id,
        {{ clean_text('source.device_id') }} as device_id,

        -- strings
        lower({{ clean_text('source.event_type') }}) as event_type,
        event_names.event_name,
        {{ clean_text('source.event_name') }} as event_name_raw,
        {{ unless_nulled('events', 'email', normalize_email('source.email')) }} as email,
        lower({{ clean_text('source.platform') }}) as platform,
        {{ clean_text('source.page_url') }} as page_url,
        {{ clean_text('source.referrer') }} as referrer,
        lower({{ clean_text('source.utm_source') }}) as utm_source,
        lower({{ clean_text('source.utm_medium') }}) as utm_medium,
        {{ clean_text('source.utm_campaign') }} as utm_campaign,
        source.properties,

        -- timestamps
        {{ parse_timestamp(clean_text('source.' ~ adapter.quote('timestamp'))) }} as event_at,

        {{ check_reason }} as check_reason

    from source
    left join event_names
        on source.event_name = event_names.delivered_name
),

checked as (
    select
        _raw_row_id,
        _source_file,
        _loaded_at,
        _ingest_id,
        copy_number,
        is_later_version,
        {%- for column in optional_checked_columns('events') %}
        _nulled_{{ column }},
        {%- endfor %}
        event_id,
        anonymous_id,
        user_id,
        device_id,
        event_type,
        event_name,
        event_name_raw,
        email,
        platform,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,

        -- the product of a product event (Segment's e-commerce spec); one unit unless sent
        product_properties.product_id,
        product_properties.category as product_category,
        {{ dbt.safe_cast('product_properties.price', 'decimal(18, 2)') }} as product_price,
        case when product_event.is_product_event
            then coalesce({{ dbt.safe_cast('product_properties.quantity', dbt.type_bigint()) }}, 1)
        end as product_quantity,

        event_at,
        check_reason
    from (
        select
            typed.*,
            case when event_name in ({{ "'" ~ product_events | join("', '") ~ "'" }})
                then {{ json_text_fields('properties', ['product_id', 'category', 'price', 'quantity']) }}
            end as product_properties,
            event_name in ({{ "'" ~ product_events | join("', '") ~ "'" }}) as is_product_event
        from typed
    ) as product_event
),

final as (
    {{ numbered_rows_verdict('checked', ['event_id'], 'events') }}
)

select * from final
