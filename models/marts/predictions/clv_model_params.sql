{#- The published BG/NBD, MBG/NBD and Gamma-Gamma fit: a typed, contract-enforced copy of the
    Python model int_clv_model_params (dbt cannot enforce a contract on a Python model). -#}
with

params as (
    select * from {{ ref('int_clv_model_params') }}
),

final as (
    select
        cast(model as {{ dbt.type_string() }}) as model,
        cast(parameter as {{ dbt.type_string() }}) as parameter,
        cast(value as {{ type_double() }}) as value,
        cast(time_unit as {{ dbt.type_string() }}) as time_unit,
        cast(n_customers as {{ dbt.type_bigint() }}) as n_customers,
        cast(log_likelihood as {{ type_double() }}) as log_likelihood,
        cast(penalizer_coef as {{ type_double() }}) as penalizer_coef,
        cast(converged as {{ dbt.type_boolean() }}) as converged,
        cast(fit_message as {{ dbt.type_string() }}) as fit_message,
        cast(is_alive_model as {{ dbt.type_boolean() }}) as is_alive_model,
        cast(selection_reason as {{ dbt.type_string() }}) as selection_reason,
        cast(calibration_log_likelihood as {{ type_double() }}) as calibration_log_likelihood,
        cast(holdout_expected_purchases as {{ type_double() }}) as holdout_expected_purchases,
        cast(holdout_observed_purchases as {{ type_double() }}) as holdout_observed_purchases,
        cast(holdout_mean_absolute_error as {{ type_double() }}) as holdout_mean_absolute_error,
        cast(holdout_days as {{ dbt.type_int() }}) as holdout_days,
        cast(clv_horizon_days as {{ dbt.type_int() }}) as clv_horizon_days
    from params
)

select * from final
