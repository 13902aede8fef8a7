{#- Sessions with the resolved person: int_browser_sessions (incremental) joined, at every build,
    to the identity graph through the identifiers each session carried. The person of a session
    is the largest customer_key among its events' persons, an event's person being found through
    user_id, then email, then anonymous_id, then device_id (as int_events_resolved). -#}
with

sessions as (
    select * from {{ ref('int_browser_sessions') }}
),

identifiers as (
    select * from {{ ref('int_browser_session_identifiers') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

session_persons as (
    select
        identifiers.session_id,
        max(coalesce(
            by_user_id.customer_key,
            by_email.customer_key,
            by_anonymous_id.customer_key,
            by_device_id.customer_key
        )) as customer_key
    from identifiers
    left join graph as by_user_id
        on by_user_id.node = {{ identity_node('customer_id', 'identifiers.user_id') }}
    left join graph as by_email
        on by_email.node = {{ identity_node('email', 'identifiers.email') }}
    left join graph as by_anonymous_id
        on by_anonymous_id.node = {{ identity_node('anonymous_id', 'identifiers.anonymous_id') }}
    left join graph as by_device_id
        on by_device_id.node = {{ identity_node('device_id', 'identifiers.device_id') }}
    group by 1
),

final as (
    select
        sessions.session_id,
        session_persons.customer_key,
        sessions.browser_id,
        sessions.session_number,
        sessions.started_at,
        sessions.ended_at,
        sessions.duration_seconds,
        sessions.events,
        sessions.landing_page,
        sessions.referrer,
        sessions.platform,
        sessions.device_id,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.products_viewed,
        sessions.products_added,
        sessions.has_checkout_started,
        sessions.is_converted
    from sessions
    left join session_persons
        on sessions.session_id = session_persons.session_id
)

select * from final
