{#- The VIP / loyal rule, written once for the lists that share it: audience_vip_loyal (Google
    Customer Match) and audience_vip_loyal_meta (Meta Custom Audiences). Each list applies its own
    platform's consent rule (macros/audience.sql), so one person can be on one list and not the
    other; the rule that makes someone a VIP is the same. -#}
{% macro vip_loyal_rule() %}
    {{ return({
        'condition': "profiles.lifecycle_stage = 'loyal' or profiles.clv_tier in ('platinum', 'gold')",
        'reason': "'stage ' || profiles.lifecycle_stage || ', clv tier ' || coalesce(profiles.clv_tier, 'n/a')",
        'offer': "'vip early access'",
    }) }}
{% endmacro %}
