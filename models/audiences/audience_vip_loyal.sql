{#- Loyal stage or platinum/gold CLV: VIP treatment and the seed for ad lookalikes, on Google
    (the Meta list is audience_vip_loyal_meta; the rule is macros/audience_vip_loyal.sql). -#}
{%- set vip = vip_loyal_rule() %}
{{ audience('vip_loyal', 'google_ads', vip.condition, vip.reason, vip.offer) }}
