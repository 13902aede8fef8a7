{#- dbt-duckdb has no safe_cast override, so dbt.safe_cast is a plain (failing) cast there.
    The project is first in the dispatch search order, so this one wins on DuckDB. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
