{#- Purchase probability per buyer as of as_of_date from the chosen model (see model_evaluation). -#}
with

scores as (
    select * from {{ ref('int_purchase_model_scores') }}
    where role = 'score'
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(probability as {{ type_double() }}) as purchase_probability,
        cast(decile as {{ dbt.type_int() }}) as purchase_decile,
        cast(model as {{ dbt.type_string() }}) as purchase_model,
        cast(model_version as {{ dbt.type_string() }}) as model_version,
        cast(snapshot_date as date) as scored_as_of
    from scores
)

select * from final
