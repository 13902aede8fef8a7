{#- What happened to the delivered rows of each source table: staged, or quarantined for a
    reason. Counts only, no identifiers, so it can be published beside the marts (the serving
    copy holds no staging). Read from the base_raw__ tables, where every raw row has its verdict,
    so a table's outcomes add up to its raw rows. -#}
{%- set tables = [
    'orders', 'order_items', 'products', 'customers', 'events', 'message_events',
    'campaigns', 'consents', 'deletion_requests', 'survey_responses', 'referrals',
    'loyalty_transactions',
] -%}

with

{% for table in tables %}
{{ table }}_outcomes as (
    select
        '{{ table }}' as source_table,
        coalesce(quarantine_reason, 'staged') as row_outcome,
        count(*) as row_count
    from {{ ref('base_raw__' ~ table) }}
    group by 1, 2
),

{% endfor %}
outcomes as (
    {% for table in tables %}
    select * from {{ table }}_outcomes
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        -- ids
        cast(source_table as {{ dbt.type_string() }}) as source_table,
        cast(row_outcome as {{ dbt.type_string() }}) as row_outcome,

        -- numerics
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(sum(row_count) over (partition by source_table) as {{ dbt.type_bigint() }}) as source_rows,
        -- double: the same 8-byte type on DuckDB and Spark (dbt.type_float() is 4 bytes)
        cast(100.0 * row_count / sum(row_count) over (partition by source_table) as double)
            as percent_of_source_rows,

        -- booleans
        row_outcome <> 'staged' as is_quarantined
    from outcomes
)

select * from final
