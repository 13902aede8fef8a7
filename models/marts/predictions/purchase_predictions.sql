{#- Purchase probability per buyer as of as_of_date from the chosen model (see model_evaluation). -#}
with

scores as (
    select * from {{ ref('int_purchase_model_scores') }}
    where role = 'score'
),

final as (
    select
        customer_key,
        cast(probability as {{ dbt.type_float() }}) as purchase_probability,
        cast(decile as {{ dbt.type_int() }}) as purchase_decile,
        model as purchase_model,
        model_version,
        cast(snapshot_date as date) as scored_as_of
    from scores
)

select * from final
