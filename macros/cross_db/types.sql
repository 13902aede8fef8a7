{#- 8-byte floating point. dbt.type_float() is a 4-byte `float` on DuckDB and Spark, too coarse
    for probabilities and money ratios; `double` is the same 8-byte type on both. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'lifecycle')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}


{#- Money in the reporting currency: the type staging gives every amount. -#}
{% macro type_money() -%}
    decimal(18, 2)
{%- endmacro %}
