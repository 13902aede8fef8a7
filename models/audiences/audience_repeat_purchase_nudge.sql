{#- One-order customers between repeat_nudge_min_days and repeat_nudge_max_days after it. -#}
{{ audience('repeat_purchase_nudge', 'email',
    "profiles.orders = 1 and profiles.days_since_last_order between " ~ var('repeat_nudge_min_days') ~ " and " ~ var('repeat_nudge_max_days'),
    "'one order, ' || cast(profiles.days_since_last_order as " ~ dbt.type_string() ~ ") || ' days ago'",
    "case when profiles.discount_affinity >= 0.5 then '15% off the second order' else 'recommended: ' || coalesce(profiles.favourite_category, 'bestsellers') end") }}
