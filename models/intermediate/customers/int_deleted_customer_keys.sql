{#- Persons with a deletion request (by customer_id or email). Everything downstream of
    staging that describes people anti-joins this model. -#}
with

requests as (
    select customer_id, email, requested_at from {{ ref('stg_raw__deletion_requests') }}
),

nodes as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

matched as (
    select nodes.customer_key, requests.requested_at
    from requests
    inner join nodes on nodes.node = {{ identity_node('customer_id', 'requests.customer_id') }}
    union all
    select nodes.customer_key, requests.requested_at
    from requests
    inner join nodes on nodes.node = {{ identity_node('email', 'requests.email') }}
    union all
    -- guest orders resolved to themselves (placeholder emails) are matched by their email
    select orders.customer_key, requests.requested_at
    from requests
    inner join {{ ref('int_orders_resolved') }} as orders
        on requests.email = orders.email and orders.resolved_by = 'order_id'
)

select customer_key, min(requested_at) as requested_at
from matched
group by 1
