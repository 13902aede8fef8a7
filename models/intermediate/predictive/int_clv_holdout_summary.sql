{#- The out-of-time check of the CLV models (which one gives P(alive)): the BG/NBD input per buyer
    at a calibration end clv_holdout_days before as_of_date, and what followed - the distinct
    purchase days in the clv_holdout_days up to as_of_date (holdout_purchases, the quantity the
    models predict). Conventions as int_clv_summary (time unit var clv_time_unit); buyers whose
    first purchase is after the calibration end are left out. -#}
{%- set unit_days = 7 if var('clv_time_unit') == 'week' else 1 -%}
{%- set holdout_days = var('clv_holdout_days') | int -%}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

bounds as (
    select
        cast({{ dbt.dateadd('day', -holdout_days, 'as_of_date') }} as date) as calibration_end_date,
        as_of_date
    from as_of
),

purchase_days as (
    select
        orders.customer_key,
        cast(orders.ordered_at as date) as purchase_date
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed
        and orders.ordered_at < as_of.as_of_at
        and {{ person_in_scope('orders.customer_key') }}
    group by orders.customer_key, cast(orders.ordered_at as date)
),

final as (
    select
        purchase_days.customer_key,
        sum(case when purchase_days.purchase_date <= bounds.calibration_end_date then 1 else 0 end) - 1 as frequency,
        1.0 * {{ dbt.datediff(
            'min(purchase_days.purchase_date)',
            'max(case when purchase_days.purchase_date <= bounds.calibration_end_date then purchase_days.purchase_date end)',
            'day') }} / {{ unit_days }} as recency,
        1.0 * {{ dbt.datediff('min(purchase_days.purchase_date)', 'max(bounds.calibration_end_date)', 'day') }}
            / {{ unit_days }} as {{ adapter.quote('T') }},
        sum(case when purchase_days.purchase_date > bounds.calibration_end_date then 1 else 0 end) as holdout_purchases,
        max(bounds.calibration_end_date) as calibration_end_date
    from purchase_days
    cross join bounds
    group by purchase_days.customer_key
    having min(purchase_days.purchase_date) <= max(bounds.calibration_end_date)
)

select * from final
