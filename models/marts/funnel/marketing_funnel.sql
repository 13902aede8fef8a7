{#- The six-stage marketing funnel per month: awareness, desire, intent, decision, action,
    loyalty. A person's deepest stage in a month comes from their events (Segment names mapped
    by var marketing_funnel_events) and completed orders; reaching a stage implies the earlier
    ones (a buyer who only shops in store still was aware), so the counts never grow down the
    funnel and every conversion rate is between 0 and 100.
      1 awareness  any tracked event
      2 desire     marketing_funnel_events.desire (default Product Viewed, Products Searched)
      3 intent     marketing_funnel_events.intent (default Product Added, Cart Viewed)
      4 decision   marketing_funnel_events.decision (default Checkout Started)
      5 action     a completed order
      6 loyalty    a completed repeat order (the person's second or later)
    Events that resolve to no person (only placeholder or shared identifiers) cannot be counted
    as people and are left out; so are persons with a deletion request. -#}
{%- set funnel_events = var('marketing_funnel_events') %}
{%- set stages = funnel_stages() %}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- what each person's events signalled per day (int_event_identifier_days maps event names to
-- stages with funnel_event_stage)
event_days as (
    select
        persons.customer_key,
        days.event_date,
        days.has_desire_signal,
        days.has_intent_signal,
        days.has_decision_signal
    from {{ ref('int_event_identifier_days') }} as days
    inner join {{ ref('int_event_identifier_persons') }} as persons
        on days.identifier_set_key = persons.identifier_set_key
    cross join as_of
    where persons.customer_key is not null
        and days.event_date <= as_of.as_of_date
        and {{ person_in_scope('persons.customer_key') }}
),

orders as (
    select orders.customer_key, orders.ordered_at, orders.order_number
    from {{ ref('int_completed_orders_sequenced') }} as orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_at
        and {{ person_in_scope('orders.customer_key') }}
),

-- what each person signalled in each month, one row per person and month: a flag per stage's
-- own signal (any event is awareness; a repeat order is also an order). One grouping of the
-- event days and orders; a row per signal and stage, counted distinct per stage, cost 4x the
-- event days at a million customers.
person_month_signals as (
    select
        funnel_month,
        customer_key,
        max(has_event) as has_event,
        max(has_desire) as has_desire,
        max(has_intent) as has_intent,
        max(has_decision) as has_decision,
        max(has_order) as has_order,
        max(has_repeat_order) as has_repeat_order
    from (
        select
            customer_key,
            cast({{ dbt.date_trunc('month', 'event_date') }} as date) as funnel_month,
            1 as has_event,
            case when has_desire_signal then 1 else 0 end as has_desire,
            case when has_intent_signal then 1 else 0 end as has_intent,
            case when has_decision_signal then 1 else 0 end as has_decision,
            0 as has_order,
            0 as has_repeat_order
        from event_days
        union all
        select
            customer_key,
            cast({{ dbt.date_trunc('month', 'ordered_at') }} as date),
            0,
            0,
            0,
            0,
            1,
            case when order_number >= 2 then 1 else 0 end
        from orders
    ) as signals
    group by 1, 2
),

person_months as (
    select
        funnel_month,
        customer_key,
        case
            when has_repeat_order = 1 then 6
            when has_order = 1 then 5
            when has_decision = 1 then 4
            when has_intent = 1 then 3
            when has_desire = 1 then 2
            else 1
        end as deepest_stage
    from person_month_signals
),

stages as (
    {% for stage in stages %}
    select {{ loop.index }} as stage_number, '{{ stage }}' as funnel_stage
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

signal_counts as (
    -- people showing each stage's own signal (not implied), for reading the funnel
    {%- for flag in ['has_event', 'has_desire', 'has_intent', 'has_decision', 'has_order', 'has_repeat_order'] %}
    select funnel_month, {{ loop.index }} as stage_number, sum({{ flag }}) as customers_with_signal
    from person_month_signals
    group by 1
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

first_month as (
    select min(funnel_month) as first_month from person_months
),

months as (
    -- every month from the first with a signal to as_of_date's, whatever the year (a fixed
    -- calendar from 2000 left a 1997 shop such as CDNOW without a funnel); as many months at most
    -- as kpi_daily has days (var kpi_max_days)
    select
        cast({{ dbt.dateadd('month', 'spine.generated_number - 1', 'first_month.first_month') }} as date)
            as funnel_month
    from ({{ dbt.generate_series(var('kpi_max_days') // 28 + 1) }}) as spine
    cross join first_month
    cross join as_of
    where {{ dbt.dateadd('month', 'spine.generated_number - 1', 'first_month.first_month') }} <= as_of.as_of_date
),

reached as (
    select
        months.funnel_month,
        stages.stage_number,
        stages.funnel_stage,
        count(person_months.customer_key) as customers_reached
    from months
    cross join stages
    left join person_months
        on months.funnel_month = person_months.funnel_month
        and stages.stage_number <= person_months.deepest_stage
    group by 1, 2, 3
),

with_previous as (
    select
        reached.*,
        lag(customers_reached) over (partition by funnel_month order by stage_number)
            as customers_at_previous_stage
    from reached
),

final as (
    select
        -- dates
        with_previous.funnel_month,

        -- strings
        with_previous.funnel_stage,

        -- numerics
        cast(with_previous.stage_number as {{ dbt.type_int() }}) as stage_number,
        cast(with_previous.customers_reached as {{ dbt.type_bigint() }}) as customers_reached,
        cast(coalesce(signal_counts.customers_with_signal, 0) as {{ dbt.type_bigint() }}) as customers_with_signal,
        cast(with_previous.customers_at_previous_stage as {{ dbt.type_bigint() }}) as customers_at_previous_stage,
        cast(
            case when with_previous.customers_at_previous_stage > 0
                then 100.0 * with_previous.customers_reached / with_previous.customers_at_previous_stage
            end as double
        ) as conversion_rate,

        -- booleans
        {{ dbt.dateadd('month', 1, 'with_previous.funnel_month') }} <= {{ dbt.dateadd('day', 1, 'as_of.as_of_date') }}
            as is_complete_month

    from with_previous
    cross join as_of
    left join signal_counts
        on with_previous.funnel_month = signal_counts.funnel_month
        and with_previous.stage_number = signal_counts.stage_number
)

select * from final
