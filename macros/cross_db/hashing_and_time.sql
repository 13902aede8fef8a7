{#- SHA-256 hex of a text (null stays null: never the hash of an empty string). -#}
{% macro sha256(expression) -%}
    {{ return(adapter.dispatch('sha256', 'lifecycle')(expression)) }}
{%- endmacro %}

{% macro default__sha256(expression) -%}
    case when nullif({{ expression }}, '') is not null then lower(to_hex(sha256(cast({{ expression }} as varbinary)))) end
{%- endmacro %}

{% macro duckdb__sha256(expression) -%}
    case when nullif({{ expression }}, '') is not null then sha256({{ expression }}) end
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    case when nullif({{ expression }}, '') is not null then sha2({{ expression }}, 256) end
{%- endmacro %}


{#- UTC timestamp -> wall-clock time in an IANA zone (staging nulls unknown zones; null = UTC). -#}
{% macro to_local_time(utc_timestamp, timezone) -%}
    {{ return(adapter.dispatch('to_local_time', 'lifecycle')(utc_timestamp, timezone)) }}
{%- endmacro %}

{% macro default__to_local_time(utc_timestamp, timezone) -%}
    {{ utc_timestamp }}
{%- endmacro %}

{% macro duckdb__to_local_time(utc_timestamp, timezone) -%}
    cast(timezone(coalesce({{ timezone }}, 'UTC'), cast({{ utc_timestamp }} as timestamptz)) as timestamp)
{%- endmacro %}

{% macro spark__to_local_time(utc_timestamp, timezone) -%}
    from_utc_timestamp({{ utc_timestamp }}, coalesce({{ timezone }}, 'UTC'))
{%- endmacro %}


{#- True when the engine knows the IANA zone (so local-time conversion cannot fail later). -#}
{% macro is_known_timezone(timezone) -%}
    {{ return(adapter.dispatch('is_known_timezone', 'lifecycle')(timezone)) }}
{%- endmacro %}

{% macro default__is_known_timezone(timezone) -%}
    ({{ timezone }} like '%/%' or {{ timezone }} = 'UTC')
{%- endmacro %}

{% macro duckdb__is_known_timezone(timezone) -%}
    ({{ timezone }} in (select name from pg_timezone_names()))
{%- endmacro %}
