{#- Loyal stage or platinum/gold CLV: VIP treatment and the seed for ad lookalikes. -#}
{{ audience('vip_loyal', 'google_ads',
    "profiles.lifecycle_stage = 'loyal' or profiles.clv_tier in ('platinum', 'gold')",
    "'stage ' || profiles.lifecycle_stage || ', clv tier ' || coalesce(profiles.clv_tier, 'n/a')",
    "'vip early access'") }}
