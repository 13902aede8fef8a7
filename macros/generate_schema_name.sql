{#- Custom schemas are used as-is (staging, marts, ...) instead of dbt's <target>_<custom>,
    so BI tools and reverse-ETL syncs see the same schema names in every environment. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
