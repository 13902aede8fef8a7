{#- One persona per buyer, from behaviour up to as_of_date, each an explainable rule on one
    measure (thresholds are vars; rules in _segments__models.yml). A buyer matching several
    rules gets the first in this order (the rarest, most specific signal first; impulse last,
    because a view on an untracked device makes any purchase look impulsive), and the
    is_<persona> flags show every match:
      innovator       share of order lines bought soon after the product's launch
      bargain_hunter  share of completed orders with a discount
      brand_loyalist  share of units from the buyer's top brand (over enough units)
      value_shopper   mean price of the products bought against their category's mean price
      impulse_buyer   mean hours from first viewing a product to buying it
    Buyers with fewer than persona_min_orders completed orders have no persona (too little
    behaviour to tell); a measure without data (no product views, no launch dates) is null and
    its rule does not match. The bargain hunter rule needs the orders only (their discount amount
    or code), so an orders-only shop gets it; when no order of the shop carries either column the
    shop's discounts are unknown, and the share is null rather than 0. -#}
with

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

persons as (
    select customer_key from {{ ref('int_persons_in_scope') }}
),

order_summary as (
    select customer_key, orders, discount_affinity
    from {{ ref('int_customer_order_summary') }}
    where orders > 0
),

orders as (
    select orders.order_id, orders.customer_key, orders.ordered_at
    from {{ ref('int_orders_resolved') }} as orders
    cross join as_of
    where orders.is_completed and orders.ordered_at < as_of.as_of_at
),

shop_discounts as (
    -- does the export record discounts at all? (CDNOW-style exports carry no such column)
    select count(*) > 0 as has_discount_data
    from {{ ref('int_orders_resolved') }}
    where discount_amount is not null or discount_code is not null
),

products as (
    select product_id, category, brand, price, launched_at
    from {{ ref('stg_raw__products') }}
),

category_prices as (
    select category, cast(avg(price) as decimal(18, 6)) as category_mean_price
    from products
    where category is not null and price > 0
    group by 1
),

lines as (
    select
        orders.customer_key,
        orders.order_id,
        orders.ordered_at,
        order_items.product_id,
        coalesce(order_items.quantity, 1) as quantity,
        products.brand,
        products.price,
        products.launched_at,
        category_prices.category_mean_price
    from {{ ref('stg_raw__order_items') }} as order_items
    inner join orders on order_items.order_id = orders.order_id
    left join products on order_items.product_id = products.product_id
    left join category_prices on products.category = category_prices.category
),

product_views as (
    select
        persons.customer_key,
        events.product_id,
        events.event_at as viewed_at
    from {{ ref('int_product_events') }} as events
    inner join {{ ref('int_event_identifier_persons') }} as persons
        on events.identifier_set_key = persons.identifier_set_key
    cross join as_of
    where persons.customer_key is not null
        and events.event_name = 'Product Viewed'
        and events.event_at < as_of.as_of_at
),

first_view_before_purchase as (
    -- per order line: the first time the buyer viewed that product before ordering it
    select
        lines.customer_key,
        lines.order_id,
        lines.product_id,
        lines.ordered_at,
        min(product_views.viewed_at) as first_viewed_at
    from lines
    inner join product_views
        on lines.customer_key = product_views.customer_key
        and lines.product_id = product_views.product_id
        and lines.ordered_at >= product_views.viewed_at
    group by 1, 2, 3, 4
),

view_to_purchase as (
    -- an exact integer sum divided once: a float average depends on the summing order, and
    -- its last bits can flip the rounding between two builds of the same data
    select
        customer_key,
        sum({{ dbt.datediff('first_viewed_at', 'ordered_at', 'minute') }}) / (60.0 * count(*))
            as avg_hours_view_to_purchase
    from first_view_before_purchase
    group by 1
),

brand_units as (
    select customer_key, brand, sum(quantity) as units
    from lines
    where brand is not null
    group by 1, 2
),

brand_concentration as (
    select
        customer_key,
        sum(units) as branded_units,
        max(units) as top_brand_units
    from brand_units
    group by 1
),

line_measures as (
    select
        customer_key,
        count(*) as order_lines,
        -- lines of products with a known launch date bought on or after it
        sum(case when launched_at is not null and ordered_at >= launched_at then 1 else 0 end)
            as lines_after_launch,
        sum(case when launched_at is not null and ordered_at >= launched_at
            and {{ dbt.datediff('launched_at', 'ordered_at', 'day') }} <= {{ var('persona_innovator_launch_days') }}
            then 1 else 0 end) as early_lines,
        -- each ratio as a decimal, so the average is exact whatever the summing order
        avg(case when price > 0 and category_mean_price > 0
            then cast(price / category_mean_price as decimal(18, 6)) end) as price_index
    from lines
    group by 1
),

measures as (
    -- rounded to 4 decimals before the rules, so a rule reads exactly the value published
    select
        order_summary.customer_key,
        order_summary.orders,
        case when shop_discounts.has_discount_data then round(order_summary.discount_affinity, 4) end
            as discount_order_share,
        round(case when line_measures.lines_after_launch > 0
            then 1.0 * line_measures.early_lines / line_measures.lines_after_launch end, 4) as early_adopter_share,
        coalesce(brand_concentration.branded_units, 0) as branded_units,
        round(case when brand_concentration.branded_units > 0
            then 1.0 * brand_concentration.top_brand_units / brand_concentration.branded_units end, 4)
            as top_brand_share,
        round(view_to_purchase.avg_hours_view_to_purchase, 4) as avg_hours_view_to_purchase,
        round(line_measures.price_index, 4) as price_index
    from order_summary
    inner join persons on order_summary.customer_key = persons.customer_key
    cross join shop_discounts
    left join line_measures on order_summary.customer_key = line_measures.customer_key
    left join brand_concentration on order_summary.customer_key = brand_concentration.customer_key
    left join view_to_purchase on order_summary.customer_key = view_to_purchase.customer_key
),

flags as (
    select
        measures.*,
        orders >= {{ var('persona_min_orders') }} as has_enough_history,
        coalesce(discount_order_share >= {{ var('persona_bargain_hunter_min_discount_share') }}, false)
            as is_bargain_hunter,
        coalesce(early_adopter_share >= {{ var('persona_innovator_min_early_share') }}, false)
            as is_innovator,
        coalesce(top_brand_share >= {{ var('persona_brand_loyalist_min_brand_share') }}
            and branded_units >= {{ var('persona_brand_loyalist_min_units') }}, false)
            as is_brand_loyalist,
        coalesce(avg_hours_view_to_purchase <= {{ var('persona_impulse_max_hours') }}, false)
            as is_impulse_buyer,
        coalesce(price_index <= {{ var('persona_value_shopper_max_price_index') }}, false)
            as is_value_shopper
    from measures
),

final as (
    select
        -- ids
        customer_key,

        -- strings
        case
            when not has_enough_history then null
            when is_innovator then 'innovator'
            when is_bargain_hunter then 'bargain_hunter'
            when is_brand_loyalist then 'brand_loyalist'
            when is_value_shopper then 'value_shopper'
            when is_impulse_buyer then 'impulse_buyer'
        end as persona,

        -- numerics
        cast(orders as {{ dbt.type_bigint() }}) as orders,
        cast(discount_order_share as double) as discount_order_share,
        cast(early_adopter_share as double) as early_adopter_share,
        cast(top_brand_share as double) as top_brand_share,
        cast(branded_units as {{ dbt.type_bigint() }}) as branded_units,
        cast(avg_hours_view_to_purchase as double) as avg_hours_view_to_purchase,
        cast(price_index as double) as price_index,

        -- booleans
        has_enough_history,
        has_enough_history and is_bargain_hunter as is_bargain_hunter,
        has_enough_history and is_innovator as is_innovator,
        has_enough_history and is_brand_loyalist as is_brand_loyalist,
        has_enough_history and is_impulse_buyer as is_impulse_buyer,
        has_enough_history and is_value_shopper as is_value_shopper

    from flags
)

select * from final
