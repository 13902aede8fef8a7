{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy=incremental_strategy(),
        unique_key=['snapshot_date', 'customer_key'],
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_feature_snapshots_out_of_window() }}",
            "{{ delete_feature_snapshots_of_changed_persons() }}",
        ],
        post_hook="{{ clear_older_feature_signatures() }}",
    )
}}

{#- Features of every buyer at each snapshot date (macro feature_snapshot_dates: the month ends
    of the last feature_snapshot_months months and as_of_date), computed only from orders and
    events before the snapshot (before snapshot_at, the midnight after snapshot_date). No labels
    here: int_customer_feature_snapshots adds them at read time, so a label maturing as as_of_date
    moves on changes no row of this table.

    Incremental (DECISIONLOG "Feature snapshots at month ends, incremental"): the pre-hooks delete
    the dates that left the window, the scoring snapshot, and every row of each person whose
    history changed; this model then computes the (snapshot, person) pairs that are missing - a
    new month end and the scoring snapshot for everybody, all snapshots of the changed persons.
    The rows of the newest month end carry the person's history_signature, which the next run
    compares. -#}
with

snapshot_dates as (
    {{ feature_snapshot_dates() }}
),

snapshot_bounds as (
    select
        snapshot_dates.snapshot_date,
        cast({{ dbt.dateadd('day', 1, 'snapshot_dates.snapshot_date') }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from snapshot_dates
),

-- the newest month end of the window: its rows carry the history signature
signature_bound as (
    select
        max(snapshot_date) as snapshot_date,
        cast({{ dbt.dateadd('day', 1, 'max(snapshot_date)') }} as {{ dbt.type_timestamp() }}) as snapshot_at
    from snapshot_dates
    where snapshot_date = cast({{ dbt.last_day('snapshot_date', 'month') }} as date)
),

orders as (
    {{ feature_snapshot_orders() }}
),

first_orders as (
    select
        customer_key,
        min(ordered_at) as first_order_at
    from orders
    group by customer_key
),

-- every (snapshot, buyer) pair to compute: buyers with an order before the snapshot, less the
-- pairs an incremental run kept
targets as (
    select
        snapshot_bounds.snapshot_date,
        snapshot_bounds.snapshot_at,
        first_orders.customer_key
    from snapshot_bounds
    inner join first_orders on snapshot_bounds.snapshot_at > first_orders.first_order_at
    {% if is_incremental() %}
    left join (select snapshot_date, customer_key from {{ this }}) as kept
        on snapshot_bounds.snapshot_date = kept.snapshot_date
        and first_orders.customer_key = kept.customer_key
    where kept.customer_key is null
    {% endif %}
),

history as (
    select
        targets.snapshot_date,
        targets.customer_key,
        count(*) as orders_total,
        sum(case when orders.ordered_at >= {{ dbt.dateadd('day', -90, 'targets.snapshot_at') }} then 1 else 0 end) as orders_90d,
        sum(case when orders.ordered_at < {{ dbt.dateadd('day', -90, 'targets.snapshot_at') }}
            and orders.ordered_at >= {{ dbt.dateadd('day', -180, 'targets.snapshot_at') }} then 1 else 0 end) as orders_prior_90d,
        sum(case when orders.ordered_at >= {{ dbt.dateadd('day', -365, 'targets.snapshot_at') }} then 1 else 0 end) as orders_365d,
        sum(orders.total_amount) as revenue_total,
        {{ average('orders.total_amount') }} as average_order_value,
        {{ average('orders.is_discounted') }} as discount_share,
        min(orders.ordered_at) as first_order_at,
        max(orders.ordered_at) as last_order_at
    from targets
    inner join orders
        on targets.customer_key = orders.customer_key
        and targets.snapshot_at > orders.ordered_at
    group by targets.snapshot_date, targets.customer_key
),

purchase_days as (
    select
        customer_key,
        cast(ordered_at as date) as purchase_date
    from orders
    group by customer_key, cast(ordered_at as date)
),

btyd as (
    -- frequency / recency / T in days at the snapshot, for a BG/NBD fit per snapshot
    select
        targets.snapshot_date,
        targets.customer_key,
        count(*) - 1 as frequency,
        {{ dbt.datediff('min(purchase_days.purchase_date)', 'max(purchase_days.purchase_date)', 'day') }} as recency_days,
        {{ dbt.datediff('min(purchase_days.purchase_date)', 'max(targets.snapshot_date)', 'day') }} as t_days
    from targets
    inner join purchase_days
        on targets.customer_key = purchase_days.customer_key
        and targets.snapshot_date >= purchase_days.purchase_date
    group by targets.snapshot_date, targets.customer_key
),

event_days as (
    select persons.customer_key, days.event_date, days.events, days.product_views, days.product_adds
    from {{ ref('int_event_identifier_days') }} as days
    inner join {{ ref('int_event_identifier_persons') }} as persons
        on days.identifier_set_key = persons.identifier_set_key
    where persons.customer_key is not null
),

engagement as (
    -- the 30 days up to the snapshot: snapshot_at is a midnight, so the window is whole days
    select
        targets.snapshot_date,
        targets.customer_key,
        sum(event_days.events) as events_30d,
        sum(event_days.product_views) as product_views_30d,
        sum(event_days.product_adds) as cart_adds_30d
    from targets
    inner join event_days
        on targets.customer_key = event_days.customer_key
        and targets.snapshot_date >= event_days.event_date
        and event_days.event_date > {{ dbt.dateadd('day', -30, 'targets.snapshot_date') }}
    group by targets.snapshot_date, targets.customer_key
),

signatures as (
    select
        signature_bound.snapshot_date,
        signed.customer_key,
        signed.history_signature
    from ({{ feature_history_signatures('(select snapshot_at from signature_bound)') }}) as signed
    cross join signature_bound
),

final as (
    select
        -- ids
        history.customer_key,
        history.snapshot_date,

        -- features (only data before the snapshot)
        {{ dbt.datediff('history.last_order_at', 'history.snapshot_date', 'day') }} as days_since_last_order,
        {{ dbt.datediff('history.first_order_at', 'history.snapshot_date', 'day') }} as days_since_first_order,
        history.orders_total,
        history.orders_90d,
        history.orders_prior_90d,
        history.orders_365d,
        history.revenue_total,
        history.average_order_value,
        history.discount_share,
        coalesce(engagement.events_30d, 0) as events_30d,
        coalesce(engagement.product_views_30d, 0) as product_views_30d,
        coalesce(engagement.cart_adds_30d, 0) as cart_adds_30d,
        btyd.frequency,
        btyd.recency_days,
        btyd.t_days,

        -- timestamps
        history.first_order_at,
        history.last_order_at,

        -- change detection (newest month end only)
        signatures.history_signature
    from history
    inner join btyd
        on history.snapshot_date = btyd.snapshot_date and history.customer_key = btyd.customer_key
    left join engagement
        on history.snapshot_date = engagement.snapshot_date and history.customer_key = engagement.customer_key
    left join signatures
        on history.snapshot_date = signatures.snapshot_date and history.customer_key = signatures.customer_key
)

select * from final
