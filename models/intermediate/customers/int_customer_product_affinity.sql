{#- What each person buys and browses: favourite category and brand (most units bought, ties
    by name), the last viewed products and categories, and the open cart (products added after
    the person's last completed order and not removed since, quantities net of removals), all
    up to as_of_date. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders as (
    select orders.order_id, orders.customer_key, orders.ordered_at
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed and orders.ordered_at < as_of.as_of_at
),

items as (
    select
        orders.customer_key,
        products.category,
        products.brand,
        order_items.quantity
    from {{ ref('stg_raw__order_items') }} as order_items
    inner join orders on order_items.order_id = orders.order_id
    left join {{ ref('stg_raw__products') }} as products
        on order_items.product_id = products.product_id
),

{% for dimension in ['category', 'brand'] %}
favourite_{{ dimension }} as (
    select customer_key, {{ dimension }} as favourite_{{ dimension }}
    from (
        select
            customer_key,
            {{ dimension }},
            row_number() over (
                partition by customer_key order by sum(quantity) desc, {{ dimension }}
            ) as rank_in_customer
        from items
        where {{ dimension }} is not null
        group by customer_key, {{ dimension }}
    ) as ranked
    where rank_in_customer = 1
),

{% endfor %}
product_events as (
    select
        persons.customer_key,
        events.event_name,
        events.event_at,
        events.product_id,
        events.product_category as category,
        events.product_price as price,
        events.product_quantity as quantity
    from {{ ref('int_product_events') }} as events
    inner join {{ ref('int_event_identifier_persons') }} as persons
        on events.identifier_set_key = persons.identifier_set_key
    cross join as_of
    where persons.customer_key is not null
        and events.event_at < as_of.as_of_at
),

views_ranked as (
    select
        customer_key,
        product_id,
        category,
        event_at as viewed_at,
        row_number() over (partition by customer_key order by event_at desc, product_id) as recency_rank
    from product_events
    where event_name = 'Product Viewed' and product_id is not null
),

last_viewed as (
    select
        customer_key,
        max(viewed_at) as last_product_viewed_at,
        {{ dbt.listagg('product_id', "','", 'order by recency_rank') }} as last_viewed_products,
        {{ dbt.listagg('category', "','", 'order by recency_rank') }} as last_viewed_categories
    from views_ranked
    where recency_rank <= 3
    group by 1
),

last_order as (
    select customer_key, max(ordered_at) as last_order_at from orders group by 1
),

cart_events as (
    -- changes to the cart since the last completed order: + units added, - units removed
    select
        product_events.customer_key,
        product_events.product_id,
        product_events.event_at,
        product_events.price,
        case when product_events.event_name = 'Product Added' then product_events.quantity
            else -product_events.quantity end as quantity_change
    from product_events
    left join last_order on product_events.customer_key = last_order.customer_key
    where product_events.event_name in ('Product Added', 'Product Removed')
        and (last_order.last_order_at is null or product_events.event_at > last_order.last_order_at)
),

cart_running as (
    -- units of the product after each change (changes at the same instant count together)
    select
        cart_events.*,
        sum(quantity_change) over (
            partition by customer_key, product_id
            order by event_at
            range between unbounded preceding and current row
        ) as running_quantity
    from cart_events
),

cart_lines as (
    -- a cart line never holds fewer than 0 units (a removal from an empty cart removes nothing),
    -- so its units are the running total minus its lowest point below zero
    select
        customer_key,
        product_id,
        sum(quantity_change)
            - case when min(running_quantity) < 0 then min(running_quantity) else 0 end as quantity,
        max(case when quantity_change > 0 then event_at end) as last_added_at,
        max(event_at) as changed_at
    from cart_running
    group by 1, 2
),

cart_line_prices as (
    -- the price of the line's latest add (the highest, if several at that instant)
    select cart_lines.customer_key, cart_lines.product_id, max(cart_events.price) as price
    from cart_lines
    inner join cart_events
        on cart_lines.customer_key = cart_events.customer_key
        and (cart_lines.product_id = cart_events.product_id
            or (cart_lines.product_id is null and cart_events.product_id is null))
        and cart_lines.last_added_at = cart_events.event_at
        and cart_events.quantity_change > 0
    group by 1, 2
),

open_cart as (
    -- persons with at least one unit in the cart; updated by their latest add or removal
    select
        cart_lines.customer_key,
        sum(case when cart_lines.quantity > 0 then cart_lines.quantity else 0 end) as open_cart_items,
        sum(case when cart_lines.quantity > 0 then cart_lines.quantity * cart_line_prices.price end)
            as open_cart_value,
        max(cart_lines.changed_at) as open_cart_updated_at
    from cart_lines
    left join cart_line_prices
        on cart_lines.customer_key = cart_line_prices.customer_key
        and (cart_lines.product_id = cart_line_prices.product_id
            or (cart_lines.product_id is null and cart_line_prices.product_id is null))
    group by 1
    having sum(case when cart_lines.quantity > 0 then cart_lines.quantity else 0 end) > 0
),

people as (
    select customer_key from orders
    union
    select customer_key from product_events
),

final as (
    select
        people.customer_key,
        favourite_category.favourite_category,
        favourite_brand.favourite_brand,
        last_viewed.last_viewed_products,
        last_viewed.last_viewed_categories,
        last_viewed.last_product_viewed_at,
        coalesce(open_cart.open_cart_items, 0) as open_cart_items,
        coalesce(open_cart.open_cart_value, 0) as open_cart_value,
        open_cart.open_cart_updated_at
    from people
    left join favourite_category on people.customer_key = favourite_category.customer_key
    left join favourite_brand on people.customer_key = favourite_brand.customer_key
    left join last_viewed on people.customer_key = last_viewed.customer_key
    left join open_cart on people.customer_key = open_cart.customer_key
)

select * from final
