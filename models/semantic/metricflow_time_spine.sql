{#- The day calendar MetricFlow joins metrics to (dbt's time spine, declared in
    _semantic__models.yml): the KPI calendar, first fact to as_of_date. -#}
with

days as (
    select * from {{ ref('int_kpi_days') }}
),

final as (
    select cast(kpi_date as date) as date_day
    from days
)

select * from final
