{#- dbt-spark's dateadd goes through unix seconds (dropping fractions of a second) and writes
    `interval * 12` without parentheses, so dateadd('year', a + b, x) added a + 12 * b months
    (next_loyalty_anniversary was years off on Spark). Spark 3.3+ timestampadd does neither. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, cast(({{ interval }}) as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}


{#- Differences as DuckDB counts them: the number of boundaries crossed. dbt-spark's month uses
    months_between, whose month-end rule makes 2024-01-31 -> 2024-02-29 two months (DuckDB: one),
    and its hour and minute round the elapsed time up (10:00 -> 10:30 is one hour; DuckDB: zero).
    Day and year already agree; week and sub-second parts are left to dbt-spark. Always a bigint,
    as DuckDB's date_diff is (Spark's datediff is an int), so a contract holds on both. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set seconds = {'hour': 3600, 'minute': 60, 'second': 1} -%}
    cast(
    {%- if datepart == 'month' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 12
            + month({{ second_date }}) - month({{ first_date }}))
    {%- elif datepart == 'quarter' -%}
        ((year({{ second_date }}) - year({{ first_date }})) * 4
            + quarter({{ second_date }}) - quarter({{ first_date }}))
    {%- elif datepart in seconds -%}
        (floor(unix_seconds(cast({{ second_date }} as timestamp)) / {{ seconds[datepart] }})
            - floor(unix_seconds(cast({{ first_date }} as timestamp)) / {{ seconds[datepart] }}))
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif %} as bigint)
{%- endmacro %}
