-- kpi_monthly's person stocks come from order spans (int_kpi_customer_spans), the lifecycle
-- history from macro lifecycle_stage evaluated at every month end: two implementations of the
-- same rules, which must give the same counts at every period end the history holds (it always
-- holds as_of_date; churn is compared where it also holds the previous month end). Returns the
-- disagreeing months with both numbers.
{%- set buyer_stages = "('new_customer', 'active', 'loyal', 'reactivated', 'at_risk')" %}
with

history as (
    select * from {{ ref('customer_lifecycle_history') }}
),

identified as (
    select customer_key from {{ ref('int_persons_in_scope') }} where is_identified
),

previous as (
    select customer_key, lifecycle_stage, period_end
    from history
    where not is_current
),

period_ends as (
    select distinct period_end from history
),

from_history as (
    select
        history.period_end,
        max(case when previous_ends.period_end is not null then 1 else 0 end) as has_previous_end,
        sum(case when history.orders >= 1 then 1 else 0 end) as customers,
        sum(case when history.orders >= 2 then 1 else 0 end) as repeat_customers,
        sum(case when history.lifecycle_stage in ('new_customer', 'active', 'loyal', 'reactivated') then 1 else 0 end)
            as active_customers,
        sum(case when history.lifecycle_stage = 'loyal' then 1 else 0 end) as loyal_customers,
        sum(case when identified.customer_key is not null then 1 else 0 end) as identified_users,
        sum(case when previous.lifecycle_stage in {{ buyer_stages }} then 1 else 0 end) as customers_at_start,
        sum(case when previous.lifecycle_stage in {{ buyer_stages }} and history.lifecycle_stage = 'lapsed'
            then 1 else 0 end) as customers_lapsed
    from history
    left join identified on history.customer_key = identified.customer_key
    left join previous
        on history.customer_key = previous.customer_key
        and previous.period_end = cast({{ dbt.dateadd('day', -1, dbt.date_trunc('month', 'history.period_end')) }} as date)
    left join period_ends as previous_ends
        on previous_ends.period_end = cast({{ dbt.dateadd('day', -1, dbt.date_trunc('month', 'history.period_end')) }} as date)
    group by 1
),

kpis as (
    select * from {{ ref('kpi_monthly') }}
)

select
    kpis.kpi_month,
    {% for measure in ['customers', 'repeat_customers', 'active_customers', 'loyal_customers', 'identified_users', 'customers_at_start', 'customers_lapsed'] %}
    kpis.{{ measure }} as kpi_{{ measure }},
    from_history.{{ measure }} as history_{{ measure }},
    {% endfor %}
    from_history.period_end
from kpis
left join from_history on kpis.period_end_date = from_history.period_end
cross join {{ ref('int_as_of_date') }} as as_of
where (from_history.period_end is null and kpis.period_end_date = as_of.as_of_date)
    {% for measure in ['customers', 'repeat_customers', 'active_customers', 'loyal_customers', 'identified_users'] %}
    or kpis.{{ measure }} != from_history.{{ measure }}
    {% endfor %}
    {% for measure in ['customers_at_start', 'customers_lapsed'] %}
    or (from_history.has_previous_end = 1 and kpis.{{ measure }} != from_history.{{ measure }})
    {% endfor %}
