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


{#- The key is unique among the rows of the newest delivery and every other row with one of
    their keys: on an accumulating table (events, staged once per delivery) each build checks
    what its delivery added against everything before, in a pass over the key column, instead
    of grouping every key ever delivered (a million customers: 42M event ids, more memory than
    the build). A build of a single delivery (a full load) checks every row. -#}
{% test unique_in_newest_delivery(model, column_name) %}

with

newest_keys as (
    select distinct {{ column_name }}
    from {{ model }}
    where _loaded_at = (select max(_loaded_at) from {{ model }})
)

select {{ column_name }}, count(*) as n_rows
from {{ model }}
where {{ column_name }} in (select {{ column_name }} from newest_keys)
group by {{ column_name }}
having count(*) > 1

{% endtest %}


{#- Several row checks of one model in one query (one dbt node instead of one per check): each
    entry of `expressions` is an expression, or {expression, where_clause}. Fails with one row per
    check that some rows break, naming it and counting the rows. -#}
{% test expressions_are_true(model, expressions) %}

{%- for check in expressions %}
{%- set expression = check if check is string else check['expression'] %}
{%- set where_clause = none if check is string else check.get('where_clause') %}
select
    '{{ expression | replace("'", "''") }}' as failed_check,
    count(*) as failing_rows
from {{ model }}
where not ({{ expression }})
{%- if where_clause %}
    and ({{ where_clause }})
{%- endif %}
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}

{% endtest %}
