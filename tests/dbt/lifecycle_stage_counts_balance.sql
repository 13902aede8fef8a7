-- Stock and flow agree: customers in a stage at the end of a period = those there at the end of
-- the previous period + those entering it - those leaving it (customer_lifecycle_transitions).
with

stocks as (
    select period_end, lifecycle_stage, count(*) as customers
    from {{ ref('customer_lifecycle_history') }}
    group by 1, 2
),

periods as (
    select period_end, lag(period_end) over (order by period_end) as previous_period_end
    from (select distinct period_end from stocks) as p
),

flows as (
    select
        period_end,
        stage,
        sum(entering) as entering,
        sum(leaving) as leaving
    from (
        select period_end, to_stage as stage, customers as entering, 0 as leaving
        from {{ ref('customer_lifecycle_transitions') }}
        where from_stage != to_stage
        union all
        select period_end, from_stage, 0, customers
        from {{ ref('customer_lifecycle_transitions') }}
        where from_stage != to_stage and from_stage != 'new_to_warehouse'
    ) as moves
    group by 1, 2
),

stages as (
    select distinct lifecycle_stage as stage from stocks
),

checks as (
    select
        periods.period_end,
        stages.stage,
        coalesce(now_.customers, 0) as customers_now,
        coalesce(before_.customers, 0) + coalesce(flows.entering, 0) - coalesce(flows.leaving, 0)
            as customers_expected
    from periods
    cross join stages
    left join stocks as now_
        on periods.period_end = now_.period_end and stages.stage = now_.lifecycle_stage
    left join stocks as before_
        on periods.previous_period_end = before_.period_end and stages.stage = before_.lifecycle_stage
    left join flows
        on periods.period_end = flows.period_end and stages.stage = flows.stage
)

select * from checks
where customers_now != customers_expected
