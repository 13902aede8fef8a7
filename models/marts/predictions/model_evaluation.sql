{#- Published backtest quality of every model and baseline, per fold: a typed, contract-enforced
    copy of the Python model int_model_evaluation. -#}
with

evaluation as (
    select * from {{ ref('int_model_evaluation') }}
),

final as (
    select
        cast(task as {{ dbt.type_string() }}) as task,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(model_role as {{ dbt.type_string() }}) as model_role,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(holdout_snapshot as date) as holdout_snapshot,
        cast(value as {{ type_double() }}) as value,
        cast(holdout_customers as {{ dbt.type_bigint() }}) as holdout_customers,
        cast(fold_number as {{ dbt.type_int() }}) as fold_number,
        cast(is_latest_fold as {{ dbt.type_boolean() }}) as is_latest_fold,
        cast(training_snapshots as {{ dbt.type_int() }}) as training_snapshots,
        cast(horizon_days as {{ dbt.type_int() }}) as horizon_days
    from evaluation
)

select * from final
