{#- Published holdout quality of every model and baseline: a typed, contract-enforced copy of the
    Python model int_model_evaluation. -#}
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
        cast(value as {{ type_double() }}) as value,
        cast(holdout_snapshot as date) as holdout_snapshot,
        cast(holdout_customers as {{ dbt.type_bigint() }}) as holdout_customers
    from evaluation
)

select * from final
