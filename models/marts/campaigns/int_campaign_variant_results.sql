{#- Counts per campaign and variant. Two views of success:
    - converters (for A/B tests and uplift): members with a completed order within
      attribution_window_days after their first send of the campaign; holdout ('control')
      members count too, which is what makes uplift measurable;
    - attributed orders and revenue (last touch): each completed order goes to the most recent
      non-holdout send within attribution_window_days before it, so attributed orders never
      exceed orders. -#}
{{ config(schema='intermediate') }}

with

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

messages as (
    select
        message_events.campaign_id,
        coalesce(message_events.variant, 'a') as variant,
        message_events.message_event,
        message_events.occurred_at,
        message_events.message_id,
        graph.customer_key
    from {{ ref('stg_raw__message_events') }} as message_events
    inner join graph on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    where message_events.campaign_id is not null
),

orders as (
    select order_id, customer_key, ordered_at, total_amount
    from {{ ref('int_orders_resolved') }}
    where is_completed
),

first_sends as (
    select campaign_id, variant, customer_key, min(occurred_at) as first_sent_at
    from messages
    where message_event = 'sent'
    group by 1, 2, 3
),

converters as (
    select first_sends.campaign_id, first_sends.variant, count(distinct first_sends.customer_key) as converters
    from first_sends
    inner join orders
        on orders.customer_key = first_sends.customer_key
        and orders.ordered_at > first_sends.first_sent_at
        and orders.ordered_at <= {{ dbt.dateadd('day', var('attribution_window_days'), 'first_sends.first_sent_at') }}
    group by 1, 2
),

last_touch as (
    select
        orders.order_id,
        orders.total_amount,
        messages.campaign_id,
        messages.variant,
        row_number() over (
            partition by orders.order_id order by messages.occurred_at desc, messages.campaign_id
        ) as touch_rank
    from orders
    inner join messages
        on messages.customer_key = orders.customer_key
        and messages.message_event = 'sent'
        and messages.variant != 'control'
        and messages.occurred_at < orders.ordered_at
        and messages.occurred_at >= {{ dbt.dateadd('day', -var('attribution_window_days'), 'orders.ordered_at') }}
),

attributed as (
    select campaign_id, variant, count(*) as attributed_orders, sum(total_amount) as attributed_revenue
    from last_touch
    where touch_rank = 1
    group by 1, 2
),

counts as (
    select
        campaign_id,
        variant,
        count(distinct case when message_event = 'sent' then customer_key end) as members,
        sum(case when message_event = 'sent' then 1 else 0 end) as sends,
        sum(case when message_event = 'delivered' then 1 else 0 end) as deliveries,
        sum(case when message_event = 'opened' then 1 else 0 end) as opens,
        sum(case when message_event = 'clicked' then 1 else 0 end) as clicks,
        count(distinct case when message_event = 'opened' then customer_key end) as unique_openers,
        count(distinct case when message_event = 'clicked' then customer_key end) as unique_clickers,
        sum(case when message_event = 'unsubscribed' then 1 else 0 end) as unsubscribes,
        sum(case when message_event = 'bounced' then 1 else 0 end) as bounces
    from messages
    group by 1, 2
),

final as (
    select
        counts.*,
        coalesce(converters.converters, 0) as converters,
        coalesce(attributed.attributed_orders, 0) as attributed_orders,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue
    from counts
    left join converters on counts.campaign_id = converters.campaign_id and counts.variant = converters.variant
    left join attributed on counts.campaign_id = attributed.campaign_id and counts.variant = attributed.variant
)

select * from final
