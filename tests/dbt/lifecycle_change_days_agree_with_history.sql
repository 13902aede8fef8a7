-- int_lifecycle_stage_change_days (stage on every day it can change) and
-- customer_lifecycle_history (stage at month ends) apply one rule: on every day both hold, the
-- stage is the same, and each person's current rows agree; customer_lifecycle.stage_since is a
-- change day with today's stage. Returns the disagreements.
with

change_days as (
    select * from {{ ref('int_lifecycle_stage_change_days') }}
),

history as (
    select * from {{ ref('customer_lifecycle_history') }}
),

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

same_day as (
    select change_days.customer_key, change_days.period_end, 'stage differs on a shared day' as disagreement
    from change_days
    inner join history
        on change_days.customer_key = history.customer_key
        and change_days.period_end = history.period_end
    where change_days.lifecycle_stage != history.lifecycle_stage
        or change_days.is_current != history.is_current
),

missing_current as (
    select history.customer_key, history.period_end, 'no change-day row for today' as disagreement
    from history
    left join change_days
        on history.customer_key = change_days.customer_key and change_days.is_current
    where history.is_current and change_days.customer_key is null
),

since_not_a_change_day as (
    select lifecycle.customer_key, lifecycle.stage_since as period_end, 'stage_since is no change day of the stage'
        as disagreement
    from lifecycle
    left join change_days
        on lifecycle.customer_key = change_days.customer_key
        and lifecycle.stage_since = change_days.period_end
        and lifecycle.lifecycle_stage = change_days.lifecycle_stage
    where change_days.customer_key is null
)

select * from same_day
union all
select * from missing_current
union all
select * from since_not_a_change_day
