-- customer_lifecycle_flow_matrix agrees with customer_lifecycle_history: in every period,
-- the to_<stage> column summed over from_stage is the stock of that stage at the period end, a
-- row's customers is the stock of its from_stage at the previous period end (new_to_warehouse:
-- people first seen in the period), and each row's to_ columns add up to its customers.
{%- set stages = lifecycle_stages() %}
with

matrix as (
    select * from {{ ref('customer_lifecycle_flow_matrix') }}
),

history as (
    select
        customer_key,
        period_end,
        lifecycle_stage,
        lag(lifecycle_stage) over (partition by customer_key order by period_end) as previous_stage
    from {{ ref('customer_lifecycle_history') }}
),

stocks_now as (
    select period_end, lifecycle_stage as stage, count(*) as customers
    from history
    group by 1, 2
),

stocks_before as (
    select period_end, coalesce(previous_stage, 'new_to_warehouse') as stage, count(*) as customers
    from history
    group by 1, 2
),

arriving as (
    {% for stage in stages %}
    select period_end, '{{ stage }}' as stage, sum(to_{{ stage }}) as customers
    from matrix
    group by 1
    {{ 'union all' if not loop.last }}
    {% endfor %}
),

column_mismatch as (
    select arriving.period_end, arriving.stage, 'to_ column != stock at period end' as problem
    from arriving
    left join stocks_now
        on arriving.period_end = stocks_now.period_end and arriving.stage = stocks_now.stage
    where arriving.customers != coalesce(stocks_now.customers, 0)
),

row_mismatch as (
    select matrix.period_end, matrix.from_stage as stage, 'customers != stock at previous period end' as problem
    from matrix
    left join stocks_before
        on matrix.period_end = stocks_before.period_end and matrix.from_stage = stocks_before.stage
    where matrix.customers != coalesce(stocks_before.customers, 0)
),

row_sum_mismatch as (
    select period_end, from_stage as stage, 'to_ columns do not add up to customers' as problem
    from matrix
    where customers != {% for stage in stages %}to_{{ stage }}{{ ' + ' if not loop.last }}{% endfor %}
),

missed_stocks as (
    -- a stage present in history but absent from the matrix columns
    select stocks_now.period_end, stocks_now.stage, 'stage missing from the matrix' as problem
    from stocks_now
    where stocks_now.stage not in ({% for stage in stages %}'{{ stage }}'{{ ', ' if not loop.last }}{% endfor %})
)

select * from column_mismatch
union all
select * from row_mismatch
union all
select * from row_sum_mismatch
union all
select * from missed_stocks
