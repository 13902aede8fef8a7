{#- Tracking events that passed every check, one row per event_id, with Segment spec names. -#}
with

events as (
    select * from {{ ref('base_raw__events') }}
    where quarantine_reason is null
),

event_names as (
    select * from {{ ref('segment_event_names') }}
),

final as (
    select
        -- ids
        events.event_id,
        events.anonymous_id,
        events.user_id,
        events.device_id,

        -- strings
        events.event_type,
        -- 'product_viewed', 'Viewed Product' -> 'Product Viewed'; unknown names stay as sent
        coalesce(event_names.event_name, events.event_name_raw) as event_name,
        events.event_name_raw,
        events.email,
        events.platform,
        events.page_url,
        events.referrer,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.properties,

        -- timestamps
        events.event_at,
        events.received_at,
        events._loaded_at,
        events._ingest_id

    from events
    left join event_names
        on {{ regexp_replace_all('lower(events.event_name_raw)', '[^a-z]', '') }} = event_names.alias_key
)

select * from final
