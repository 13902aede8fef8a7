{#- Incremental builds over accumulating deliveries (DECISIONLOG "Incremental models and
    late-arriving rows"). An incremental run re-reads the rows delivered (by `_loaded_at`) since
    the newest delivery it has already processed, minus `incremental_lookback_days`, and then
    reprocesses EVERY row of each entity (key, browser) those rows touch, whenever the entity's
    other rows arrived: a late row changes its entity's windows (first delivery, newest version,
    session boundaries), never anything else. -#}


{#- How an incremental model is materialized. Where the adapter has delete+insert (DuckDB,
    Postgres, Snowflake ...) it is incremental. dbt-spark has only append, merge and
    insert_overwrite, and merge (like the DELETE of reset_when_deliveries_replaced) needs a Delta,
    Iceberg or Hudi table; a Spark session without them (the local one of `make test-spark`)
    writes parquet. So on Spark these models are tables, rebuilt from raw at every run: the rows
    of a full refresh, the cost of one too (DECISIONLOG "Incremental models on Spark"). -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'lifecycle')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}


{#- The strategy that replaces an entity's rows (used only where the model is incremental):
    delete+insert, so every row of a reprocessed key or browser is replaced, rows that disappear
    included. -#}
{% macro incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}


{#- Materialization of a model whose unique_key is an entity with several rows (all sessions of
    a browser): the same as the staging bases', kept apart because even on Delta a merge could
    not delete the rows that disappear when the entity is recomputed (two sessions joined by a
    late event). -#}
{% macro entity_incremental_materialization() -%}
    {{ return(incremental_materialization()) }}
{%- endmacro %}


{#- Earliest `_loaded_at` an incremental run re-reads: the newest delivery already in {{ this }}
    minus the lookback; every row when {{ this }} is empty. Use only under is_incremental(). -#}
{% macro reprocess_deliveries_from() -%}
    (
        select coalesce(
            {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(_loaded_at)') }},
            cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        )
        from {{ this }}
    )
{%- endmacro %}


{#- True for a row of a delivery this model has not processed yet: loaded since
    reprocess_deliveries_from() and of a delivery (`_ingest_id`) that no row of {{ this }} carries.
    A delivery already built is not read again: the newest one built always lies inside the
    lookback window, and when it is the initial load of the whole history a run re-read all of it
    (measured: the first incremental build after a full one took longer than the full one).
    Reading a built delivery again was only ever redundant: its rows' verdicts and sessions change
    only through new rows of their key or browser, which pull them in anyway. A row without an
    `_ingest_id` (ingest always sets one; unit-test fixtures may not) counts as unprocessed.
    `relation`, the table the row is read from, lets the scan skip old deliveries: the condition
    is also asked of its few distinct (_loaded_at, _ingest_id) pairs, and a row must carry a
    `_loaded_at` of an unprocessed one. An IN list is what DuckDB turns into a filter on the scan
    (a delivery's rows are stored together, so whole row groups of older ones are skipped); the
    comparison with a subquery is evaluated row by row (1M: every incremental model read all
    42M events to find a day's 123k). Use only under is_incremental(). -#}
{% macro is_unprocessed_delivery(loaded_at, ingest_id, relation=none) -%}
    (
        {%- if relation is not none %}
        {{ loaded_at }} in (select _loaded_at from ({{ unprocessed_deliveries(relation) }}) as unprocessed)
        and
        {%- endif %}
        {{ unprocessed_delivery_condition(loaded_at, ingest_id) }}
    )
{%- endmacro %}


{#- The deliveries of `relation` this model has not processed: its distinct (_loaded_at,
    _ingest_id) pairs that meet is_unprocessed_delivery's condition, `_ingest_id` as `_ingest_key`
    (null as ''). The condition reads nothing of a row but that pair, so joining rows to these on
    `_loaded_at` and `coalesce(_ingest_id, '') = _ingest_key` keeps exactly the rows it is true
    for. A join is what DuckDB filters the scan with in every plan; the IN list of
    is_unprocessed_delivery is not pushed into the scan beside another filter on the same rows
    (int_product_events). Use only under is_incremental(). -#}
{% macro unprocessed_deliveries(relation) -%}
    select deliveries._loaded_at, coalesce(deliveries._ingest_id, '') as _ingest_key
    from (select distinct _loaded_at, _ingest_id from {{ relation }}) as deliveries
    where {{ unprocessed_delivery_condition('deliveries._loaded_at', 'deliveries._ingest_id') }}
{%- endmacro %}


{#- is_unprocessed_delivery's condition on one row. -#}
{% macro unprocessed_delivery_condition(loaded_at, ingest_id) -%}
    (
        {{ loaded_at }} >= {{ reprocess_deliveries_from() }}
        and (
            {{ ingest_id }} is null
            or {{ ingest_id }} not in (
                select distinct _ingest_id from {{ this }} where _ingest_id is not null
            )
        )
    )
{%- endmacro %}


{#- Join + where for the CTE that reads raw in a staging base model: under is_incremental(), keep
    the rows of unprocessed deliveries (is_unprocessed_delivery) and every row (any delivery) sharing a
    key with them, so copy_number and the version order are computed over the key's whole
    history, exactly as a full refresh does. The key is `key_expressions`: SQL over the raw columns
    with the alias `source` (default: each of `key_columns` cleaned), the values the model's
    verdict partitions by; the raw relation in the FROM clause must be aliased `source`. Rows with
    a null key part are only kept when they are new themselves (they are quarantined as null_key
    whatever else was delivered). -#}
{% macro rows_of_keys_with_new_deliveries(raw_relation, key_columns, key_expressions=none) -%}
    {%- if is_incremental() %}
    {%- set keys = key_expressions or key_expression_list(key_columns) %}
    left join (
        select distinct
            {%- for key in keys %}
            {{ key }} as _new_key_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ raw_relation }} as source
        where {{ is_unprocessed_delivery('source._loaded_at', 'source._ingest_id', raw_relation) }}
    ) as new_keys
        on {% for key in keys -%}
            {{ key }} = new_keys._new_key_{{ loop.index }}
            {{- ' and ' if not loop.last }}
        {%- endfor %}
    where new_keys._new_key_1 is not null
        or {{ is_unprocessed_delivery('source._loaded_at', 'source._ingest_id') }}
    {%- endif %}
{%- endmacro %}


{#- `_raw_row_id` (as _touched_row_id) of each raw row rows_of_keys_with_new_deliveries keeps:
    a narrow scan whose ids a staging base model matches the wide columns by, so that DuckDB
    reads those only for the row groups holding them. Use only under is_incremental(). -#}
{% macro new_delivery_row_ids(raw_relation, key_columns, key_expressions=none) -%}
    select source._raw_row_id as _touched_row_id
    from {{ raw_relation }} as source
    {{- rows_of_keys_with_new_deliveries(raw_relation, key_columns, key_expressions) }}
{%- endmacro %}


{#- The default key of a base model: each key column of the raw row (alias `source`), cleaned. -#}
{% macro key_expression_list(key_columns) -%}
    {%- set keys = [] -%}
    {%- for key in key_columns %}{% do keys.append(clean_text('source.' ~ key)) %}{% endfor -%}
    {{ return(keys) }}
{%- endmacro %}


{#- Pre-hook of every incremental model: when a delivery it was built from is no longer in its
    input (a replacing `lifecycle ingest` without --append), empty it, so this run rebuilds it
    from scratch instead of keeping rows of data that no longer exists. Appends never remove a
    delivery, so this only fires after a replace. -#}
{% macro reset_when_deliveries_replaced(input_relation) -%}
    {%- if is_incremental() -%}
    {%- if execute and '_ingest_id' not in (adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list) -%}
        {{ exceptions.raise_compiler_error(
            this ~ " was built before deliveries had an _ingest_id (an older version of this project):"
            ~ " run `lifecycle ingest` again, then `dbt build --full-refresh` once") }}
    {%- endif %}
    delete from {{ this }}
    where exists (
        select 1
        from (select distinct _ingest_id from {{ this }}) as built
        where built._ingest_id not in (
            select distinct _ingest_id from {{ input_relation }} where _ingest_id is not null
        )
    )
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of an incremental model whose rows depend on a var: when the rows were built under
    another value (the model stores it in `column`), empty the table, so this run rebuilds it from
    every delivery (an empty table is read as "nothing processed yet") instead of mixing rows of
    two definitions. -#}
{% macro reset_when_definition_changed(column, value) -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where exists (select 1 from {{ this }} where {{ column }} != '{{ value | replace("'", "''") }}')
    {%- endif -%}
{%- endmacro %}
