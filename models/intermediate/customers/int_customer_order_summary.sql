{#- Order history per person up to as_of_date. Revenue counts completed orders only. Historic CLV
    is revenue net of refunds: a refunded order carries status 'refunded' (the order's latest
    version replaces 'completed'), so it is already out of revenue and is not subtracted again
    (that made a person whose only order was refunded worth minus its amount). -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select orders.*
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_at
),

completed as (
    select
        *,
        row_number() over (partition by customer_key order by ordered_at, order_id) as order_number,
        lag(ordered_at) over (partition by customer_key order by ordered_at, order_id) as previous_ordered_at
    from orders
    where is_completed
),

completed_summary as (
    select
        customer_key,
        count(*) as orders,
        sum(total_amount) as revenue,
        sum(case when coalesce(discount_amount, 0) > 0 or discount_code is not null then 1 else 0 end)
            as discounted_orders,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        max(case when order_number = 2 then ordered_at end) as second_order_at,
        avg({{ dbt.datediff('previous_ordered_at', 'ordered_at', 'day') }}) as avg_days_between_orders
    from completed
    group by 1
),

all_orders as (
    select
        customer_key,
        count(*) as orders_placed,
        sum(case when status = 'cancelled' then 1 else 0 end) as cancelled_orders,
        sum(case when status = 'refunded' then 1 else 0 end) as refunded_orders
    from orders
    group by 1
),

final as (
    select
        all_orders.customer_key,
        all_orders.orders_placed,
        coalesce(completed_summary.orders, 0) as orders,
        all_orders.cancelled_orders,
        all_orders.refunded_orders,
        coalesce(completed_summary.revenue, 0) as revenue,
        coalesce(completed_summary.revenue, 0) as historic_clv,
        case when completed_summary.orders > 0
            then cast(completed_summary.revenue as double) / completed_summary.orders end as average_order_value,
        case when completed_summary.orders > 0
            then cast(completed_summary.discounted_orders as double) / completed_summary.orders end as discount_affinity,
        completed_summary.first_order_at,
        completed_summary.second_order_at,
        completed_summary.last_order_at,
        completed_summary.avg_days_between_orders
    from all_orders
    left join completed_summary
        on all_orders.customer_key = completed_summary.customer_key
)

select * from final
