{#- Feature snapshots (models/intermediate/predictive/int_customer_snapshot_features.sql and
    DECISIONLOG "Feature snapshots at month ends, incremental"): the dates, the signature of a
    person's history that tells an incremental run whose rows are stale, and the pre-hook that
    deletes what a run recomputes. One rule, one place: the hook and the model use the same SQL. -#}


{#- The snapshot dates of this build: the last day of each of the feature_snapshot_months months
    before as_of_date's month, and as_of_date itself (the scoring snapshot; when as_of_date is a
    month end it is both). Month ends do not move when as_of_date moves by a day, so their rows
    stay valid from one daily build to the next. -#}
{% macro feature_snapshot_dates() -%}
    {%- set months = var('feature_snapshot_months') | int -%}
    select distinct snapshot_date
    from (
        {%- for k in range(1, months + 1) %}
        select cast({{ dbt.last_day(dbt.dateadd('month', -k, 'as_of_date'), 'month') }} as date) as snapshot_date
        from {{ ref('int_as_of_date') }}
        union all
        {%- endfor %}
        select as_of_date as snapshot_date
        from {{ ref('int_as_of_date') }}
    ) as snapshot_dates
{%- endmacro %}


{#- Completed orders of persons without a deletion request: what every feature is computed from. -#}
{% macro feature_snapshot_orders() -%}
    select
        customer_key,
        ordered_at,
        total_amount,
        case when coalesce(discount_amount, 0) > 0 or discount_code is not null then 1 else 0 end as is_discounted
    from {{ ref('int_orders_resolved') }}
    where is_completed
        and {{ person_in_scope('customer_key') }}
{%- endmacro %}


{#- The fact columns of int_customer_snapshot_features' union, in one order with one type each:
    a kind of fact (an order, an event day, a signature) gives SQL for its own columns in `given`,
    and the others are typed nulls. -#}
{% macro snapshot_fact_columns(given) -%}
    {%- set columns = [
        ('ordered_at', dbt.type_timestamp()),
        ('total_amount', 'decimal(18, 2)'),
        ('is_discounted', dbt.type_int()),
        ('opens_purchase_day', dbt.type_int()),
        ('events', dbt.type_bigint()),
        ('product_views', dbt.type_bigint()),
        ('product_adds', dbt.type_bigint()),
        ('history_signature', dbt.type_string()),
    ] -%}
    {%- set unknown = given.keys() | reject('in', columns | map('first') | list) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error("snapshot_fact_columns: no fact column " ~ unknown) }}
    {%- endif -%}
    {%- for column, type in columns %}
    {{ given.get(column, 'cast(null as ' ~ type ~ ')') }} as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- One text per buyer summing up every order and every event they have before `cutoff_at`
    (count, amounts, discounts, seconds since 1970 of each order; per event kind the features count
    and the days of the events, the grain the features read them at).
    If it is unchanged, no feature of any snapshot up to the cutoff can have changed: a late row,
    a re-keyed order or event, an amount or status corrected, a deletion all change it. -#}
{% macro feature_history_signatures(cutoff_at) -%}
    select
        order_sums.customer_key,
        {{ dbt.hash(dbt.concat([
            "cast(order_sums.orders as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(order_sums.amount as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(order_sums.discounted as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(order_sums.order_seconds as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(coalesce(event_sums.events, 0) as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(coalesce(event_sums.product_views, 0) as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(coalesce(event_sums.cart_adds, 0) as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(coalesce(event_sums.event_seconds, 0) as " ~ dbt.type_string() ~ ")",
        ])) }} as history_signature
    from (
        select
            customer_key,
            count(*) as orders,
            sum(total_amount) as amount,
            sum(is_discounted) as discounted,
            sum({{ dbt.datediff("cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")", 'ordered_at', 'second') }}) as order_seconds
        from ({{ feature_snapshot_orders() }}) as orders
        where ordered_at < {{ cutoff_at }}
        group by customer_key
    ) as order_sums
    left join (
        -- events per day are what the features count (int_event_identifier_days)
        select
            persons.customer_key,
            sum(days.events) as events,
            sum(days.product_views) as product_views,
            sum(days.product_adds) as cart_adds,
            sum(days.events * {{ dbt.datediff("cast('1970-01-01' as date)", 'days.event_date', 'day') }}) as event_seconds
        from {{ ref('int_event_identifier_days') }} as days
        inner join {{ ref('int_event_identifier_persons') }} as persons
            on days.identifier_set_key = persons.identifier_set_key
        where persons.customer_key is not null and days.event_date < cast({{ cutoff_at }} as date)
        group by persons.customer_key
    ) as event_sums
        on order_sums.customer_key = event_sums.customer_key
{%- endmacro %}


{#- Pre-hooks of int_customer_snapshot_features on an incremental run: delete the rows this
    run recomputes or that no longer belong, so the model only inserts what is missing.
    First: snapshot dates no longer in the window, and the scoring snapshot (always recomputed). -#}
{% macro delete_feature_snapshots_out_of_window() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where snapshot_date not in ({{ feature_snapshot_dates() }})
        or snapshot_date = (select as_of_date from {{ ref('int_as_of_date') }})
    {%- endif -%}
{%- endmacro %}


{#- Second: every row of each person whose history up to the newest stored month end changed
    (its signature differs from the one stored there, or none was stored there: rows built for
    another as_of_date), and of persons who no longer have an order before it (re-keyed away,
    deleted). A person new to that month end has no stored row and is computed anyway. -#}
{% macro delete_feature_snapshots_of_changed_persons() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where customer_key in (
        select stored.customer_key
        from (
            select customer_key, history_signature
            from {{ this }}
            where snapshot_date = (select max(snapshot_date) from {{ this }})
        ) as stored
        left join (
            {{ feature_history_signatures(
                "(select cast(" ~ dbt.dateadd('day', 1, 'max(snapshot_date)') ~ " as " ~ dbt.type_timestamp() ~ ") from " ~ this ~ ")"
            ) }}
        ) as current_signatures
            on stored.customer_key = current_signatures.customer_key
        where stored.history_signature is null
            or current_signatures.history_signature is null
            or stored.history_signature <> current_signatures.history_signature
    )
    {%- endif -%}
{%- endmacro %}


{#- Post-hook on an incremental run: only the newest month end carries signatures (a full
    refresh sets them there alone), so rows of an older month end look the same whichever run
    computed them. -#}
{% macro clear_older_feature_signatures() -%}
    {%- if is_incremental() -%}
    update {{ this }}
    set history_signature = null
    where history_signature is not null
        and snapshot_date < (
            select max(snapshot_date)
            from ({{ feature_snapshot_dates() }}) as window_dates
            where snapshot_date = cast({{ dbt.last_day('snapshot_date', 'month') }} as date)
        )
    {%- endif -%}
{%- endmacro %}
