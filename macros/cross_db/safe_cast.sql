{#- dbt-duckdb has no safe_cast override, so dbt.safe_cast is a plain (failing) cast there.
    The project is first in the dispatch search order, so this one wins on DuckDB. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- dbt-spark's safe_cast is a plain cast too. dbt-spark turns ANSI mode off, so a bad value
    gives null there, but Spark 4 and Databricks SQL have ANSI on by default, where a plain cast
    of 'n/a' fails the whole model instead of quarantining the row. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
