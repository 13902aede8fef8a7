{#- Tracking events that passed every check, one row per event_id, with Segment spec names and
    the product of product events (base_raw__events maps and parses them once). -#}
with

events as (
    select * from {{ ref('base_raw__events') }}
    where quarantine_reason is null
),

final as (
    select
        -- ids
        event_id,
        anonymous_id,
        user_id,
        device_id,
        product_id,

        -- strings
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
        product_category,

        -- numerics
        product_price,
        product_quantity,

        -- timestamps
        event_at,
        _loaded_at,
        _ingest_id

    from events
)

select * from final
