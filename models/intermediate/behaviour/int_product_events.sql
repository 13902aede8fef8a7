{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='event_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(ref('stg_raw__events')) }}",
    )
}}

{#- The product events (Product Viewed, Added, Removed) with their identifier set, narrow: what
    the models of what persons browse and put in their cart read (last viewed products, open cart,
    time from first view to purchase), two events in five. Events never change once staged, so an
    incremental run adds the product events of the new deliveries. -#}
with

events as (
    select
        events.event_id,
        events.user_id,
        events.email,
        events.anonymous_id,
        events.device_id,
        events.event_at,
        events.event_name,
        events.product_id,
        events.product_category,
        events.product_price,
        events.product_quantity,
        events._loaded_at,
        events._ingest_id
    from {{ ref('stg_raw__events') }} as events
    {% if is_incremental() %}
    -- a join, not is_unprocessed_delivery: beside the name filter only a join skips the storage
    -- of older deliveries (macros/incremental.sql)
    inner join ({{ unprocessed_deliveries(ref('stg_raw__events')) }}) as unprocessed
        on events._loaded_at = unprocessed._loaded_at
        and coalesce(events._ingest_id, '') = unprocessed._ingest_key
    {% endif %}
    where events.event_name in ('Product Viewed', 'Product Added', 'Product Removed')
),

final as (
    select
        event_id,
        {{ identifier_set_key('user_id', 'email', 'anonymous_id', 'device_id') }} as identifier_set_key,
        event_at,
        event_name,
        product_id,
        product_category,
        product_price,
        product_quantity,
        _loaded_at,
        _ingest_id
    from events
)

select * from final
