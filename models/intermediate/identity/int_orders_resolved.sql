{#- Staged orders with the resolved person. The person is found through the order's strongest
    usable identifier: customer_id, then email, then anonymous_id. An order with none (a guest
    checkout with a placeholder email) is its own person. The identifiers themselves are not
    carried on (the person is customer_key; int_persons holds who they are): only the email of
    an order that is its own person, which names that person. So a person with a deletion request
    is named here by nothing but their key, while their orders still count in revenue. -#}
with

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

resolved as (
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
),

final as (
    select
        -- ids
        order_id,
        customer_key,

        -- strings
        case when resolved_by = 'order_id' then email end as email,
        resolved_by,
        status,
        original_currency_code,
        discount_code,
        sales_channel,

        -- numerics
        total_amount,
        discount_amount,
        shipping_amount,
        tax_amount,
        original_total_amount,

        -- booleans
        is_completed,
        is_guest_checkout,

        -- timestamps
        ordered_at,
        updated_at,
        _loaded_at
    from resolved
)

select * from final
