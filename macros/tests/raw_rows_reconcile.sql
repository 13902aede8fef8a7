{#- raw rows = staged rows + quarantined rows for one source table: nothing is silently lost.
    Applied to a stg_raw__ model; fails with one row holding the three counts. -#}
{% test raw_rows_reconcile(model, source_table) %}

with

counts as (
    select
        (select count(*) from {{ source('raw', source_table) }}) as raw_rows,
        (select count(*) from {{ model }}) as staged_rows,
        (
            select count(*) from {{ ref('quarantined_rows') }}
            where source_table = '{{ source_table }}'
        ) as quarantined_rows
)

select * from counts
where raw_rows != staged_rows + quarantined_rows

{% endtest %}
