{#- Completed orders per person in order, with the gap since the previous one (for repeat,
    reactivation and nth-order milestones). -#}
with

orders as (
    select customer_key, order_id, ordered_at, total_amount
    from {{ ref('int_orders_resolved') }}
    where is_completed
),

final as (
    select
        customer_key,
        order_id,
        ordered_at,
        total_amount,
        row_number() over (partition by customer_key order by ordered_at, order_id) as order_number,
        {{ dbt.datediff(
            'lag(ordered_at) over (partition by customer_key order by ordered_at, order_id)',
            'ordered_at', 'day') }} as days_since_previous_order
    from orders
)

select * from final
