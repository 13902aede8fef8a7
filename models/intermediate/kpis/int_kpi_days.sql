{#- Every day from the first fact (order, session, message, survey answer or first sighting of a
    person) to as_of_date: the calendar of kpi_daily and of the daily stocks. Built from a fixed
    series (at most kpi_max_days days) rather than dbt.date_spine, whose bounds must be constants
    known at compile time. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

first_facts as (
    select min(ordered_at) as first_at from {{ ref('int_orders_resolved') }}
    union all
    select min(started_at) from {{ ref('int_sessions') }}
    union all
    select min(occurred_at) from {{ ref('stg_raw__message_events') }}
    union all
    select min(responded_at) from {{ ref('stg_raw__survey_responses') }}
    union all
    select min(first_seen_at) from {{ ref('int_persons_in_scope') }}
),

first_day as (
    select cast(min(first_at) as date) as first_date from first_facts
),

final as (
    select
        cast({{ dbt.dateadd('day', 'spine.generated_number - 1', 'first_day.first_date') }} as date) as kpi_date
    from ({{ dbt.generate_series(var('kpi_max_days')) }}) as spine
    cross join first_day
    cross join as_of
    where {{ dbt.dateadd('day', 'spine.generated_number - 1', 'first_day.first_date') }} <= as_of.as_of_date
)

select * from final
