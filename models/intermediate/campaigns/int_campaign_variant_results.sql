{#- Counts per campaign and variant up to as_of_date. A holdout ('control') member's 'sent' event
    records their assignment: it makes them a member, but nothing was sent, so the holdout row
    counts no sends. Two views of success:
    - converters (for A/B tests and uplift): members with a completed order within
      attribution_window_days after their first send of the campaign; holdout ('control')
      members count too, which is what makes uplift measurable;
    - attributed orders and revenue (last touch, int_campaign_order_attribution): each completed
      order goes to at most one non-holdout message, so attributed orders never exceed orders. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

messages as (
    select
        message_events.campaign_id,
        coalesce(message_events.variant, 'a') as variant,
        message_events.message_event,
        message_events.occurred_at,
        graph.customer_key
    from {{ ref('stg_raw__message_events') }} as message_events
    cross join as_of
    inner join graph on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    where message_events.campaign_id is not null
        and message_events.occurred_at < as_of.as_of_at
),

orders as (
    select orders.order_id, orders.customer_key, orders.ordered_at
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed and orders.ordered_at < as_of.as_of_at
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
        on first_sends.customer_key = orders.customer_key
        and first_sends.first_sent_at < orders.ordered_at
        and orders.ordered_at <= {{ dbt.dateadd('day', var('attribution_window_days'), 'first_sends.first_sent_at') }}
    group by 1, 2
),

attributed as (
    select campaign_id, variant, count(*) as attributed_orders, sum(total_amount) as attributed_revenue
    from {{ ref('int_campaign_order_attribution') }}
    group by 1, 2
),

counts as (
    select
        campaign_id,
        variant,
        count(distinct case when message_event = 'sent' then customer_key end) as members,
        sum(case when message_event = 'sent' and variant != 'control' then 1 else 0 end) as sends,
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
        counts.campaign_id,
        counts.variant,
        cast(counts.members as {{ dbt.type_bigint() }}) as members,
        cast(counts.sends as {{ dbt.type_bigint() }}) as sends,
        cast(counts.deliveries as {{ dbt.type_bigint() }}) as deliveries,
        cast(counts.opens as {{ dbt.type_bigint() }}) as opens,
        cast(counts.clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(counts.unique_openers as {{ dbt.type_bigint() }}) as unique_openers,
        cast(counts.unique_clickers as {{ dbt.type_bigint() }}) as unique_clickers,
        cast(counts.unsubscribes as {{ dbt.type_bigint() }}) as unsubscribes,
        cast(counts.bounces as {{ dbt.type_bigint() }}) as bounces,
        cast(coalesce(converters.converters, 0) as {{ dbt.type_bigint() }}) as converters,
        cast(coalesce(attributed.attributed_orders, 0) as {{ dbt.type_bigint() }}) as attributed_orders,
        cast(coalesce(attributed.attributed_revenue, 0) as {{ type_money() }}) as attributed_revenue
    from counts
    left join converters on counts.campaign_id = converters.campaign_id and counts.variant = converters.variant
    left join attributed on counts.campaign_id = attributed.campaign_id and counts.variant = attributed.variant
)

select * from final
