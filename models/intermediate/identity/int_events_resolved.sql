{#- Staged events with the resolved person, through user_id, then email, then anonymous_id,
    then device_id (only usable identifiers are in the graph). Null when the event carries only
    placeholders or shared identifiers. -#}
with

events as (
    select * from {{ ref('stg_raw__events') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

final as (
    select
        events.*,
        coalesce(
            by_user_id.customer_key,
            by_email.customer_key,
            by_anonymous_id.customer_key,
            by_device_id.customer_key
        ) as customer_key,
        events.user_id is not null or events.email is not null as is_identified_event
    from events
    left join graph as by_user_id
        on by_user_id.node = {{ identity_node('customer_id', 'events.user_id') }}
    left join graph as by_email
        on by_email.node = {{ identity_node('email', 'events.email') }}
    left join graph as by_anonymous_id
        on by_anonymous_id.node = {{ identity_node('anonymous_id', 'events.anonymous_id') }}
    left join graph as by_device_id
        on by_device_id.node = {{ identity_node('device_id', 'events.device_id') }}
)

select * from final
