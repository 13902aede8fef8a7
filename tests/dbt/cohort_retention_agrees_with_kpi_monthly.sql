-- The same months seen three ways: revenue and orders per calendar month in cohort_retention
-- (summed over cohorts), in kpi_monthly and in the completed orders of staging; new customers of a
-- month = the size of that month's cohort. Returns the months where any of them disagree.
with

cohorts as (
    select
        activity_month,
        sum(revenue) as revenue,
        sum(orders) as orders,
        sum(case when months_since_first_order = 0 then cohort_customers else 0 end) as new_customers
    from {{ ref('cohort_retention') }}
    group by 1
),

staged as (
    select
        cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date) as order_month,
        sum(orders.total_amount) as revenue,
        count(*) as orders
    from {{ ref('stg_raw__orders') }} as orders
    cross join {{ ref('int_as_of_date') }} as as_of
    where orders.is_completed and orders.ordered_at < as_of.as_of_at
    group by 1
),

kpis as (
    select * from {{ ref('kpi_monthly') }}
),

months as (
    select activity_month as month_start from cohorts
    union
    select order_month from staged
    union
    select kpi_month from kpis where orders > 0
)

select
    months.month_start,
    kpis.revenue as kpi_revenue,
    cohorts.revenue as cohort_revenue,
    staged.revenue as staged_revenue,
    kpis.orders as kpi_orders,
    cohorts.orders as cohort_orders,
    staged.orders as staged_orders,
    kpis.new_customers as kpi_new_customers,
    cohorts.new_customers as cohort_new_customers
from months
left join kpis on months.month_start = kpis.kpi_month
left join cohorts on months.month_start = cohorts.activity_month
left join staged on months.month_start = staged.order_month
where coalesce(kpis.revenue, -1) != coalesce(cohorts.revenue, -1)
    or coalesce(kpis.revenue, -1) != coalesce(staged.revenue, -1)
    or coalesce(kpis.orders, -1) != coalesce(cohorts.orders, -1)
    or coalesce(kpis.orders, -1) != coalesce(staged.orders, -1)
    or coalesce(kpis.new_customers, -1) != coalesce(cohorts.new_customers, -1)
