{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key='identifier_set_key',
        on_schema_change='fail',
        pre_hook="{{ reset_when_deliveries_replaced(ref('stg_raw__events')) }}",
    )
}}

{#- Every distinct combination of identifiers (user_id, email, anonymous_id, device_id) that
    staged events carry, with when it was first and last seen: what identity resolution reads of
    the events, a few rows per browser instead of every event (a million customers: 42M events,
    ~5M sets). Events never change once staged (the first delivery of an event_id wins), so an
    incremental run adds the sets of the new deliveries and widens the first/last seen of the
    sets it meets again; min and max give the same answer if a delivery is read twice. -#}
with

events as (
    select user_id, email, anonymous_id, device_id, event_at, _loaded_at, _ingest_id
    from {{ ref('stg_raw__events') }}
    {% if is_incremental() %}
    where {{ is_unprocessed_delivery('_loaded_at', '_ingest_id', ref('stg_raw__events')) }}
    {% endif %}
),

new_sets as (
    select
        {{ identifier_set_key('user_id', 'email', 'anonymous_id', 'device_id') }} as identifier_set_key,
        user_id,
        email,
        anonymous_id,
        device_id,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        max(_loaded_at) as _loaded_at,
        -- any one delivery of the set is enough for reset_when_deliveries_replaced
        max(_ingest_id) as _ingest_id
    from events
    group by 2, 3, 4, 5
),

{% if is_incremental() %}
sets as (
    select * from new_sets
    union all
    select
        identifier_set_key, user_id, email, anonymous_id, device_id,
        first_seen_at, last_seen_at, _loaded_at, _ingest_id
    from {{ this }}
    where identifier_set_key in (select identifier_set_key from new_sets)
),
{% else %}
sets as (
    select * from new_sets
),
{% endif %}

final as (
    select
        identifier_set_key,
        user_id,
        email,
        anonymous_id,
        device_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        max(_loaded_at) as _loaded_at,
        max(_ingest_id) as _ingest_id
    from sets
    group by 1, 2, 3, 4, 5
)

select * from final
