-- On as_of_date the KPI stocks describe the same people as customer_profiles: buyers, active and
-- loyal customers, the historic CLV total and the predicted CLV total. Returns the row with both
-- sides when any differs.
with

kpis as (
    select daily.*
    from {{ ref('kpi_daily') }} as daily
    inner join {{ ref('int_as_of_date') }} as as_of on daily.kpi_date = as_of.as_of_date
),

profiles as (
    select
        sum(case when orders > 0 then 1 else 0 end) as customers,
        sum(case when lifecycle_stage in ('new_customer', 'active', 'loyal', 'reactivated') then 1 else 0 end)
            as active_customers,
        sum(case when lifecycle_stage = 'loyal' then 1 else 0 end) as loyal_customers,
        sum(case when orders > 0 then historic_clv else 0 end) as historic_clv_total
    from {{ ref('customer_profiles') }}
),

predictions as (
    select sum(cast(predicted_clv as {{ type_money() }})) as predicted_clv_total from {{ ref('clv_predictions') }}
)

select
    kpis.customers as kpi_customers,
    profiles.customers as profile_customers,
    kpis.active_customers as kpi_active_customers,
    profiles.active_customers as profile_active_customers,
    kpis.loyal_customers as kpi_loyal_customers,
    profiles.loyal_customers as profile_loyal_customers,
    kpis.historic_clv_total as kpi_historic_clv_total,
    profiles.historic_clv_total as profile_historic_clv_total,
    kpis.predicted_clv_total as kpi_predicted_clv_total,
    predictions.predicted_clv_total
from kpis
cross join profiles
cross join predictions
where kpis.customers != profiles.customers
    or kpis.active_customers != profiles.active_customers
    or kpis.loyal_customers != profiles.loyal_customers
    or abs(kpis.historic_clv_total - profiles.historic_clv_total) >= 0.005
    or abs(coalesce(kpis.predicted_clv_total, 0) - coalesce(predictions.predicted_clv_total, 0)) >= 0.005
    or (select count(*) from kpis) != 1
