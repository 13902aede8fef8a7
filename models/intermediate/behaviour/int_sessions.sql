{#- Sessions with the resolved person: int_browser_sessions (incremental, one row per session
    and identifier set) given, at every build, the person of each identifier set
    (int_event_identifier_persons). The person of a session is the largest customer_key among
    its identifier sets' persons (an event's person being found through user_id, then email, then
    anonymous_id, then device_id: int_event_identifier_persons). -#}
with

session_identifier_sets as (
    select * from {{ ref('int_browser_sessions') }}
),

identifier_persons as (
    select identifier_set_key, customer_key from {{ ref('int_event_identifier_persons') }}
),

final as (
    select
        session_identifier_sets.session_id,
        max(identifier_persons.customer_key) as customer_key,
        session_identifier_sets.browser_id,
        session_identifier_sets.session_number,
        session_identifier_sets.started_at,
        session_identifier_sets.ended_at,
        session_identifier_sets.duration_seconds,
        session_identifier_sets.events,
        session_identifier_sets.landing_page,
        session_identifier_sets.referrer,
        session_identifier_sets.platform,
        session_identifier_sets.device_id,
        session_identifier_sets.utm_source,
        session_identifier_sets.utm_medium,
        session_identifier_sets.utm_campaign,
        session_identifier_sets.products_viewed,
        session_identifier_sets.products_added,
        session_identifier_sets.has_checkout_started,
        session_identifier_sets.is_converted
    from session_identifier_sets
    left join identifier_persons
        on session_identifier_sets.identifier_set_key = identifier_persons.identifier_set_key
    group by
        session_identifier_sets.session_id,
        session_identifier_sets.browser_id,
        session_identifier_sets.session_number,
        session_identifier_sets.started_at,
        session_identifier_sets.ended_at,
        session_identifier_sets.duration_seconds,
        session_identifier_sets.events,
        session_identifier_sets.landing_page,
        session_identifier_sets.referrer,
        session_identifier_sets.platform,
        session_identifier_sets.device_id,
        session_identifier_sets.utm_source,
        session_identifier_sets.utm_medium,
        session_identifier_sets.utm_campaign,
        session_identifier_sets.products_viewed,
        session_identifier_sets.products_added,
        session_identifier_sets.has_checkout_started,
        session_identifier_sets.is_converted
)

select * from final
