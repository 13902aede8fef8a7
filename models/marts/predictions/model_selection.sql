{#- Why each task's model was chosen: every model's metrics over the backtest folds of
    model_evaluation - the mean (the selection rule reads the mean ROC AUC), the spread (sample
    standard deviation, null with one fold), the worst fold and the latest fold. One row per
    task x model. -#}
with

evaluation as (
    select * from {{ ref('model_evaluation') }}
),

per_model as (
    select
        task,
        model,
        max(model_role) as model_role,
        max(horizon_days) as horizon_days,
        count(distinct holdout_snapshot) as folds,
        avg(case when metric = 'roc_auc' then value end) as mean_roc_auc,
        stddev_samp(case when metric = 'roc_auc' then value end) as sd_roc_auc,
        min(case when metric = 'roc_auc' then value end) as min_roc_auc,
        max(case when metric = 'roc_auc' and is_latest_fold then value end) as latest_roc_auc,
        avg(case when metric = 'log_loss' then value end) as mean_log_loss,
        avg(case when metric = 'calibration_ratio' then value end) as mean_calibration_ratio,
        stddev_samp(case when metric = 'calibration_ratio' then value end) as sd_calibration_ratio,
        max(case when metric = 'calibration_ratio' and is_latest_fold then value end) as latest_calibration_ratio,
        max(case when is_latest_fold then holdout_snapshot end) as latest_holdout_snapshot
    from evaluation
    group by task, model
),

final as (
    select
        cast(task as {{ dbt.type_string() }}) as task,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_role as {{ dbt.type_string() }}) as model_role,
        cast(horizon_days as {{ dbt.type_int() }}) as horizon_days,
        cast(folds as {{ dbt.type_bigint() }}) as folds,
        cast(mean_roc_auc as {{ type_double() }}) as mean_roc_auc,
        cast(sd_roc_auc as {{ type_double() }}) as sd_roc_auc,
        cast(min_roc_auc as {{ type_double() }}) as min_roc_auc,
        cast(latest_roc_auc as {{ type_double() }}) as latest_roc_auc,
        cast(mean_log_loss as {{ type_double() }}) as mean_log_loss,
        cast(mean_calibration_ratio as {{ type_double() }}) as mean_calibration_ratio,
        cast(sd_calibration_ratio as {{ type_double() }}) as sd_calibration_ratio,
        cast(latest_calibration_ratio as {{ type_double() }}) as latest_calibration_ratio,
        cast(latest_holdout_snapshot as date) as latest_holdout_snapshot
    from per_model
)

select * from final
