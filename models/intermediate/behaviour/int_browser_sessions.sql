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
    identifier sets at every build (a later identify can merge persons) without touching the events
    again.
    The two windows that cut sessions sort every event, so they carry only what the session sums
    need (ids, time, four event flags, the delivery); the landing page and traffic source are read
    afterwards for the session's first event alone, by its event_id. Carrying those wide columns
    through both sorts made this the slowest model at a million customers.
    Incremental: a browser with events delivered since the last build has ALL its sessions
    recomputed (unique_key browser_id: delete+insert replaces every session of the browser), so
    a late event that splits, extends or joins sessions, or renumbers later ones, gives the
    full refresh's sessions (macros/incremental.sql). -#}
with

events as (
    select
        event_id,
        coalesce(anonymous_id, device_id, user_id) as browser_id,
        event_at,
        user_id,
        email,
        anonymous_id,
        device_id,
        case when event_name = 'Product Viewed' then 1 else 0 end as is_product_view,
        case when event_name = 'Product Added' then 1 else 0 end as is_product_add,
        case when event_name = 'Checkout Started' then 1 else 0 end as is_checkout_start,
        case when event_name = 'Order Completed' then 1 else 0 end as is_order_completed,
        _loaded_at,
        _ingest_id
    from {{ ref('stg_raw__events') }}
    where coalesce(anonymous_id, device_id, user_id) is not null
),

{% if is_incremental() %}
-- read from the model, not from `events`: a CTE read twice is materialized, all 42M events at a
-- million customers
browsers_with_new_events as (
    select distinct coalesce(anonymous_id, device_id, user_id) as browser_id
    from {{ ref('stg_raw__events') }}
    where coalesce(anonymous_id, device_id, user_id) is not null
        and {{ is_unprocessed_delivery('_loaded_at', '_ingest_id', ref('stg_raw__events')) }}
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

-- each session's events grouped by the identifiers they carried
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
        max(case when is_session_start = 1 then event_id end) as first_event_id,
        sum(is_product_view) as products_viewed,
        sum(is_product_add) as products_added,
        max(is_checkout_start) as has_checkout_started,
        max(is_order_completed) as is_converted,
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
        max(first_event_id) as first_event_id,
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

-- the session's first event gives the landing page and traffic source
first_events as (
    select
        event_id,
        page_url,
        referrer,
        platform,
        device_id,
        utm_source,
        utm_medium,
        utm_campaign
    from {{ ref('stg_raw__events') }}
    where event_id in (select first_event_id from session_totals)
),

sessions as (
    select
        session_totals.*,
        {{ identifier_set_key(
            'identifier_sets.user_id', 'identifier_sets.email',
            'identifier_sets.anonymous_id', 'identifier_sets.device_id',
        ) }} as identifier_set_key,
        first_events.page_url as landing_page,
        first_events.referrer,
        first_events.platform,
        first_events.device_id as start_device_id,
        first_events.utm_source,
        first_events.utm_medium,
        first_events.utm_campaign
    from identifier_sets
    inner join session_totals
        on identifier_sets.browser_id = session_totals.browser_id
        and identifier_sets.session_number = session_totals.session_number
    inner join first_events
        on session_totals.first_event_id = first_events.event_id
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
