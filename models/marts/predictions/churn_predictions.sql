{#- Churn probability per buyer as of as_of_date from the chosen model (see model_evaluation). -#}
with

scores as (
    select * from {{ ref('int_churn_model_scores') }}
    where role = 'score'
),

final as (
    select
        customer_key,
        cast(probability as {{ dbt.type_float() }}) as churn_probability,
        cast(decile as {{ dbt.type_int() }}) as churn_decile,
        model as churn_model,
        model_version,
        cast(snapshot_date as date) as scored_as_of
    from scores
)

select * from final
