{#- One row per completed order of a person without a deletion request, with the dates over which
    that order, as the person's latest, keeps them in a stage (macros/lifecycle_stage.sql, the rules
    of macro lifecycle_stage). Counting the spans that cover a day gives that day's stocks without
    a row per person and day:
      active (new_customer, active, loyal, reactivated): order_date until active_until_date
        (exclusive): the next order, or the day the order is older than active_days (or
        churned_days, if smaller);
      loyal: the same span, when the order is at least the loyal_min_orders-th and did not come
        after a gap of churned_days (that is a reactivation), but only from loyal_from_date: the
        day after the reactivated_days that follow the person's latest reactivation, if later
        (a returning customer is reactivated for at least reactivated_days);
      not lapsed (every buyer stage but lapsed): order_date until buyer_until_date (exclusive):
        the next order, or churned_days later;
      lapsed_date: the day the person lapses (churned_days after this order) when no order
        comes first.
    Dates are UTC calendar days, as in customer_lifecycle_history. -#}
{%- set active_span_days = [var('active_days') + 1, var('churned_days')] | min %}
with

orders as (
    select * from {{ ref('int_completed_orders_sequenced') }}
    where {{ person_in_scope('customer_key') }}
),

dated as (
    select
        customer_key,
        order_id,
        order_number,
        cast(ordered_at as date) as order_date,
        cast(lead(ordered_at) over (partition by customer_key order by order_number) as date) as next_order_date,
        coalesce(days_since_previous_order >= {{ var('churned_days') }}, false) as is_reactivation
    from orders
),

with_reactivation as (
    -- the latest return after a lapse up to and including this order
    select
        *,
        max(case when is_reactivation then order_date end) over (
            partition by customer_key order by order_number rows between unbounded preceding and current row
        ) as reactivation_date
    from dated
),

bounds as (
    select
        *,
        cast({{ dbt.dateadd('day', active_span_days, 'order_date') }} as date) as active_end_date,
        cast({{ dbt.dateadd('day', var('churned_days'), 'order_date') }} as date) as lapse_date,
        cast({{ dbt.dateadd('day', var('reactivated_days') + 1, 'reactivation_date') }} as date)
            as reactivated_end_date
    from with_reactivation
),

final as (
    select
        customer_key,
        order_id,
        order_number,
        order_date,
        next_order_date,
        is_reactivation,
        order_number >= {{ var('loyal_min_orders') }} and not is_reactivation as is_loyal_order,
        case when order_number >= {{ var('loyal_min_orders') }} and not is_reactivation then
            case when reactivated_end_date > order_date then reactivated_end_date else order_date end
        end as loyal_from_date,
        case when next_order_date < active_end_date then next_order_date else active_end_date end
            as active_until_date,
        case when next_order_date < lapse_date then next_order_date else lapse_date end as buyer_until_date,
        case when next_order_date is null or next_order_date > lapse_date then lapse_date end as lapsed_date
    from bounds
)

select * from final
