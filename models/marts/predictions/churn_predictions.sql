{#- Churn probability per buyer as of as_of_date from the chosen model (see model_evaluation and
    model_selection), with the horizon it predicts over. -#}
with

scores as (
    select * from {{ ref('int_classifier_scores') }}
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(churn_probability as {{ type_double() }}) as churn_probability,
        cast(churn_decile as {{ dbt.type_int() }}) as churn_decile,
        cast(churn_model as {{ dbt.type_string() }}) as churn_model,
        cast(churn_model_version as {{ dbt.type_string() }}) as model_version,
        cast(churn_horizon_days as {{ dbt.type_int() }}) as horizon_days,
        cast(snapshot_date as date) as scored_as_of
    from scores
)

select * from final
