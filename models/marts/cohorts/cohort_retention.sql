{#- Acquisition cohorts (month of first completed order) by months since: customers who ordered
    again in that month, their orders and revenue, and cumulative revenue per cohort customer.
    Offset 0 is the first-order month, so retention there is 100%. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select
        orders.customer_key,
        orders.ordered_at,
        orders.total_amount,
        cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date) as order_month
    from {{ ref('int_completed_orders_sequenced') }} as orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_at
        and orders.customer_key not in (select customer_key from {{ ref('int_deleted_customer_keys') }})
),

cohorts as (
    select customer_key, min(order_month) as cohort_month
    from orders
    group by 1
),

cohort_sizes as (
    select cohort_month, count(*) as cohort_customers
    from cohorts
    group by 1
),

activity as (
    select
        cohorts.cohort_month,
        {{ dbt.datediff('cohorts.cohort_month', 'orders.order_month', 'month') }} as months_since_first_order,
        count(distinct orders.customer_key) as customers_retained,
        count(*) as orders,
        sum(orders.total_amount) as revenue
    from orders
    inner join cohorts on orders.customer_key = cohorts.customer_key
    group by 1, 2
),

-- every offset from 0 to the as_of month, so months without orders show 0, not a gap
offsets as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        cast(spine.generated_number - 1 as {{ dbt.type_int() }}) as months_since_first_order
    from cohort_sizes
    cross join ({{ dbt.generate_series(240) }}) as spine
    cross join as_of
    where spine.generated_number - 1
        <= {{ dbt.datediff('cohort_sizes.cohort_month', 'as_of.as_of_date', 'month') }}
),

final as (
    select
        offsets.cohort_month,
        offsets.months_since_first_order,
        offsets.cohort_customers,
        coalesce(activity.customers_retained, 0) as customers_retained,
        100.0 * coalesce(activity.customers_retained, 0) / offsets.cohort_customers as retention_rate,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.revenue, 0) as revenue,
        sum(coalesce(activity.revenue, 0)) over (
            partition by offsets.cohort_month order by offsets.months_since_first_order
            rows between unbounded preceding and current row
        ) / offsets.cohort_customers as cumulative_revenue_per_customer
    from offsets
    left join activity
        on offsets.cohort_month = activity.cohort_month
        and offsets.months_since_first_order = activity.months_since_first_order
)

select * from final
