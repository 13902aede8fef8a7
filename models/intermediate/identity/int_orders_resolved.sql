{#- Staged orders with the resolved person. The person is found through the order's strongest
    usable identifier: customer_id, then email, then anonymous_id. An order with none (a guest
    checkout with a placeholder email) is its own person. -#}
with

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

final as (
    select
        orders.*,
        coalesce(
            by_customer_id.customer_key,
            by_email.customer_key,
            by_anonymous_id.customer_key,
            {{ dbt.hash(dbt.concat(["'9|order:'", 'orders.order_id'])) }}
        ) as customer_key,
        case
            when by_customer_id.customer_key is not null then 'customer_id'
            when by_email.customer_key is not null then 'email'
            when by_anonymous_id.customer_key is not null then 'anonymous_id'
            else 'order_id'
        end as resolved_by
    from orders
    left join graph as by_customer_id
        on by_customer_id.node = {{ identity_node('customer_id', 'orders.customer_id') }}
    left join graph as by_email
        on by_email.node = {{ identity_node('email', 'orders.email') }}
    left join graph as by_anonymous_id
        on by_anonymous_id.node = {{ identity_node('anonymous_id', 'orders.anonymous_id') }}
)

select * from final
