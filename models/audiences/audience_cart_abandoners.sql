{#- Open cart updated in the last cart_abandonment_window_days days. -#}
{{ audience('cart_abandoners', 'email',
    "profiles.open_cart_items > 0 and " ~ dbt.datediff('profiles.open_cart_updated_at', 'as_of.as_of_date', 'day') ~ " <= " ~ var('cart_abandonment_window_days'),
    "'open cart of ' || cast(profiles.open_cart_items as " ~ dbt.type_string() ~ ") || ' items'",
    "case when profiles.discount_affinity >= 0.3 then '10% off your cart' else 'free shipping on your cart' end") }}
