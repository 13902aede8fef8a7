{#- What happened to the delivered rows of each source table: staged, staged with optional
    values nulled (staging.nulled_values: which columns and why, counted in nulled_values), or
    quarantined for a reason. Counts only, no identifiers, so it can be published beside the
    marts (the serving copy holds no staging). Read from the base_raw__ tables, where every raw
    row has its verdict, so a table's outcomes add up to its raw rows. -#}
{%- set tables = raw_tables() -%}

with

nulled_values as (
    select * from {{ ref('nulled_values') }}
),

nulled_rows as (
    select distinct source_table, _raw_row_id from nulled_values
),

{% for table in tables %}
{{ table }}_outcomes as (
    select
        '{{ table }}' as source_table,
        case
            when base.quarantine_reason is not null then base.quarantine_reason
            when nulled_rows._raw_row_id is not null then 'staged_with_nulled_values'
            else 'staged'
        end as row_outcome,
        count(*) as row_count
    from {{ ref('base_raw__' ~ table) }} as base
    left join nulled_rows
        on nulled_rows.source_table = '{{ table }}' and base._raw_row_id = nulled_rows._raw_row_id
    group by 1, 2
),

{% endfor %}
outcomes as (
    {% for table in tables %}
    select * from {{ table }}_outcomes
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

nulled_counts as (
    select source_table, column_name, reason, count(*) as value_count
    from nulled_values
    group by 1, 2, 3
),

nulled_descriptions as (
    -- 'email (malformed_email): 12; created_at (future_timestamp): 1', per table
    select
        source_table,
        {{ dbt.listagg(
            dbt.concat(['column_name', "' ('", 'reason', "'): '", 'cast(value_count as ' ~ dbt.type_string() ~ ')']),
            "'; '",
            'order by column_name, reason') }} as nulled_values
    from nulled_counts
    group by 1
),

final as (
    select
        -- ids
        cast(outcomes.source_table as {{ dbt.type_string() }}) as source_table,
        cast(outcomes.row_outcome as {{ dbt.type_string() }}) as row_outcome,

        -- strings
        cast(
            case when outcomes.row_outcome = 'staged_with_nulled_values' then nulled_descriptions.nulled_values end
            as {{ dbt.type_string() }}
        ) as nulled_values,

        -- numerics
        cast(outcomes.row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(sum(outcomes.row_count) over (partition by outcomes.source_table) as {{ dbt.type_bigint() }})
            as source_rows,
        -- double: the same 8-byte type on DuckDB and Spark (dbt.type_float() is 4 bytes)
        cast(100.0 * outcomes.row_count / sum(outcomes.row_count) over (partition by outcomes.source_table) as double)
            as percent_of_source_rows,

        -- booleans
        outcomes.row_outcome not in ('staged', 'staged_with_nulled_values') as is_quarantined
    from outcomes
    left join nulled_descriptions on outcomes.source_table = nulled_descriptions.source_table
)

select * from final
