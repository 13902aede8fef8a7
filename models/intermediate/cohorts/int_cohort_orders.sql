{#- Completed orders up to as_of_date with the acquisition cohort of the person who placed them:
    the month of their first completed order, how they were acquired (first-touch source, as in
    customer_profiles) and whether that first order used a discount. Every order is here, also
    those of persons with a deletion request (cohort revenue must add up to kpi_monthly revenue);
    is_countable_person says whether the person may be counted. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select
        sequenced.customer_key,
        sequenced.order_id,
        sequenced.order_number,
        sequenced.ordered_at,
        sequenced.total_amount,
        coalesce(resolved.discount_amount, 0) > 0 or resolved.discount_code is not null as is_discounted
    from {{ ref('int_completed_orders_sequenced') }} as sequenced
    inner join {{ ref('int_orders_resolved') }} as resolved on sequenced.order_id = resolved.order_id
    cross join as_of
    where sequenced.ordered_at < as_of.as_of_at
),

first_orders as (
    select
        customer_key,
        cast({{ dbt.date_trunc('month', 'ordered_at') }} as date) as cohort_month,
        is_discounted as is_first_order_discounted
    from orders
    where order_number = 1
),

acquisition as (
    select customer_key, acquisition_source from {{ ref('int_customer_acquisition') }}
),

final as (
    select
        orders.customer_key,
        orders.order_id,
        first_orders.cohort_month,
        cast({{ dbt.date_trunc('month', 'orders.ordered_at') }} as date) as order_month,
        {{ dbt.datediff('first_orders.cohort_month', dbt.date_trunc('month', 'orders.ordered_at'), 'month') }}
            as months_since_first_order,
        coalesce(acquisition.acquisition_source, 'unknown') as acquisition_source,
        first_orders.is_first_order_discounted,
        {{ person_in_scope('orders.customer_key') }} as is_countable_person,
        orders.total_amount
    from orders
    inner join first_orders on orders.customer_key = first_orders.customer_key
    left join acquisition on orders.customer_key = acquisition.customer_key
)

select * from final
