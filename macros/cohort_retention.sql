{#- Acquisition cohorts (month of the first completed order) x months since, optionally split by
    one cohort attribute of int_cohort_orders (acquisition_source, is_first_order_discounted):
    customers retained (ordered in that month), orders, revenue, and cumulative revenue, also per
    cohort customer. Offset 0 is the first-order month, so retention there is 100%. Every offset
    up to as_of_date is a row (0 when nobody ordered). Orders and revenue include persons with a
    deletion request, so they add up to kpi_monthly; customer counts leave them out. -#}
{% macro cohort_retention(split_column=none) %}
{%- set keys = ['cohort_month'] + ([split_column] if split_column else []) -%}
{%- set max_months = (var('kpi_max_days') // 28) + 1 -%}

with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

cohort_orders as (
    select * from {{ ref('int_cohort_orders') }}
),

cohorts as (
    select
        {% for key in keys %}{{ key }},{% endfor %}
        count(distinct case when is_countable_person then customer_key end) as cohort_customers
    from cohort_orders
    group by {% for key in keys %}{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
),

activity as (
    select
        {% for key in keys %}{{ key }},{% endfor %}
        months_since_first_order,
        count(distinct case when is_countable_person then customer_key end) as customers_retained,
        count(*) as orders,
        sum(total_amount) as revenue
    from cohort_orders
    group by {% for key in keys %}{{ key }}, {% endfor %}months_since_first_order
),

offsets as (
    select
        cohorts.*,
        cast(spine.generated_number - 1 as {{ dbt.type_int() }}) as months_since_first_order
    from cohorts
    cross join ({{ dbt.generate_series(max_months) }}) as spine
    cross join as_of
    where spine.generated_number - 1 <= {{ dbt.datediff('cohorts.cohort_month', 'as_of.as_of_date', 'month') }}
),

filled as (
    select
        offsets.*,
        coalesce(activity.customers_retained, 0) as customers_retained,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.revenue, 0) as revenue
    from offsets
    left join activity
        on offsets.months_since_first_order = activity.months_since_first_order
        {% for key in keys %}
        and offsets.{{ key }} = activity.{{ key }}
        {% endfor %}
),

cumulated as (
    select
        filled.*,
        sum(revenue) over (
            partition by {% for key in keys %}{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
            order by months_since_first_order
            rows between unbounded preceding and current row
        ) as cumulative_revenue
    from filled
),

final as (
    select
        {% for key in keys %}{{ key }},{% endfor %}
        months_since_first_order,
        cast({{ dbt.dateadd('month', 'months_since_first_order', 'cohort_month') }} as date) as activity_month,
        cast(cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
        cast(customers_retained as {{ dbt.type_bigint() }}) as customers_retained,
        {{ kpi_ratio('customers_retained', 'cohort_customers', 100) }} as retention_rate,
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(revenue as {{ type_money() }}) as revenue,
        cast(cumulative_revenue as {{ type_money() }}) as cumulative_revenue,
        {{ kpi_ratio('cumulative_revenue', 'cohort_customers') }} as cumulative_revenue_per_customer
    from cumulated
)

select * from final
{% endmacro %}
