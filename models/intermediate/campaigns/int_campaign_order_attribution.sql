{#- Last-touch attribution: each completed order up to as_of_date goes to the latest campaign
    message the person was sent within attribution_window_days before the order. Messages sent at
    the same instant (two campaigns triggered by one event) are a tie, drawn per order: the
    message with the smallest SHA-256 of order_id || '|' || message_id wins. That is fair (each
    tied message wins about as often over many orders; ordering by campaign_id gave every tie to
    the lower id) and deterministic (same winner in every build, on every engine). A touch is a
    message that was sent and did not bounce; holdout ('control') members were sent nothing and
    touch nothing. One row per attributed order, so attributed orders can never exceed orders. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

messages as (
    select
        coalesce(message_events.message_id, message_events.message_event_id) as message_id,
        message_events.campaign_id,
        coalesce(message_events.variant, 'a') as variant,
        graph.customer_key,
        max(message_events.channel) as channel,
        min(case when message_events.message_event = 'sent' then message_events.occurred_at end) as sent_at,
        max(case when message_events.message_event = 'bounced' then 1 else 0 end) as is_bounced
    from {{ ref('stg_raw__message_events') }} as message_events
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    where message_events.campaign_id is not null
        and message_events.occurred_at < as_of.as_of_at
    group by 1, 2, 3, 4
),

touches as (
    select * from messages
    where variant != 'control' and sent_at is not null and is_bounced = 0
),

orders as (
    select orders.order_id, orders.customer_key, orders.ordered_at, orders.total_amount
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed and orders.ordered_at < as_of.as_of_at
),

ranked as (
    select
        orders.order_id,
        orders.customer_key,
        orders.ordered_at,
        orders.total_amount,
        touches.campaign_id,
        touches.variant,
        touches.message_id,
        touches.channel,
        touches.sent_at as touched_at,
        row_number() over (
            partition by orders.order_id
            order by
                touches.sent_at desc,
                {{ sha256(dbt.concat(['orders.order_id', "'|'", 'touches.message_id'])) }},
                touches.message_id
        ) as touch_rank
    from orders
    inner join touches
        on orders.customer_key = touches.customer_key
        and orders.ordered_at > touches.sent_at
        and touches.sent_at >= {{ dbt.dateadd('day', -var('attribution_window_days'), 'orders.ordered_at') }}
),

final as (
    select order_id, customer_key, campaign_id, variant, message_id, channel, touched_at, ordered_at, total_amount
    from ranked
    where touch_rank = 1
)

select * from final
