{#- The chosen model's rows of model_calibration_curve (SQL) equal model_calibration (Python,
    lifecycle.modelling.evaluation.calibration_table): same deciles, counts and rates. -#}
with

curve as (
    select * from {{ ref('model_calibration_curve') }}
    where model_role = 'chosen'
),

published as (
    select * from {{ ref('model_calibration') }}
),

final as (
    select
        coalesce(curve.task, published.task) as task,
        coalesce(curve.decile, published.decile) as decile,
        curve.customers as curve_customers,
        published.customers as published_customers
    from curve
    full outer join published
        on curve.task = published.task and curve.decile = published.decile
    where curve.task is null
        or published.task is null
        or curve.model <> published.model
        or curve.customers <> published.customers
        or abs(curve.mean_predicted - published.mean_predicted) > 1e-9
        or abs(curve.observed_rate - published.observed_rate) > 1e-9
)

select * from final
