{#- Purchase probability per buyer as of as_of_date from the chosen model (see model_evaluation and
    model_selection), with the horizon it predicts over. -#}
with

scores as (
    select * from {{ ref('int_classifier_scores') }}
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(purchase_probability as {{ type_double() }}) as purchase_probability,
        cast(purchase_decile as {{ dbt.type_int() }}) as purchase_decile,
        cast(purchase_model as {{ dbt.type_string() }}) as purchase_model,
        cast(purchase_model_version as {{ dbt.type_string() }}) as model_version,
        cast(purchase_horizon_days as {{ dbt.type_int() }}) as horizon_days,
        cast(snapshot_date as date) as scored_as_of
    from scores
)

select * from final
