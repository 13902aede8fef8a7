{#- Lapsed customers (no order for churned_days). -#}
{{ audience('winback_lapsed', 'email',
    "profiles.lifecycle_stage = 'lapsed'",
    "'last order ' || cast(profiles.days_since_last_order as " ~ dbt.type_string() ~ ") || ' days ago'",
    "case when profiles.discount_affinity >= 0.3 then '25% comeback offer' else 'new in ' || coalesce(profiles.favourite_category, 'store') end") }}
