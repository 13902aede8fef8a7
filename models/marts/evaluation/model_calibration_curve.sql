{#- Calibration of every model and baseline on the latest backtest fold: mean predicted probability
    vs observed rate per decile of predicted probability (1 = highest). Deciles as
    lifecycle.modelling.evaluation.deciles: rank by probability descending, ties by customer_key,
    decile = floor((rank - 1) * 10 / customers) + 1, so the chosen model's rows equal
    model_calibration's (a data test holds them equal). -#}
with

backtests as (
    select * from {{ ref('int_classifier_backtests') }}
),

-- the latest fold of each task: the newest matured snapshot, the one model_calibration shows
latest_folds as (
    select
        task,
        max(holdout_snapshot) as holdout_snapshot
    from backtests
    group by task
),

model_roles as (
    select distinct
        task,
        model,
        model_role
    from {{ ref('model_evaluation') }}
),

scores as (
    select
        backtests.task,
        backtests.model,
        backtests.customer_key,
        backtests.probability,
        backtests.label
    from backtests
    inner join latest_folds
        on backtests.task = latest_folds.task
        and backtests.holdout_snapshot = latest_folds.holdout_snapshot
),

ranked as (
    select
        task,
        model,
        probability,
        label,
        row_number() over (partition by task, model order by probability desc, customer_key asc) as score_rank,
        count(*) over (partition by task, model) as model_customers
    from scores
),

deciled as (
    select
        task,
        model,
        probability,
        label,
        floor(cast((score_rank - 1) * 10 as double) / model_customers) + 1 as decile
    from ranked
),

deciles as (
    select
        task,
        model,
        decile,
        count(*) as customers,
        -- an exact decimal sum: avg() of doubles depends on the summation order, which DuckDB's
        -- parallel aggregation varies, so two builds of the same data differed in the last bit
        cast(sum(cast(probability as decimal(38, 18))) as double) / count(*) as mean_predicted,
        avg(label) as observed_rate
    from deciled
    group by task, model, decile
),

final as (
    select
        -- ids
        cast(deciles.task as {{ dbt.type_string() }}) as task,
        cast(deciles.model as {{ dbt.type_string() }}) as model,
        cast(model_roles.model_role as {{ dbt.type_string() }}) as model_role,
        cast(deciles.decile as {{ dbt.type_int() }}) as decile,

        -- numerics (double: the same 8-byte type on DuckDB and Spark; dbt.type_float() is 4 bytes)
        cast(deciles.customers as {{ dbt.type_bigint() }}) as customers,
        cast(deciles.mean_predicted as double) as mean_predicted,
        cast(deciles.observed_rate as double) as observed_rate
    from deciles
    left join model_roles
        on deciles.task = model_roles.task and deciles.model = model_roles.model
)

select * from final
