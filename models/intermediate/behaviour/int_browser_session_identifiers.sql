{{
    config(
        materialized=entity_incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='browser_id',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(ref('stg_raw__events')) }}",
    )
}}

{#- The identifiers each session's events carried, one row per distinct combination: what
    int_sessions resolves to a person at every build, so a later identify that merges two persons
    re-keys old sessions through a cheap join instead of a rebuild of the sessions. Incremental
    like int_browser_sessions: every session of a browser with new events is recomputed. -#}
with

events as (
    select
        user_id,
        email,
        anonymous_id,
        device_id,
        event_at,
        _loaded_at,
        _ingest_id,
        coalesce(anonymous_id, device_id, user_id) as browser_id
    from {{ ref('stg_raw__events') }}
    where coalesce(anonymous_id, device_id, user_id) is not null
),

sessions as (
    select session_id, browser_id, started_at, ended_at from {{ ref('int_browser_sessions') }}
),

{% if is_incremental() %}
browsers_with_new_events as (
    select distinct browser_id
    from events
    where {{ is_unprocessed_delivery('_loaded_at', '_ingest_id') }}
),

{% endif %}
final as (
    select
        sessions.session_id,
        events.browser_id,
        events.user_id,
        events.email,
        events.anonymous_id,
        events.device_id,
        max(events._loaded_at) as _loaded_at,
        max(events._ingest_id) as _ingest_id
    from events
    {% if is_incremental() %}
    inner join browsers_with_new_events
        on events.browser_id = browsers_with_new_events.browser_id
    {% endif %}
    -- a browser's sessions never overlap: gaps between them are longer than the timeout
    inner join sessions
        on events.browser_id = sessions.browser_id
        and events.event_at >= sessions.started_at
        and events.event_at <= sessions.ended_at
    group by 1, 2, 3, 4, 5, 6
)

select * from final
