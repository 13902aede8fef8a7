{#- The area under each thinned ROC curve (trapezoids between consecutive kept points) is within
    2 / roc_curve_resolution of the roc_auc model_evaluation computed with scikit-learn on the
    latest backtest fold (the one the curves show). A curve
    drawn from wrong counts, a wrong sort direction or a lost point fails this. -#}
with

points as (
    select
        task,
        model,
        false_positive_rate,
        true_positive_rate,
        lag(false_positive_rate) over (partition by task, model order by point_number) as previous_fpr,
        lag(true_positive_rate) over (partition by task, model order by point_number) as previous_tpr
    from {{ ref('model_roc_curve') }}
),

areas as (
    select
        task,
        model,
        sum((false_positive_rate - previous_fpr) * (true_positive_rate + previous_tpr) / 2) as curve_area
    from points
    where previous_fpr is not null
    group by task, model
),

evaluation as (
    select task, model, value as roc_auc
    from {{ ref('model_evaluation') }}
    where metric = 'roc_auc' and value is not null and is_latest_fold
),

final as (
    select
        evaluation.task,
        evaluation.model,
        evaluation.roc_auc,
        areas.curve_area
    from evaluation
    left join areas
        on evaluation.task = areas.task and evaluation.model = areas.model
    where areas.curve_area is null
        or abs(areas.curve_area - evaluation.roc_auc) > 2.0 / {{ var('roc_curve_resolution') }}
)

select * from final
