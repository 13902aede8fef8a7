{#- Text -> UTC timestamp without zone, or null when unparseable.
    Strings with an offset ('2026-03-01T12:00:00+02:00') are converted to UTC; strings without
    one are read as UTC (the profile pins the session time zone to UTC). A plain
    try_cast(... as timestamp) on DuckDB silently ignores the offset, hence timestamptz. -#}
{% macro parse_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'lifecycle')(column)) }}
{%- endmacro %}

{% macro default__parse_timestamp(column) -%}
    {{ dbt.safe_cast(column, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(column) -%}
    cast(try_cast({{ column }} as timestamptz) as timestamp)
{%- endmacro %}

{#- Spark reads no infinite timestamps: '-infinity' and 'infinity' (which DuckDB parses, and
    the checks then call implausible and future) become the earliest and latest timestamps. -#}
{% macro spark__parse_timestamp(column) -%}
    case lower(trim({{ column }}))
        when '-infinity' then cast('0001-01-01 00:00:00' as timestamp)
        when 'infinity' then cast('9999-12-31 23:59:59' as timestamp)
        else try_cast({{ column }} as timestamp)
    end
{%- endmacro %}
