{{
    config(
        materialized=entity_incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='browser_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(ref('stg_raw__events')) }}",
    )
}}

{#- Segment-style sessions of one browser/app install (anonymous_id, else device_id, else
    user_id): its events with gaps no longer than session_timeout_minutes, before identity
    resolution. One row per session AND identifier set its events carried (most sessions: one
    row; a login mid-session: two), so int_sessions can give each session the person of its
    identifiers at every build (a later identify can merge persons) without touching the events
    again. One pass over the events: the session's own columns are summed over its identifier
    sets (a few rows), not by a second pass over the events or a range join back to them.
    Incremental: a browser with events delivered since the last build has ALL its sessions
    recomputed (unique_key browser_id: delete+insert replaces every session of the browser), so
    a late event that splits, extends or joins sessions, or renumbers later ones, gives the
    full refresh's sessions (macros/incremental.sql). -#}
with

events as (
    select
        event_id,
        event_name,
        page_url,
        referrer,
        platform,
        user_id,
        email,
        anonymous_id,
        device_id,
        utm_source,
        utm_medium,
        utm_campaign,
        event_at,
        _loaded_at,
        _ingest_id,
        coalesce(anonymous_id, device_id, user_id) as browser_id
    from {{ ref('stg_raw__events') }}
    where coalesce(anonymous_id, device_id, user_id) is not null
),

{% if is_incremental() %}
browsers_with_new_events as (
    select distinct browser_id
    from events
    where {{ is_unprocessed_delivery('_loaded_at', '_ingest_id') }}
),

{% endif %}
browser_events as (
    select events.*
    from events
    {% if is_incremental() %}
    inner join browsers_with_new_events
        on events.browser_id = browsers_with_new_events.browser_id
    {% endif %}
),

gaps as (
    select
        *,
        {{ dbt.datediff(
            'lag(event_at) over (partition by browser_id order by event_at, event_id)',
            'event_at', 'second') }} as seconds_since_previous
    from browser_events
),

starts as (
    select
        *,
        -- seconds, not minutes: datediff counts minute boundaries crossed, not elapsed time
        case
            when seconds_since_previous is null
                or seconds_since_previous > {{ var('session_timeout_minutes') }} * 60
                then 1 else 0
        end as is_session_start
    from gaps
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by browser_id order by event_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from starts
),

-- each session's events grouped by the identifiers they carried; the session's first event (its
-- start row) gives the landing page and traffic source
identifier_sets as (
    select
        browser_id,
        session_number,
        user_id,
        email,
        anonymous_id,
        device_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as events,
        max(case when is_session_start = 1 then page_url end) as landing_page,
        max(case when is_session_start = 1 then referrer end) as referrer,
        max(case when is_session_start = 1 then platform end) as platform,
        max(case when is_session_start = 1 then device_id end) as start_device_id,
        max(case when is_session_start = 1 then utm_source end) as utm_source,
        max(case when is_session_start = 1 then utm_medium end) as utm_medium,
        max(case when is_session_start = 1 then utm_campaign end) as utm_campaign,
        sum(case when event_name = 'Product Viewed' then 1 else 0 end) as products_viewed,
        sum(case when event_name = 'Product Added' then 1 else 0 end) as products_added,
        max(case when event_name = 'Checkout Started' then 1 else 0 end) as has_checkout_started,
        max(case when event_name = 'Order Completed' then 1 else 0 end) as is_converted,
        max(_loaded_at) as _loaded_at,
        max(_ingest_id) as _ingest_id
    from numbered
    group by 1, 2, 3, 4, 5, 6
),

session_totals as (
    select
        browser_id,
        session_number,
        min(started_at) as started_at,
        max(ended_at) as ended_at,
        sum(events) as events,
        max(landing_page) as landing_page,
        max(referrer) as referrer,
        max(platform) as platform,
        max(start_device_id) as start_device_id,
        max(utm_source) as utm_source,
        max(utm_medium) as utm_medium,
        max(utm_campaign) as utm_campaign,
        sum(products_viewed) as products_viewed,
        sum(products_added) as products_added,
        max(has_checkout_started) as has_checkout_started,
        max(is_converted) as is_converted,
        max(_loaded_at) as _loaded_at,
        -- any one delivery of the session is enough for reset_when_deliveries_replaced
        max(_ingest_id) as _ingest_id
    from identifier_sets
    group by 1, 2
),

sessions as (
    select
        session_totals.*,
        {{ identifier_set_key(
            'identifier_sets.user_id', 'identifier_sets.email',
            'identifier_sets.anonymous_id', 'identifier_sets.device_id',
        ) }} as identifier_set_key
    from identifier_sets
    inner join session_totals
        on identifier_sets.browser_id = session_totals.browser_id
        and identifier_sets.session_number = session_totals.session_number
),

final as (
    select
        {{ dbt.hash(dbt.concat(['browser_id', "'|'", dbt.safe_cast('session_number', dbt.type_string())])) }}
            as session_id,
        identifier_set_key,
        browser_id,
        session_number,
        started_at,
        ended_at,
        {{ dbt.datediff('started_at', 'ended_at', 'second') }} as duration_seconds,
        events,
        landing_page,
        referrer,
        platform,
        start_device_id as device_id,
        utm_source,
        utm_medium,
        utm_campaign,
        products_viewed,
        products_added,
        has_checkout_started = 1 as has_checkout_started,
        is_converted = 1 as is_converted,
        _loaded_at,
        _ingest_id
    from sessions
)

select * from final
