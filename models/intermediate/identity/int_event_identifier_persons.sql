{#- The person of every identifier set the events carry (int_event_identifiers): through its
    user_id, then email, then anonymous_id, then device_id (only usable identifiers are in the
    graph). Null when the set holds only placeholder or shared identifiers. Resolving the few
    million sets, not the tens of millions of events, is what makes events cheap to re-key when
    identity changes. -#}
with

identifier_sets as (
    select identifier_set_key, user_id, email, anonymous_id, device_id
    from {{ ref('int_event_identifiers') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

final as (
    select
        identifier_sets.identifier_set_key,
        identifier_sets.user_id,
        identifier_sets.email,
        identifier_sets.anonymous_id,
        identifier_sets.device_id,
        coalesce(
            by_user_id.customer_key,
            by_email.customer_key,
            by_anonymous_id.customer_key,
            by_device_id.customer_key
        ) as customer_key
    from identifier_sets
    left join graph as by_user_id
        on by_user_id.node = {{ identity_node('customer_id', 'identifier_sets.user_id') }}
    left join graph as by_email
        on by_email.node = {{ identity_node('email', 'identifier_sets.email') }}
    left join graph as by_anonymous_id
        on by_anonymous_id.node = {{ identity_node('anonymous_id', 'identifier_sets.anonymous_id') }}
    left join graph as by_device_id
        on by_device_id.node = {{ identity_node('device_id', 'identifier_sets.device_id') }}
)

select * from final
