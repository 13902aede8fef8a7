{#- Numbers exact re-deliveries: 1 for the first copy of a row, 2+ for later identical copies.
    Use in the CTE that reads the source, so the comparison is on the text as delivered.
    `columns` lists the raw table's contract columns; when the dbt graph is available (normal
    runs, not unit tests) it is checked against the sources yml so the two cannot drift. -#}
{% macro copy_number(table_name, columns) -%}
    {%- if execute and graph.get('sources') -%}
        {%- set contract = [] -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.source_name == 'raw' and node.name == table_name -%}
                {%- do contract.extend(node.columns.keys() | list) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if contract | sort != columns | sort -%}
            {{ exceptions.raise_compiler_error(
                "copy_number('" ~ table_name ~ "'): columns " ~ (columns | sort)
                ~ " differ from the raw contract " ~ (contract | sort)) }}
        {%- endif -%}
    {%- endif -%}
    row_number() over (
        partition by {% for c in columns %}{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %}
        order by _raw_row_id
    )
{%- endmacro %}


{#- The raw rows of a large (incremental) table with their copy_number, for the CTE that reads
    raw: same numbers as copy_number() over every row, without sorting every wide row. Exact
    copies share every column, so only rows whose raw `key_columns` value occurs more than once
    (or has a null part) can be a later copy; only those are numbered, the rest are first copies.
    Under is_incremental() the rows are filtered as rows_of_keys_with_new_deliveries does; copies
    of one row share its cleaned key, so numbering them over all of raw gives the same numbers. -#}
{% macro copy_numbered_rows(table_name, columns, key_columns) -%}
    {%- set raw = source('raw', table_name) -%}
    select
        raw_rows.*,
        coalesce(later_copies.copy_number, 1) as copy_number
    from {{ raw }} as raw_rows
    left join (
        select
            candidates._raw_row_id,
            {{ copy_number(table_name, columns) }} as copy_number
        from {{ raw }} as candidates
        left join (
            select
                {%- for key in key_columns %}
                {{ adapter.quote(key) }} as _repeated_key_{{ loop.index }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ raw }}
            group by {% for key in key_columns %}{{ adapter.quote(key) }}{{ ', ' if not loop.last }}{% endfor %}
            having count(*) > 1
        ) as repeated_keys
            on {% for key in key_columns -%}
                candidates.{{ adapter.quote(key) }} = repeated_keys._repeated_key_{{ loop.index }}
                {{- ' and ' if not loop.last }}
            {%- endfor %}
        where repeated_keys._repeated_key_1 is not null
            {%- for key in key_columns %}
            or candidates.{{ adapter.quote(key) }} is null
            {%- endfor %}
    ) as later_copies
        on raw_rows._raw_row_id = later_copies._raw_row_id
    {{- rows_of_keys_with_new_deliveries(raw, 'raw_rows', key_columns) }}
{%- endmacro %}


{#- Final verdict of a staged row. `checked` must hold check_reason (null = passed the row
    checks) and copy_number. Among the passing first copies of one key, the newest version wins
    (version_order); older versions are quarantined as 'superseded', exact copies as 'duplicate',
    so every raw row is either staged or quarantined with a reason. -#}
{% macro quarantine_verdict(checked, key_columns, version_order) -%}
    select
        *,
        case
            when check_reason is not null then check_reason
            when copy_number > 1 then 'duplicate'
            when row_number() over (
                partition by {{ key_columns | join(', ') }}, check_reason is null and copy_number = 1
                order by {{ version_order }}
            ) > 1 then 'superseded'
        end as quarantine_reason
    from {{ checked }}
{%- endmacro %}


{#- The key of a raw row as one text value, for the quarantine table (composite keys joined by |). -#}
{% macro source_key(columns) -%}
    {%- if columns | length == 1 -%}
        {{ clean_text(columns[0]) }}
    {%- else -%}
        {%- set parts = [] -%}
        {%- for c in columns -%}
            {%- do parts.append("coalesce(" ~ clean_text(c) ~ ", '')") -%}
            {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
        {%- endfor -%}
        {{ dbt.concat(parts) }}
    {%- endif -%}
{%- endmacro %}
