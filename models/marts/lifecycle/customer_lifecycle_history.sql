{#- The lifecycle stage of every person at the end of every month from the month they were
    first seen, plus as_of_date itself, reconstructed from the history known at each date (so a
    warehouse built today still shows what last March looked like in last March). -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

persons as (
    select customer_key, is_identified, first_seen_at
    from {{ ref('int_persons') }}
    where customer_key not in (select customer_key from {{ ref('int_deleted_customer_keys') }})
),

orders as (
    select * from {{ ref('int_completed_orders_sequenced') }}
),

months as (
    {{ dbt.date_spine('month', "cast('2000-01-01' as date)", "cast('2100-01-01' as date)") }}
),

period_ends as (
    -- last day of each month up to as_of_date, and as_of_date itself
    select cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'date_month')) }} as date) as period_end
    from months
    cross join as_of
    where {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'date_month')) }} < as_of.as_of_date
        and date_month >= cast({{ dbt.dateadd('month', -120, 'as_of.as_of_date') }} as date)
    union all
    select as_of_date from as_of
),

person_periods as (
    select
        persons.customer_key,
        persons.is_identified,
        period_ends.period_end,
        period_ends.period_end = as_of.as_of_date as is_current
    from persons
    cross join period_ends
    cross join as_of
    where period_ends.period_end >= cast(persons.first_seen_at as date)
),

history_at_period as (
    select
        person_periods.customer_key,
        person_periods.period_end,
        person_periods.is_current,
        person_periods.is_identified,
        count(orders.order_id) as orders,
        min(orders.ordered_at) as first_order_at,
        max(orders.ordered_at) as last_order_at,
        max(orders.order_number) as last_order_number
    from person_periods
    left join orders
        on person_periods.customer_key = orders.customer_key
        and cast(orders.ordered_at as date) <= person_periods.period_end
    group by 1, 2, 3, 4
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
            'is_identified') }} as lifecycle_stage
    from with_gap
)

select * from final
