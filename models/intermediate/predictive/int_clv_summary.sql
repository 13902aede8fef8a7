{#- The BG/NBD / Gamma-Gamma input per buyer, computed in SQL as of as_of_date (lifetimes'
    conventions, time unit var clv_time_unit):
      frequency       repeat purchase days (distinct purchase days - 1)
      recency         time from the first to the last purchase day
      T               time from the first purchase day to as_of_date
      monetary_value  mean spend per repeat purchase day (first day excluded); 0 with no repeat
    Deleted persons are left out. -#}
{%- set unit_days = 7 if var('clv_time_unit') == 'week' else 1 -%}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

purchase_days as (
    select
        orders.customer_key,
        cast(orders.ordered_at as date) as purchase_date,
        sum(orders.total_amount) as spend
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed
        and orders.ordered_at < as_of.as_of_at
        and {{ person_in_scope('orders.customer_key') }}
    group by 1, 2
),

numbered as (
    select
        *,
        min(purchase_date) over (partition by customer_key) as first_purchase_date
    from purchase_days
),

final as (
    select
        numbered.customer_key,
        count(*) - 1 as frequency,
        1.0 * {{ dbt.datediff('min(numbered.purchase_date)', 'max(numbered.purchase_date)', 'day') }}
            / {{ unit_days }} as recency,
        1.0 * {{ dbt.datediff('min(numbered.purchase_date)', 'max(as_of.as_of_date)', 'day') }}
            / {{ unit_days }} as {{ adapter.quote('T') }},
        coalesce(
            avg(case when numbered.purchase_date > numbered.first_purchase_date then numbered.spend end), 0
        ) as monetary_value,
        min(numbered.purchase_date) as first_purchase_date,
        max(numbered.purchase_date) as last_purchase_date
    from numbered
    cross join as_of
    group by 1
)

select * from final
