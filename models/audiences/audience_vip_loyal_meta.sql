{#- The VIP / loyal list for Meta Custom Audiences (and Meta lookalikes): the rule of
    audience_vip_loyal, Meta's consent rule (no sale/sharing opt-out). -#}
{%- set vip = vip_loyal_rule() %}
{{ audience('vip_loyal_meta', 'meta_ads', vip.condition, vip.reason, vip.offer) }}
