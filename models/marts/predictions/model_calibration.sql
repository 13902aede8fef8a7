{#- Published calibration of each task's chosen model on the latest backtest fold: a typed,
    contract-enforced copy of the Python model int_model_calibration. -#}
with

calibration as (
    select * from {{ ref('int_model_calibration') }}
),

final as (
    select
        cast(task as {{ dbt.type_string() }}) as task,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(holdout_snapshot as date) as holdout_snapshot,
        cast(decile as {{ dbt.type_int() }}) as decile,
        cast(customers as {{ dbt.type_bigint() }}) as customers,
        cast(mean_predicted as {{ type_double() }}) as mean_predicted,
        cast(observed_rate as {{ type_double() }}) as observed_rate
    from calibration
)

select * from final
