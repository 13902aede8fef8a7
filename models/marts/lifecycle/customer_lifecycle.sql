{#- Current lifecycle stage per person, since when, the stage before, advocacy and milestones.
    The stage is the as_of_date row of customer_lifecycle_history, so today's stage and the
    history can never disagree. The day it began and the stage before come from the days the
    stage can change (int_lifecycle_stage_change_days, same rules), not from month ends. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

history as (
    select * from {{ ref('customer_lifecycle_history') }}
),

change_days as (
    select * from {{ ref('int_lifecycle_stage_change_days') }}
),

orders as (
    select * from {{ ref('int_completed_orders_sequenced') }}
),

advocacy as (
    select customer_key, latest_nps_score, referrals_made
    from {{ ref('int_customer_feedback_loyalty') }}
),

current_stage as (
    select customer_key, lifecycle_stage
    from history
    where is_current
),

-- the latest change day whose stage differs from today's closes the previous stage
previous as (
    select
        change_days.customer_key,
        max(change_days.period_end) as previous_stage_until
    from change_days
    inner join current_stage
        on change_days.customer_key = current_stage.customer_key
        and change_days.lifecycle_stage != current_stage.lifecycle_stage
    group by 1
),

previous_stage as (
    select change_days.customer_key, change_days.lifecycle_stage as previous_stage
    from change_days
    inner join previous
        on change_days.customer_key = previous.customer_key
        and change_days.period_end = previous.previous_stage_until
),

-- the first change day after it: the day the current stage began
stage_start as (
    select
        current_stage.customer_key,
        min(change_days.period_end) as stage_since
    from current_stage
    inner join change_days on current_stage.customer_key = change_days.customer_key
    left join previous on current_stage.customer_key = previous.customer_key
    where previous.previous_stage_until is null
        or change_days.period_end > previous.previous_stage_until
    group by 1
),

milestones as (
    select
        orders.customer_key,
        min(case when orders.order_number = 1 then orders.ordered_at end) as first_purchase_at,
        min(case when orders.order_number = 2 then orders.ordered_at end) as repeat_purchase_at,
        count(*) as order_count,
        cast(min(orders.ordered_at) as date) as first_purchase_date
    from orders
    cross join as_of
    where orders.ordered_at < as_of.as_of_at
    group by 1
),

years_since_first as (
    select
        milestones.customer_key,
        milestones.first_purchase_date,
        {{ dbt.datediff('milestones.first_purchase_date', 'as_of.as_of_date', 'year') }}
            as calendar_years_since_first
    from milestones
    cross join as_of
),

anniversaries as (
    -- the first-purchase anniversary in as_of_date's calendar year; the next one if that has passed
    select
        years_since_first.*,
        cast({{ dbt.dateadd('year', 'calendar_years_since_first', 'first_purchase_date') }} as date)
            as anniversary_this_year
    from years_since_first
),

next_anniversaries as (
    select
        anniversaries.customer_key,
        -- the next anniversary on or after as_of_date, never the first purchase day itself
        cast({{ dbt.dateadd(
            'year',
            'case when anniversaries.anniversary_this_year < as_of.as_of_date
                or anniversaries.calendar_years_since_first < 1
                then anniversaries.calendar_years_since_first + 1
                else anniversaries.calendar_years_since_first end',
            'anniversaries.first_purchase_date') }} as date) as next_loyalty_anniversary
    from anniversaries
    cross join as_of
),

final as (
    select
        -- ids
        current_stage.customer_key,

        -- strings
        current_stage.lifecycle_stage,
        previous_stage.previous_stage,

        -- numerics
        cast(coalesce(milestones.order_count, 0) as {{ dbt.type_bigint() }}) as order_count,

        -- booleans
        coalesce(advocacy.latest_nps_score >= {{ var('nps_promoter_min_score') }}, false)
            or coalesce(advocacy.referrals_made, 0) > 0 as is_advocate,
        coalesce(
            {{ dbt.datediff('as_of.as_of_date', 'next_anniversaries.next_loyalty_anniversary', 'day') }} <= 7,
            false
        ) as is_anniversary_next_7_days,

        -- dates
        stage_start.stage_since,
        next_anniversaries.next_loyalty_anniversary,
        as_of.as_of_date,

        -- timestamps
        milestones.first_purchase_at,
        milestones.repeat_purchase_at

    from current_stage
    cross join as_of
    left join stage_start on current_stage.customer_key = stage_start.customer_key
    left join previous_stage on current_stage.customer_key = previous_stage.customer_key
    left join milestones on current_stage.customer_key = milestones.customer_key
    left join next_anniversaries on current_stage.customer_key = next_anniversaries.customer_key
    left join advocacy on current_stage.customer_key = advocacy.customer_key
)

select * from final
