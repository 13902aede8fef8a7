{#- Message engagement per person, channel and month (UTC) up to as_of_date: the one source of the
    profile's channel counts, preferred channel and best send hour (int_customer_messaging sums
    this table) and of the mart customer_channel_engagement, its published copy. Opens and clicks
    are also counted per local hour of the person (their timezone; UTC when unknown) so the best
    send hour can be derived over any period, and orders attributed to the channel's messages
    (last touch, int_campaign_order_attribution) in the month of the order. Holdout ('control') rows were sent nothing and are left out; so are persons out of
    scope (a deletion request). -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

customers as (
    select customer_id, timezone from {{ ref('stg_raw__customers') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

message_events as (
    select
        graph.customer_key,
        message_events.channel,
        message_events.message_event,
        cast({{ dbt.date_trunc('month', 'message_events.occurred_at') }} as date) as engagement_month,
        extract(hour from {{ to_local_time('message_events.occurred_at', 'customers.timezone') }}) as local_hour
    from {{ ref('stg_raw__message_events') }} as message_events
    cross join as_of
    inner join graph
        on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    left join customers on message_events.customer_id = customers.customer_id
    where message_events.occurred_at < as_of.as_of_at
        and coalesce(message_events.variant, '') != 'control'
        and {{ person_in_scope('graph.customer_key') }}
),

attributed_orders as (
    select
        customer_key,
        channel,
        'attributed_order' as message_event,
        cast({{ dbt.date_trunc('month', 'ordered_at') }} as date) as engagement_month,
        cast(null as {{ dbt.type_int() }}) as local_hour
    from {{ ref('int_campaign_order_attribution') }}
    where {{ person_in_scope('customer_key') }}
),

engagement_events as (
    select customer_key, channel, message_event, engagement_month, local_hour from message_events
    union all
    select customer_key, channel, message_event, engagement_month, local_hour from attributed_orders
),

final as (
    select
        customer_key,
        channel,
        engagement_month,
        cast(sum(case when message_event = 'sent' then 1 else 0 end) as {{ dbt.type_bigint() }}) as sends,
        cast(sum(case when message_event = 'delivered' then 1 else 0 end) as {{ dbt.type_bigint() }}) as deliveries,
        cast(sum(case when message_event = 'opened' then 1 else 0 end) as {{ dbt.type_bigint() }}) as opens,
        cast(sum(case when message_event = 'clicked' then 1 else 0 end) as {{ dbt.type_bigint() }}) as clicks,
        cast(sum(case when message_event = 'unsubscribed' then 1 else 0 end) as {{ dbt.type_bigint() }}) as unsubscribes,
        cast(sum(case when message_event = 'bounced' then 1 else 0 end) as {{ dbt.type_bigint() }}) as bounces,
        cast(sum(case when message_event = 'complained' then 1 else 0 end) as {{ dbt.type_bigint() }}) as complaints,
        cast(sum(case when message_event = 'attributed_order' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as attributed_orders,
        cast(sum(case when message_event in ('opened', 'clicked') then 1 else 0 end) as {{ dbt.type_bigint() }})
            as engagements,
        {% for hour in range(24) %}
        cast(sum(case when message_event in ('opened', 'clicked') and local_hour = {{ hour }} then 1 else 0 end)
            as {{ dbt.type_bigint() }}) as engagements_hour_{{ '%02d' % hour }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from engagement_events
    group by 1, 2, 3
)

select * from final
