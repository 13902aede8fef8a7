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


{#- The raw rows of a large (incremental) table, with what the verdict needs beyond the row
    checks: `copy_number` (as copy_number() numbers it) and `is_later_version` (a passing first
    copy that is not the first in `version_order` among the passing first copies of its cleaned
    key: quarantined as superseded). Both are computed only for the rows whose cleaned key occurs
    more than once (or is null): every other row is a first copy and the only version of its key.
    So the windows sort a few rows instead of every wide row (at a million customers the window
    over all 42M events was the slowest step of the build).
    `check_reason` and `version_order` are SQL over the raw columns with the alias `source`, the
    same text the model's `checked` CTE uses, so a repeated key's verdict equals a full sort's;
    so is `key_expressions` when the verdict's key is not simply the cleaned key columns (a
    lower-cased status, a parsed time: the values the model's verdict partitions by).
    Under is_incremental() the rows are filtered as rows_of_keys_with_new_deliveries does; the
    copies and versions of one key share its cleaned key, so numbering them within the touched
    keys gives the same numbers as over all of raw. Rows without a key are numbered among all of
    them (a new one may copy an old one). The wide columns are read only for those rows: the
    touched rows are matched by `_raw_row_id` (new_delivery_row_ids), and a new delivery's ids
    are the newest, so the scan skips the row groups of older deliveries (1M, a day's delivery:
    base_raw__events 21 s -> 10 s alone, DECISIONLOG "A day's delivery reads its own rows"). -#}
{% macro copy_numbered_rows(table_name, columns, key_columns, check_reason, version_order, key_expressions=none) -%}
    {%- set raw = source('raw', table_name) -%}
    {%- set cleaned_keys = key_expressions or key_expression_list(key_columns) -%}
    select
        source.*,
        coalesce(repeated_rows.copy_number, 1) as copy_number,
        coalesce(repeated_rows.is_later_version, false) as is_later_version
    from {{ raw }} as source
    left join (
        select
            _raw_row_id,
            copy_number,
            copy_number = 1 and check_reason is null and row_number() over (
                partition by {% for i in range(cleaned_keys | length) %}_key_{{ i }}, {% endfor -%}
                    copy_number = 1 and check_reason is null
                order by {{ version_order }}
            ) > 1 as is_later_version
        from (
            select
                source.*,
                {%- for key in cleaned_keys %}
                {{ key }} as _key_{{ loop.index0 }},
                {%- endfor %}
                {{ copy_number(table_name, columns) }} as copy_number,
                {{ check_reason }} as check_reason
            from (
                {%- if is_incremental() %}
                select source.*
                from {{ raw }} as source
                inner join ({{ new_delivery_row_ids(raw, key_columns, cleaned_keys) }}) as touched
                    on source._raw_row_id = touched._touched_row_id
                union all
                -- rows without a key that this run does not re-read (a new one may copy them)
                select source.*
                from {{ raw }} as source
                where ({% for key in cleaned_keys %}{{ key }} is null{{ ' or ' if not loop.last }}{% endfor %})
                    and not coalesce({{ is_unprocessed_delivery('source._loaded_at', 'source._ingest_id') }}, false)
                {%- else %}
                select * from {{ raw }}
                {%- endif %}
            ) as source
            left join (
                select
                    {%- for key in cleaned_keys %}
                    {{ key }} as _repeated_key_{{ loop.index0 }}{{ ',' if not loop.last }}
                    {%- endfor %}
                from {{ raw }} as source
                {{- rows_of_keys_with_new_deliveries(raw, key_columns, cleaned_keys) }}
                group by {{ cleaned_keys | join(', ') }}
                having count(*) > 1
            ) as repeated_keys
                on {% for key in cleaned_keys -%}
                    {{ key }} = repeated_keys._repeated_key_{{ loop.index0 }}
                    {{- ' and ' if not loop.last }}
                {%- endfor %}
            where repeated_keys._repeated_key_0 is not null
                {%- for key in cleaned_keys %}
                or {{ key }} is null
                {%- endfor %}
        ) as source
    ) as repeated_rows
        on source._raw_row_id = repeated_rows._raw_row_id
    {%- if is_incremental() %}
    where source._raw_row_id in ({{ new_delivery_row_ids(raw, key_columns, cleaned_keys) }})
    {%- endif %}
{%- endmacro %}


{#- Final verdict of a row of copy_numbered_rows(): the row checks' reason, else duplicate for a
    later exact copy, else superseded for an older version. `source_key` (the key as delivered)
    is kept only for the rows quarantined_rows or nulled_values list (quarantined, or staged with
    a nulled optional value, as `table_name`'s optional_field_checks name them): a staged row's
    key is its key column, and a second copy of every event id was the widest column the events
    table wrote. `source_key_columns` (default the key columns) are the checked columns the key
    as delivered is made of. -#}
{% macro numbered_rows_verdict(checked, key_columns, table_name, source_key_columns=none) -%}
    {%- set shown = source_key_columns or key_columns -%}
    {%- set parts = [] -%}
    {%- for key in shown -%}
        {%- do parts.append(key if shown | length == 1 else "coalesce(" ~ key ~ ", '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor %}
    select
        *,
        case
            when quarantine_reason is not null
                {%- for column in optional_checked_columns(table_name) %}
                or _nulled_{{ column }} is not null
                {%- endfor %}
                then {{ parts[0] if parts | length == 1 else dbt.concat(parts) }}
        end as source_key
    from (
        select
            *,
            case
                when check_reason is not null then check_reason
                when copy_number > 1 then 'duplicate'
                when is_later_version then 'superseded'
            end as quarantine_reason
        from {{ checked }}
    ) as verdicts
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
