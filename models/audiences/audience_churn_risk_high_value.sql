{#- High churn probability and a valuable CLV tier. -#}
{%- set tiers = "'" ~ var('churn_risk_clv_tiers') | join("', '") ~ "'" -%}
{{ audience('churn_risk_high_value', 'email',
    "profiles.churn_probability >= " ~ var('churn_risk_min_probability') ~ " and profiles.clv_tier in (" ~ tiers ~ ")",
    "'churn probability ' || cast(round(profiles.churn_probability, 2) as " ~ dbt.type_string() ~ ")",
    "'we miss you: 20% off'") }}
