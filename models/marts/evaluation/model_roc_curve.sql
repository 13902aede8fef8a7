{#- ROC curve of every model and baseline on the latest backtest fold
    (int_classifier_backtests): at each distinct score threshold, the share of negatives and of
    positives scored at or above it. Thinned to the last point of each cell of a
    roc_curve_resolution x roc_curve_resolution grid, so the table stays small at any holdout
    size; the path leaves no cell it has entered, so straight lines between the kept points
    bound the area error by 2 / roc_curve_resolution (a data test checks it against
    model_evaluation's roc_auc). Point 0 is the origin (nothing flagged). -#}
{%- set resolution = var('roc_curve_resolution') -%}

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
        backtests.probability,
        backtests.label
    from backtests
    inner join latest_folds
        on backtests.task = latest_folds.task
        and backtests.holdout_snapshot = latest_folds.holdout_snapshot
),

thresholds as (
    select
        task,
        model,
        probability as threshold,
        sum(case when label = 1 then 1 else 0 end) as positives,
        sum(case when label = 1 then 0 else 1 end) as negatives
    from scores
    group by task, model, probability
),

cumulative as (
    select
        task,
        model,
        threshold,
        sum(positives) over (
            partition by task, model order by threshold desc rows between unbounded preceding and current row
        ) as true_positives,
        sum(negatives) over (
            partition by task, model order by threshold desc rows between unbounded preceding and current row
        ) as false_positives,
        sum(positives) over (partition by task, model) as total_positives,
        sum(negatives) over (partition by task, model) as total_negatives
    from thresholds
),

rates as (
    select
        task,
        model,
        threshold,
        true_positives,
        false_positives,
        cast(false_positives as double) / total_negatives as false_positive_rate,
        cast(true_positives as double) / total_positives as true_positive_rate
    from cumulative
    -- a curve needs both classes (model_evaluation's roc_auc is null otherwise)
    where total_positives > 0 and total_negatives > 0
),

cells as (
    select
        *,
        floor(false_positive_rate * {{ resolution }}) as fpr_cell,
        floor(true_positive_rate * {{ resolution }}) as tpr_cell
    from rates
),

thinned as (
    select
        task,
        model,
        threshold,
        true_positives,
        false_positives,
        false_positive_rate,
        true_positive_rate,
        row_number() over (
            partition by task, model, fpr_cell, tpr_cell order by threshold asc
        ) as rank_in_cell
    from cells
),

kept as (
    select
        task,
        model,
        threshold,
        true_positives,
        false_positives,
        false_positive_rate,
        true_positive_rate,
        row_number() over (partition by task, model order by threshold desc) as point_number
    from thinned
    where rank_in_cell = 1
),

origins as (
    select distinct
        task,
        model,
        cast(null as double) as threshold,
        0 as true_positives,
        0 as false_positives,
        cast(0 as double) as false_positive_rate,
        cast(0 as double) as true_positive_rate,
        0 as point_number
    from kept
),

points as (
    select * from kept
    union all
    select * from origins
),

final as (
    select
        -- ids
        cast(points.task as {{ dbt.type_string() }}) as task,
        cast(points.model as {{ dbt.type_string() }}) as model,
        cast(model_roles.model_role as {{ dbt.type_string() }}) as model_role,
        cast(points.point_number as {{ dbt.type_int() }}) as point_number,

        -- numerics (double: the same 8-byte type on DuckDB and Spark; dbt.type_float() is 4 bytes)
        cast(points.threshold as double) as threshold,
        cast(points.true_positives as {{ dbt.type_bigint() }}) as true_positives,
        cast(points.false_positives as {{ dbt.type_bigint() }}) as false_positives,
        cast(points.false_positive_rate as double) as false_positive_rate,
        cast(points.true_positive_rate as double) as true_positive_rate
    from points
    left join model_roles
        on points.task = model_roles.task and points.model = model_roles.model
)

select * from final
