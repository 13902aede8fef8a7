{#- A model's row checks in one query, one dbt node instead of one per check (dbt's per-node
    overhead is most of a test's cost: DECISIONLOG "A model's row checks in one test"):
      not_null: [column, ...]                  the column is never null
      accepted_values: {column: values, ...}   a non-null value is one of values (a list, or the
                                               Jinja call of an enumeration macro)
      unique: [column or [columns], ...]       a key: no two rows share a value (nulls aside for a
                                               single column, as dbt's `unique`)
      expressions: [expression or {expression, where_clause}, ...]  true on every (matching) row
    The null and value checks share one scan. Fails with one row per broken check, naming it and
    counting the rows (for a key: the repeated key values). -#}
{% test row_checks(model, not_null=[], accepted_values={}, unique=[], expressions=[]) %}

{%- set column_checks = [] %}
{%- for column in not_null %}
{%- do column_checks.append((column ~ ' is not null', column ~ ' is null')) %}
{%- endfor %}
{%- for column, values in accepted_values.items() %}
{%- set listed = sql_values(values) %}
{%- do column_checks.append((column ~ ' in ' ~ listed, column ~ ' not in ' ~ listed)) %}
{%- endfor %}
{%- set parts = [] %}

{%- if column_checks %}
{%- set scan %}
select
    {%- for check in column_checks %}
    sum(case when {{ check[1] }} then 1 else 0 end) as check_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ model }}
{%- endset %}
{%- for check in column_checks %}
{%- do parts.append(
    "select '" ~ (check[0] | replace("'", "''")) ~ "' as failed_check, check_" ~ loop.index
    ~ " as failing_rows from column_checks where check_" ~ loop.index ~ " > 0"
) %}
{%- endfor %}
{%- endif %}

{%- for key in unique %}
{%- set columns = [key] if key is string else key %}
{%- set listed = columns | join(', ') %}
{%- do parts.append(
    "select 'unique(" ~ listed ~ ")' as failed_check, count(*) as failing_rows from (select "
    ~ listed ~ " from " ~ model ~ (" where " ~ key ~ " is not null" if key is string else "")
    ~ " group by " ~ listed ~ " having count(*) > 1) as repeated_keys having count(*) > 0"
) %}
{%- endfor %}

{%- for check in expressions %}
{%- set expression = check if check is string else check['expression'] %}
{%- set where_clause = none if check is string else check.get('where_clause') %}
{%- do parts.append(
    "select '" ~ (expression | replace("'", "''")) ~ "' as failed_check, count(*) as failing_rows from "
    ~ model ~ " where not (" ~ expression ~ ")" ~ (" and (" ~ where_clause ~ ")" if where_clause else "")
    ~ " having count(*) > 0"
) %}
{%- endfor %}

{%- if column_checks %}
with column_checks as ({{ scan }}
)
{% endif %}
{{ parts | join('\nunion all\n') }}

{% endtest %}
