{#- Features of every buyer at monthly snapshot dates back from as_of_date (the last one is
    as_of_date itself, the one to score), computed only from data before the snapshot
    (ordered_at < snapshot_at, snapshot_at = midnight after snapshot_date), with labels from
    after it: purchased within purchase_horizon_days, and no purchase within churn_horizon_days.
    A label is null when its horizon is not fully observed by as_of_date. -#}
{%- set months = var('feature_snapshot_months') | int -%}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

snapshots as (
    {% for k in range(months + 1) %}
    select
        cast({{ dbt.dateadd('month', -k, 'as_of_date') }} as date) as snapshot_date,
        {{ k }} as months_before_as_of
    from as_of
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

snapshot_bounds as (
    select
        snapshots.snapshot_date,
        snapshots.months_before_as_of,
        cast({{ dbt.dateadd('day', 1, 'snapshots.snapshot_date') }} as {{ dbt.type_timestamp() }}) as snapshot_at,
        as_of.as_of_at
    from snapshots
    cross join as_of
),

orders as (
    select customer_key, order_id, ordered_at, total_amount,
        case when coalesce(discount_amount, 0) > 0 or discount_code is not null then 1 else 0 end as is_discounted
    from {{ ref('int_orders_resolved') }}
    where is_completed
        and customer_key not in (select customer_key from {{ ref('int_deleted_customer_keys') }})
),

order_categories as (
    select items.order_id, products.category
    from {{ ref('stg_raw__order_items') }} as items
    inner join {{ ref('stg_raw__products') }} as products on items.product_id = products.product_id
),

purchase_days as (
    select customer_key, cast(ordered_at as date) as purchase_date
    from orders
    group by 1, 2
),

history as (
    select
        snapshot_bounds.snapshot_date,
        snapshot_bounds.months_before_as_of,
        orders.customer_key,
        count(*) as orders_total,
        sum(case when orders.ordered_at >= {{ dbt.dateadd('day', -90, 'snapshot_bounds.snapshot_at') }} then 1 else 0 end) as orders_90d,
        sum(case when orders.ordered_at < {{ dbt.dateadd('day', -90, 'snapshot_bounds.snapshot_at') }}
            and orders.ordered_at >= {{ dbt.dateadd('day', -180, 'snapshot_bounds.snapshot_at') }} then 1 else 0 end) as orders_prior_90d,
        sum(case when orders.ordered_at >= {{ dbt.dateadd('day', -365, 'snapshot_bounds.snapshot_at') }} then 1 else 0 end) as orders_365d,
        sum(orders.total_amount) as revenue_total,
        {{ average('orders.total_amount') }} as average_order_value,
        {{ average('orders.is_discounted') }} as discount_share,
        min(orders.ordered_at) as first_order_at,
        max(orders.ordered_at) as last_order_at
    from snapshot_bounds
    inner join orders on orders.ordered_at < snapshot_bounds.snapshot_at
    group by 1, 2, 3
),

btyd as (
    -- frequency / recency / T in days at the snapshot, for a BG/NBD fit per snapshot
    select
        snapshot_bounds.snapshot_date,
        purchase_days.customer_key,
        count(*) - 1 as frequency,
        {{ dbt.datediff('min(purchase_days.purchase_date)', 'max(purchase_days.purchase_date)', 'day') }} as recency_days,
        {{ dbt.datediff('min(purchase_days.purchase_date)', 'max(snapshot_bounds.snapshot_date)', 'day') }} as t_days
    from snapshot_bounds
    inner join purchase_days on purchase_days.purchase_date < snapshot_bounds.snapshot_at
    group by 1, 2
),

breadth as (
    select
        snapshot_bounds.snapshot_date,
        orders.customer_key,
        count(distinct order_categories.category) as categories_bought
    from snapshot_bounds
    inner join orders on orders.ordered_at < snapshot_bounds.snapshot_at
    inner join order_categories on orders.order_id = order_categories.order_id
    group by 1, 2
),

engagement as (
    select
        snapshot_bounds.snapshot_date,
        events.customer_key,
        count(*) as events_30d,
        sum(case when events.event_name = 'Product Viewed' then 1 else 0 end) as product_views_30d,
        sum(case when events.event_name = 'Product Added' then 1 else 0 end) as cart_adds_30d
    from snapshot_bounds
    inner join {{ ref('int_events_resolved') }} as events
        on events.event_at < snapshot_bounds.snapshot_at
        and events.event_at >= {{ dbt.dateadd('day', -30, 'snapshot_bounds.snapshot_at') }}
    where events.customer_key is not null
    group by 1, 2
),

future as (
    select
        snapshot_bounds.snapshot_date,
        orders.customer_key,
        min(orders.ordered_at) as next_order_at
    from snapshot_bounds
    inner join orders
        on orders.ordered_at >= snapshot_bounds.snapshot_at
        and orders.ordered_at < snapshot_bounds.as_of_at
    group by 1, 2
),

final as (
    select
        history.customer_key,
        history.snapshot_date,
        history.months_before_as_of = 0 as is_scoring_snapshot,
        -- features (only data before the snapshot)
        {{ dbt.datediff('history.last_order_at', 'history.snapshot_date', 'day') }} as days_since_last_order,
        {{ dbt.datediff('history.first_order_at', 'history.snapshot_date', 'day') }} as days_since_first_order,
        history.orders_total,
        history.orders_90d,
        history.orders_prior_90d,
        history.orders_365d,
        history.orders_90d - history.orders_prior_90d as order_trend_90d,
        history.revenue_total,
        history.average_order_value,
        history.discount_share,
        case when btyd.frequency > 0 then cast(btyd.recency_days as double) / btyd.frequency end as mean_days_between_orders,
        coalesce(breadth.categories_bought, 0) as categories_bought,
        coalesce(engagement.events_30d, 0) as events_30d,
        coalesce(engagement.product_views_30d, 0) as product_views_30d,
        coalesce(engagement.cart_adds_30d, 0) as cart_adds_30d,
        btyd.frequency,
        btyd.recency_days,
        btyd.t_days,
        history.last_order_at,
        -- labels (after the snapshot; null when the horizon is not fully observed)
        case
            when {{ dbt.dateadd('day', var('purchase_horizon_days'), 'snapshot_bounds.snapshot_at') }} > snapshot_bounds.as_of_at then null
            when future.next_order_at < {{ dbt.dateadd('day', var('purchase_horizon_days'), 'snapshot_bounds.snapshot_at') }} then 1
            else 0
        end as purchased_within_horizon,
        case
            when {{ dbt.dateadd('day', var('churn_horizon_days'), 'snapshot_bounds.snapshot_at') }} > snapshot_bounds.as_of_at then null
            when future.next_order_at < {{ dbt.dateadd('day', var('churn_horizon_days'), 'snapshot_bounds.snapshot_at') }} then 0
            else 1
        end as churned_within_horizon
    from history
    inner join snapshot_bounds on history.snapshot_date = snapshot_bounds.snapshot_date
    inner join btyd
        on history.snapshot_date = btyd.snapshot_date and history.customer_key = btyd.customer_key
    left join breadth
        on history.snapshot_date = breadth.snapshot_date and history.customer_key = breadth.customer_key
    left join engagement
        on history.snapshot_date = engagement.snapshot_date and history.customer_key = engagement.customer_key
    left join future
        on history.snapshot_date = future.snapshot_date and history.customer_key = future.customer_key
)

select * from final
