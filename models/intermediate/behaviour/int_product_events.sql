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
        event_id,
        user_id,
        email,
        anonymous_id,
        device_id,
        event_at,
        event_name,
        product_id,
        product_category,
        product_price,
        product_quantity,
        _loaded_at,
        _ingest_id
    from {{ ref('stg_raw__events') }}
    where event_name in ('Product Viewed', 'Product Added', 'Product Removed')
    {% if is_incremental() %}
        and {{ is_unprocessed_delivery('_loaded_at', '_ingest_id', ref('stg_raw__events')) }}
    {% endif %}
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
