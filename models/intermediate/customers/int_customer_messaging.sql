{#- Message engagement per person and channel up to as_of_date: sends, deliveries, opens, clicks,
    rates, and the hour (in the person's local time) at which they open or click most. Holdout
    members ('control' variant) were sent nothing and are not counted as sends. -#}
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
        message_events.occurred_at,
        customers.timezone
    from {{ ref('stg_raw__message_events') }} as message_events
    cross join as_of
    inner join graph
        on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    left join customers on message_events.customer_id = customers.customer_id
    where message_events.occurred_at < as_of.as_of_at
        and coalesce(message_events.variant, '') != 'control'
),

per_channel as (
    select
        customer_key,
        channel,
        sum(case when message_event = 'sent' then 1 else 0 end) as sends,
        sum(case when message_event = 'delivered' then 1 else 0 end) as deliveries,
        sum(case when message_event = 'opened' then 1 else 0 end) as opens,
        sum(case when message_event = 'clicked' then 1 else 0 end) as clicks,
        sum(case when message_event = 'unsubscribed' then 1 else 0 end) as unsubscribes,
        sum(case when message_event = 'bounced' then 1 else 0 end) as bounces,
        sum(case when message_event = 'complained' then 1 else 0 end) as complaints
    from message_events
    group by 1, 2
),

ranked_channels as (
    -- preferred channel: most clicks, then most opens, then most deliveries
    select
        customer_key,
        channel,
        row_number() over (
            partition by customer_key order by clicks desc, opens desc, deliveries desc, channel
        ) as preference_rank
    from per_channel
),

engagement_hours as (
    select
        customer_key,
        extract(hour from {{ to_local_time('occurred_at', 'timezone') }}) as local_hour,
        count(*) as engagements
    from message_events
    where message_event in ('opened', 'clicked')
    group by 1, 2
),

best_hour as (
    select customer_key, local_hour as best_send_hour_local
    from (
        select
            customer_key,
            local_hour,
            row_number() over (partition by customer_key order by engagements desc, local_hour) as hour_rank
        from engagement_hours
    ) as ranked
    where hour_rank = 1
),

{% set channels = ['email', 'sms', 'push', 'whatsapp', 'web_push', 'in_app'] %}
final as (
    select
        people.customer_key,
        {% for channel in channels %}
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.sends else 0 end) as {{ channel }}_sends,
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.opens else 0 end) as {{ channel }}_opens,
        sum(case when per_channel.channel = '{{ channel }}' then per_channel.clicks else 0 end) as {{ channel }}_clicks,
        {% endfor %}
        sum(per_channel.sends) as total_sends,
        sum(per_channel.opens) as total_opens,
        sum(per_channel.clicks) as total_clicks,
        sum(per_channel.unsubscribes) as unsubscribes,
        sum(per_channel.bounces) as bounces,
        sum(per_channel.complaints) as complaints,
        max(case when preferred.preference_rank = 1 then preferred.channel end) as preferred_channel,
        max(best_hour.best_send_hour_local) as best_send_hour_local
    from (select distinct customer_key from per_channel) as people
    left join per_channel on people.customer_key = per_channel.customer_key
    left join ranked_channels as preferred
        on people.customer_key = preferred.customer_key and preferred.preference_rank = 1
    left join best_hour on people.customer_key = best_hour.customer_key
    group by 1
)

select * from final
