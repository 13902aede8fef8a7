{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key=['identifier_set_key', 'event_date'],
        on_schema_change='fail',
        pre_hook=[
            "{{ reset_when_deliveries_replaced(ref('stg_raw__events')) }}",
            "{{ reset_when_definition_changed('funnel_definition', funnel_definition()) }}",
        ],
    )
}}

{#- What the events of one identifier set (int_event_identifiers) did on one day: how many, how
    many product views and cart adds, and which marketing funnel stages their names signal. The
    models that count activity per person and day or month (KPIs, funnel, feature snapshots)
    read these rows joined to each set's person (int_event_identifier_persons), about a fifth of
    the events, instead of every event with its person.
    Incremental: a run recomputes every (set, day) that the new deliveries touch, from all events
    of that set and day (late events included); the funnel flags follow var
    marketing_funnel_events, and a change of the var empties the table so the run rebuilds it. -#}
with

events as (
    select
        user_id,
        email,
        anonymous_id,
        device_id,
        cast(event_at as date) as event_date,
        event_at,
        event_name,
        _loaded_at,
        _ingest_id
    from {{ ref('stg_raw__events') }}
),

{% if is_incremental() %}
-- read from the model, not from `events`: a CTE read twice is materialized, all 42M events at a
-- million customers
touched_days as (
    select distinct user_id, email, anonymous_id, device_id, cast(event_at as date) as event_date
    from {{ ref('stg_raw__events') }}
    where {{ is_unprocessed_delivery('_loaded_at', '_ingest_id', ref('stg_raw__events')) }}
),

day_events as (
    select events.*
    from events
    inner join touched_days
        on coalesce(events.user_id, '') = coalesce(touched_days.user_id, '')
        and coalesce(events.email, '') = coalesce(touched_days.email, '')
        and coalesce(events.anonymous_id, '') = coalesce(touched_days.anonymous_id, '')
        and coalesce(events.device_id, '') = coalesce(touched_days.device_id, '')
        and events.event_date = touched_days.event_date
    -- read only from the first touched day on (events arrive roughly in time order)
    where events.event_at >= (select min(event_date) from touched_days)
),
{% else %}
day_events as (
    select * from events
),
{% endif %}

staged as (
    select
        *,
        {{ funnel_event_stage('event_name') }} as funnel_stage
    from day_events
),

final as (
    select
        {{ identifier_set_key('user_id', 'email', 'anonymous_id', 'device_id') }} as identifier_set_key,
        event_date,
        count(*) as events,
        sum(case when event_name = 'Product Viewed' then 1 else 0 end) as product_views,
        sum(case when event_name = 'Product Added' then 1 else 0 end) as product_adds,
        max(case when funnel_stage = 2 then 1 else 0 end) = 1 as has_desire_signal,
        max(case when funnel_stage = 3 then 1 else 0 end) = 1 as has_intent_signal,
        max(case when funnel_stage = 4 then 1 else 0 end) = 1 as has_decision_signal,
        '{{ funnel_definition() | replace("'", "''") }}' as funnel_definition,
        max(_loaded_at) as _loaded_at,
        -- any one delivery is enough for reset_when_deliveries_replaced
        max(_ingest_id) as _ingest_id
    from staged
    group by user_id, email, anonymous_id, device_id, event_date
)

select * from final
