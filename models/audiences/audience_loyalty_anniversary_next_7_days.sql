{#- First-purchase anniversary within the next 7 days. -#}
{{ audience('loyalty_anniversary_next_7_days', 'email',
    "profiles.next_loyalty_anniversary is not null and " ~ dbt.datediff('as_of.as_of_date', 'profiles.next_loyalty_anniversary', 'day') ~ " between 0 and 7 and profiles.next_loyalty_anniversary > cast(profiles.first_order_at as date)",
    "'anniversary on ' || cast(profiles.next_loyalty_anniversary as " ~ dbt.type_string() ~ ")",
    "'anniversary bonus points'") }}
