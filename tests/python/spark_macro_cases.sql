{#- Every cross-database macro at a boundary where engines differ. test_spark_parity.py runs
    this with `dbt show` on DuckDB and on Spark and checks both against the answers DuckDB gives
    (and the raw contract and the models expect). -#}
select
    {{ dbt.datediff("cast('2024-01-31' as date)", "cast('2024-02-29' as date)", 'month') }} as month_diff_at_month_end,
    {{ dbt.datediff("cast('2024-01-01 10:00:00' as timestamp)", "cast('2024-01-01 10:30:00' as timestamp)", 'hour') }}
        as hour_diff_within_hour,
    {{ dbt.datediff("cast('2024-01-01 10:00:59' as timestamp)", "cast('2024-01-01 10:01:00' as timestamp)", 'minute') }}
        as minute_diff_across_minute,
    {{ dbt.datediff("cast('2024-01-01 23:59:00' as timestamp)", "cast('2024-01-02 00:01:00' as timestamp)", 'day') }}
        as day_diff_across_midnight,
    {{ dbt.dateadd('year', '1 + 1', "cast('2024-02-29' as date)") }} as two_years_after_leap_day,
    {{ dbt.dateadd('day', 1, "cast('2024-01-01 10:00:00.123456' as timestamp)") }} as day_after_keeps_microseconds,
    {{ dbt.safe_cast("'n/a'", dbt.type_bigint()) }} as bad_integer,
    {{ dbt.safe_cast("'12.5'", 'decimal(28, 6)') }} as good_decimal,
    {{ regexp_replace_all("'O.Brien-Smith, 2'", '[[:punct:][:space:][:digit:]]', '') }} as posix_classes_removed,
    {{ regexp_replace_all("'a   b c'", '\\s+', '_') }} as backslash_class,
    {{ regexp_matches("'0-0-0'", '[0-]*') }} as placeholder_matches,
    {{ regexp_matches("'x0-0'", '[0-]*') }} as placeholder_is_anchored,
    {{ sha256("'abc'") }} as sha256_abc,
    {{ hashed_identifier('meta', 'city', "'São Paulo 12'") }} as meta_city_hash,
    {{ hashed_identifier('google', 'last_name', "'O.Brien-Smith'") }} as google_last_name_hash,
    {{ hashed_identifier('google', 'first_name', "'  Ana   Maria '") }} as google_first_name_hash,
    {{ to_local_time("cast('2024-07-01 12:00:00' as timestamp)", "'Europe/Bucharest'") }} as bucharest_at_noon_utc,
    {{ json_text("'{\"a\": \"x\", \"b\": 2}'", 'b') }} as json_number_as_text,
    {{ parse_timestamp("'2026-03-01T12:00:00+02:00'") }} as offset_to_utc,
    {{ parse_timestamp("'2026-03-01 12:00:00'") }} as no_offset_is_utc,
    {{ parse_timestamp("'-infinity'") }} < cast('0002-01-01' as timestamp) as minus_infinity_is_earliest,
    {{ parse_timestamp("'infinity'") }} > cast('9999-01-01' as timestamp) as infinity_is_latest,
    (
        select {{ dbt.listagg('v', "','", 'order by r') }}
        from (select 'a' as v, 2 as r union all select 'b', 1 union all select 'c', 3) as t
    ) as ordered_listagg,
    {{ round_double('cast(cast(1635 as decimal(28, 6)) * cast(0.095 as decimal(18, 8)) as double)', 2) }}
        as sek_1635_in_usd,
    (
        select {{ average('x') }}
        from (select cast(0.1 as decimal(18, 2)) as x union all select 0.2 union all select 0.4) as t
    ) as average_of_decimals
