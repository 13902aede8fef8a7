{{ config(materialized="table") }}

{#- Every value of an optional field that failed its check and was nulled in a staged row: the
    source table, the row (key and _raw_row_id), the column and the reason. The row itself is
    staged with its other values (macros/staging/optional_fields.sql); rows quarantined for
    another reason are in quarantined_rows instead, and not repeated here. Beside
    quarantined_rows, so a user can see which row lost which value and why;
    data_quality_summary counts them. -#}
{%- set tables = raw_tables() -%}
{%- set selects = [] -%}
{%- for table in tables -%}
    {%- for column in optional_checked_columns(table) -%}
        {%- do selects.append((table, column)) -%}
    {%- endfor -%}
{%- endfor %}

with

{% for table, column in selects %}
{{ table }}__{{ column }} as (
    select
        '{{ table }}' as source_table,
        source_key,
        _raw_row_id,
        '{{ column }}' as column_name,
        _nulled_{{ column }} as reason,
        _source_file,
        _loaded_at,
        _ingest_id
    from {{ ref('base_raw__' ~ table) }}
    where quarantine_reason is null
        and _nulled_{{ column }} is not null
),

{% endfor %}
final as (
    {% for table, column in selects %}
    select * from {{ table }}__{{ column }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
