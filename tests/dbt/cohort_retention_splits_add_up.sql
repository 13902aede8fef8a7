-- Each split of cohort_retention, summed over its split values, gives cohort_retention back
-- (customers, retained, orders, revenue per cohort and offset). Returns the rows that do not.
{%- set measures = ['cohort_customers', 'customers_retained', 'orders', 'revenue'] %}
{%- set splits = ['cohort_retention_by_acquisition_source', 'cohort_retention_by_first_order_discount'] %}
with

totals as (
    select * from {{ ref('cohort_retention') }}
),

{% for split in splits %}
{{ split }} as (
    select
        '{{ split }}' as split_model,
        cohort_month,
        months_since_first_order,
        {% for measure in measures %}
        sum({{ measure }}) as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref(split) }}
    group by 1, 2, 3
),

{% endfor %}
split_sums as (
    {% for split in splits %}
    select * from {{ split }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select split_sums.split_model, totals.cohort_month, totals.months_since_first_order
from totals
cross join (select distinct split_model from split_sums) as models
left join split_sums
    on totals.cohort_month = split_sums.cohort_month
    and totals.months_since_first_order = split_sums.months_since_first_order
    and models.split_model = split_sums.split_model
where split_sums.cohort_month is null
    {% for measure in measures %}
    or totals.{{ measure }} != split_sums.{{ measure }}
    {% endfor %}
