{#- The same history at the end of every ISO week (Sunday), plus as_of_date. Off by default
    (var lifecycle_weekly_history): weeks multiply the rows by about 4.3. -#}
{{ config(enabled=var('lifecycle_weekly_history')) }}
{{ lifecycle_history_sql('week') }}
