{#- New customers (first order within new_customer_days). -#}
{{ audience('new_customer_onboarding', 'email',
    "profiles.lifecycle_stage = 'new_customer'",
    "'first order on ' || cast(cast(profiles.first_order_at as date) as " ~ dbt.type_string() ~ ")",
    "'welcome series'") }}
