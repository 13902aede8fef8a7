{#- Viewed products in the last browse_abandonment_window_days days, no open cart, no order since. -#}
{{ audience('browse_abandoners', 'email',
    dbt.datediff('profiles.last_product_viewed_at', 'as_of.as_of_date', 'day') ~ " <= " ~ var('browse_abandonment_window_days')
        ~ " and profiles.open_cart_items = 0 and (profiles.last_order_at is null or profiles.last_order_at < profiles.last_product_viewed_at)",
    "'viewed ' || coalesce(profiles.last_viewed_categories, 'products')",
    "'picks from ' || coalesce(profiles.favourite_category, 'bestsellers')") }}
