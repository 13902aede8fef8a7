{#- Rows where the expression is false fail the test (dbt_utils' test, written here because the
    package hub is not reachable). Optional `where` narrows the rows checked. -#}
{% test expression_is_true(model, expression, where_clause=none) %}

select *
from {{ model }}
where not ({{ expression }})
{% if where_clause %}and ({{ where_clause }}){% endif %}

{% endtest %}


{#- The combination of columns is unique (a composite primary key). -#}
{% test unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
