{#- Stocks of persons (deletion requests excluded) at the end of every day of int_kpi_days, from
    the days they change: each span or fact adds to a stock on its first day and takes away on the
    day it ends, so the stock at a day is the running sum of its changes up to that day. Changes
    before the first day of the calendar count on that day.
      customers           persons with a completed order
      repeat_customers    ... with two or more
      active_customers    stage new_customer, active, loyal or reactivated (int_kpi_customer_spans)
      loyal_customers     stage loyal
      buyers              every buyer stage but lapsed (the churn base of the next day)
      identified_users    identified persons (customer_id, email or phone) first seen by then
      identified_customers  customers who are identified: the activation numerator (a guest
                          buyer without customer_id, email or phone is a customer, not an
                          identified user who activated)
      active_users_30d    persons with an event or an order in the 30 days up to the day
      historic_clv_total  completed order totals of the customers: net of refunds, because a
                          refunded order is not a completed one (it is not subtracted again) -#}
{%- set measures = [
    'customers', 'repeat_customers', 'active_customers', 'loyal_customers', 'buyers',
    'identified_users', 'identified_customers', 'active_users_30d', 'historic_clv_total',
] %}
with

days as (
    select * from {{ ref('int_kpi_days') }}
),

spans as (
    select * from {{ ref('int_kpi_customer_spans') }}
),

completed_orders as (
    select spans.customer_key, spans.order_date, orders.total_amount
    from spans
    inner join {{ ref('int_orders_resolved') }} as orders on spans.order_id = orders.order_id
),

identified as (
    select customer_key, cast(first_seen_at as date) as first_seen_date
    from {{ ref('int_persons_in_scope') }}
    where is_identified
),

activity as (
    select distinct persons.customer_key, days.event_date as activity_date
    from {{ ref('int_event_identifier_days') }} as days
    inner join {{ ref('int_event_identifier_persons') }} as persons
        on days.identifier_set_key = persons.identifier_set_key
    where persons.customer_key is not null
    union
    select distinct customer_key, cast(ordered_at as date) as activity_date
    from {{ ref('int_orders_resolved') }}
),

activity_spans as (
    -- an activity keeps a person a 30-day active user until the next activity or 30 days later
    select
        customer_key,
        activity_date,
        lead(activity_date) over (partition by customer_key order by activity_date) as next_activity_date,
        cast({{ dbt.dateadd('day', 30, 'activity_date') }} as date) as window_end_date
    from activity
    where {{ person_in_scope('customer_key') }}
),

changes as (
    select order_date as change_date, 'customers' as measure, 1 as change
    from spans where order_number = 1
    union all
    select order_date, 'repeat_customers', 1
    from spans where order_number = 2
    union all
    select order_date, 'active_customers', 1
    from spans where active_until_date > order_date
    union all
    select active_until_date, 'active_customers', -1
    from spans where active_until_date > order_date
    union all
    select loyal_from_date, 'loyal_customers', 1
    from spans where is_loyal_order and active_until_date > loyal_from_date
    union all
    select active_until_date, 'loyal_customers', -1
    from spans where is_loyal_order and active_until_date > loyal_from_date
    union all
    select order_date, 'buyers', 1
    from spans where buyer_until_date > order_date
    union all
    select buyer_until_date, 'buyers', -1
    from spans where buyer_until_date > order_date
    union all
    select first_seen_date, 'identified_users', 1
    from identified
    union all
    select order_date, 'identified_customers', 1
    from spans
    where order_number = 1
        and customer_key in (select customer_key from identified)
    union all
    select activity_date, 'active_users_30d', 1
    from activity_spans
    union all
    select
        case when next_activity_date < window_end_date then next_activity_date else window_end_date end,
        'active_users_30d',
        -1
    from activity_spans
    union all
    select order_date, 'historic_clv_total', total_amount
    from completed_orders
),

daily_changes as (
    select
        case when changes.change_date < first_day.kpi_date then first_day.kpi_date else changes.change_date end
            as kpi_date,
        {% for measure in measures %}
        sum(case when changes.measure = '{{ measure }}' then changes.change else 0 end) as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from changes
    cross join (select min(kpi_date) as kpi_date from days) as first_day
    group by 1
),

final as (
    select
        days.kpi_date,
        {% for measure in measures %}
        sum(coalesce(daily_changes.{{ measure }}, 0)) over (
            order by days.kpi_date rows between unbounded preceding and current row
        ) as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from days
    left join daily_changes on days.kpi_date = daily_changes.kpi_date
)

select * from final
