{#- Current lifecycle stage per person, since when, the stage before, advocacy and milestones. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

history as (
    select * from {{ ref('customer_lifecycle_history') }}
),

current_stage as (
    select customer_key, lifecycle_stage, orders
    from history
    where is_current
),

-- the latest period end whose stage differs from today's closes the previous stage
previous as (
    select
        history.customer_key,
        max(history.period_end) as previous_stage_until
    from history
    inner join current_stage
        on history.customer_key = current_stage.customer_key
        and history.lifecycle_stage != current_stage.lifecycle_stage
    group by 1
),

previous_stage as (
    select history.customer_key, history.lifecycle_stage as previous_stage, previous.previous_stage_until
    from history
    inner join previous
        on history.customer_key = previous.customer_key
        and history.period_end = previous.previous_stage_until
),

stage_start as (
    select
        current_stage.customer_key,
        min(history.period_end) as stage_since
    from current_stage
    inner join history on history.customer_key = current_stage.customer_key
    left join previous on previous.customer_key = current_stage.customer_key
    where history.period_end > coalesce(previous.previous_stage_until, cast('1900-01-01' as date))
    group by 1
),

orders as (
    select * from {{ ref('int_completed_orders_sequenced') }}
),

milestones as (
    select
        customer_key,
        min(case when order_number = 1 then ordered_at end) as first_purchase_at,
        min(case when order_number = 2 then ordered_at end) as repeat_purchase_at,
        max(order_number) as order_count
    from orders
    cross join as_of
    where ordered_at < as_of.as_of_at
    group by 1
),

advocacy as (
    select customer_key, latest_nps_score, referrals_made
    from {{ ref('int_customer_feedback_loyalty') }}
),

final as (
    select
        current_stage.customer_key,
        current_stage.lifecycle_stage,
        stage_start.stage_since,
        previous_stage.previous_stage,
        coalesce(advocacy.latest_nps_score >= {{ var('nps_promoter_min_score') }}, false)
            or coalesce(advocacy.referrals_made, 0) > 0 as is_advocate,
        milestones.first_purchase_at,
        milestones.repeat_purchase_at,
        coalesce(milestones.order_count, 0) as order_count,
        -- the next anniversary of the first purchase on or after as_of_date
        case when milestones.first_purchase_at is not null then
            cast({{ dbt.dateadd(
                'year',
                dbt.datediff('milestones.first_purchase_at', 'as_of.as_of_date', 'year')
                ~ ' + case when ' ~ dbt.dateadd('year', dbt.datediff('milestones.first_purchase_at', 'as_of.as_of_date', 'year'), 'cast(milestones.first_purchase_at as date)')
                ~ ' < as_of.as_of_date then 1 else 0 end',
                'cast(milestones.first_purchase_at as date)') }} as date)
        end as next_loyalty_anniversary,
        as_of.as_of_date
    from current_stage
    cross join as_of
    left join stage_start on current_stage.customer_key = stage_start.customer_key
    left join previous_stage on current_stage.customer_key = previous_stage.customer_key
    left join milestones on current_stage.customer_key = milestones.customer_key
    left join advocacy on current_stage.customer_key = advocacy.customer_key
)

select
    *,
    next_loyalty_anniversary is not null
        and {{ dbt.datediff('as_of_date', 'next_loyalty_anniversary', 'day') }} between 0 and 7
        and next_loyalty_anniversary > cast(first_purchase_at as date) as is_anniversary_next_7_days
from final
