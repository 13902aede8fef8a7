{{ config(materialized="table") }}

{#- Every raw row that was not staged, with the source table, its key and the reason.
    raw rows = staged rows + quarantined rows holds per source (test raw_rows_reconcile). -#}
{%- set tables = raw_tables() -%}

with

{% for table in tables %}
{{ table }} as (
    select
        '{{ table }}' as source_table,
        source_key,
        _raw_row_id,
        _source_file,
        quarantine_reason,
        _loaded_at,
        _ingest_id
    from {{ ref('base_raw__' ~ table) }}
    where quarantine_reason is not null
),

{% endfor %}
final as (
    {% for table in tables %}
    select * from {{ table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
