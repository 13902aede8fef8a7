{#- The lifecycle stage of every person at the end of every period (month or week) from the
    period they were first seen, plus as_of_date itself, reconstructed from what was known at
    each date: completed orders placed up to it and whether the person had been identified by
    then (a visitor who signs up in March is an anonymous visitor at the end of February).
    Shared by customer_lifecycle_history (months), customer_lifecycle_history_weekly and
    int_lifecycle_stage_change_days, so every grain and today's stage come from one rule (macro
    lifecycle_stage).
    Periods: month or week ends, the var lifecycle_history_months months before as_of_date at
    most; grain 'change': per person, every day on which their stage can change (first seen,
    identified, each order, and each day an order crosses a threshold: new_customer_days,
    active_days, churned_days, reactivated_days), so the stage is constant between two of them
    and the day a stage began is one of them. -#}
{% macro lifecycle_history_sql(grain) %}
{%- if grain not in ['month', 'week', 'change'] -%}
    {{ exceptions.raise_compiler_error("lifecycle_history_sql: grain must be 'month', 'week' or 'change', got '" ~ grain ~ "'") }}
{%- endif -%}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

persons as (
    select customer_key, is_identified, first_identified_at, first_seen_at
    from {{ ref('int_persons_in_scope') }}
),

orders as (
    select * from {{ ref('int_completed_orders_sequenced') }}
),

{% if grain == 'month' %}
periods as (
    -- month starts counted back from as_of_date's month (no fixed calendar: CDNOW is 1997)
    select cast({{ dbt.dateadd('month', '1 - spine.generated_number', dbt.date_trunc('month', 'as_of.as_of_date')) }} as date)
        as period_start
    from ({{ dbt.generate_series(var('lifecycle_history_months') + 1) }}) as spine
    cross join as_of
),

period_end_dates as (
    select cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start')) }} as date) as period_end
    from periods
),
{% elif grain == 'week' %}
periods as (
    -- ISO weeks (Monday to Sunday) counted back from as_of_date's week
    select cast({{ dbt.dateadd('day', '7 * (1 - spine.generated_number)', dbt.date_trunc('week', 'as_of.as_of_date')) }} as date)
        as period_start
    from ({{ dbt.generate_series(5 * var('lifecycle_history_months') + 1) }}) as spine
    cross join as_of
),

period_end_dates as (
    select cast({{ dbt.dateadd('day', 6, 'period_start') }} as date) as period_end
    from periods
),
{% endif %}

{% if grain == 'change' %}
order_days as (
    select
        customer_key,
        cast(ordered_at as date) as order_date,
        coalesce(days_since_previous_order >= {{ var('churned_days') }}, false) as is_reactivation
    from orders
),

change_days as (
    select customer_key, cast(first_seen_at as date) as change_date from persons
    union
    select customer_key, cast(first_identified_at as date) from persons
    union
    select customer_key, order_date from order_days
    {% for days in [var('new_customer_days') + 1, var('active_days') + 1, var('churned_days')] %}
    union
    select customer_key, cast({{ dbt.dateadd('day', days, 'order_date') }} as date) from order_days
    {% endfor %}
    union
    select customer_key, cast({{ dbt.dateadd('day', var('reactivated_days') + 1, 'order_date') }} as date)
    from order_days
    where is_reactivation
    union
    select persons.customer_key, as_of.as_of_date from persons cross join as_of
),

person_period_ends as (
    -- every change day up to as_of_date (as_of_date itself included)
    select change_days.customer_key, change_days.change_date as period_end
    from change_days
    cross join as_of
    where change_days.change_date <= as_of.as_of_date
),
{% else %}
period_ends as (
    -- every period end before as_of_date within the look-back, and as_of_date itself
    select period_end_dates.period_end
    from period_end_dates
    cross join as_of
    where period_end_dates.period_end < as_of.as_of_date
        and period_end_dates.period_end
            >= cast({{ dbt.dateadd('month', -var('lifecycle_history_months'), 'as_of.as_of_date') }} as date)
    union all
    select as_of_date from as_of
),
{% endif %}

person_periods as (
    select
        persons.customer_key,
        -- identified by the end of the period (no timestamp at all: identified all along)
        persons.is_identified
            and coalesce(cast(persons.first_identified_at as date) <= period_ends.period_end, true)
            as is_identified,
        period_ends.period_end,
        period_ends.period_end = as_of.as_of_date as is_current
    from persons
    {% if grain == 'change' -%}
    inner join person_period_ends as period_ends on persons.customer_key = period_ends.customer_key
    {%- else -%}
    cross join period_ends
    {%- endif %}
    cross join as_of
    -- a person with no timestamp at all still gets today's row
    where period_ends.period_end >= coalesce(cast(persons.first_seen_at as date), as_of.as_of_date)
),

-- what each period end knows of the person's orders, carried forward instead of joined: the
-- orders and the period ends in one stream per person, sorted by day with a day's orders before
-- its period end, and each period end reads running aggregates of the orders before it. Orders
-- placed up to a day are the first ones in the person's sequence, so their count is the highest
-- order_number. A join of every period end to every earlier order made a row per pair: at a
-- million customers more memory than two of these models running at once could share.
order_marks as (
    select
        customer_key,
        cast(ordered_at as date) as mark_date,
        0 as is_period_end,
        order_number,
        ordered_at,
        case when days_since_previous_order >= {{ var('churned_days') }} then ordered_at end as reactivation_at,
        cast(null as date) as period_end,
        cast(null as {{ dbt.type_boolean() }}) as is_current,
        cast(null as {{ dbt.type_boolean() }}) as is_identified
    from orders
),

period_marks as (
    select
        customer_key,
        period_end as mark_date,
        1 as is_period_end,
        cast(null as {{ dbt.type_bigint() }}) as order_number,
        cast(null as {{ dbt.type_timestamp() }}) as ordered_at,
        cast(null as {{ dbt.type_timestamp() }}) as reactivation_at,
        period_end,
        is_current,
        is_identified
    from person_periods
),

{%- set up_to_this_mark -%}
    over (
        partition by customer_key
        order by mark_date, is_period_end
        rows between unbounded preceding and current row
    )
{%- endset %}

carried_forward as (
    select
        marks.*,
        max(order_number) {{ up_to_this_mark }} as last_order_number,
        min(ordered_at) {{ up_to_this_mark }} as first_order_at,
        max(ordered_at) {{ up_to_this_mark }} as last_order_at,
        max(reactivation_at) {{ up_to_this_mark }} as last_reactivation_at
    from (
        select * from order_marks
        union all
        select * from period_marks
    ) as marks
),

history_at_period as (
    select
        customer_key,
        period_end,
        is_current,
        is_identified,
        coalesce(last_order_number, 0) as orders,
        first_order_at,
        last_order_at,
        last_order_number,
        last_reactivation_at
    from carried_forward
    where is_period_end = 1
),

with_gap as (
    select
        history_at_period.*,
        last_orders.days_since_previous_order as days_gap_before_last
    from history_at_period
    left join orders as last_orders
        on history_at_period.customer_key = last_orders.customer_key
        and history_at_period.last_order_number = last_orders.order_number
),

final as (
    select
        customer_key,
        period_end,
        is_current,
        orders,
        {{ lifecycle_stage(
            'orders',
            dbt.datediff('first_order_at', 'period_end', 'day'),
            dbt.datediff('last_order_at', 'period_end', 'day'),
            'days_gap_before_last',
            'is_identified',
            dbt.datediff('last_reactivation_at', 'period_end', 'day')) }} as lifecycle_stage
    from with_gap
)

select * from final
{% endmacro %}
