{{ config(schema="intermediate") }}

{#- Who may be contacted where: consent and suppression in one place (SPEC "Consent rules").
    Messaging channels need granted marketing consent for that channel and no unsubscribe,
    bounce or complaint on it; Google ads needs ad_user_data and ad_personalization granted and
    no sale/sharing opt-out; Meta ads needs no sale/sharing opt-out. Persons with a deletion
    request are left out here too, not only in customer_profiles: this model is where audiences
    and exports learn who may be contacted, so it must not depend on an upstream filter. -#}
with

deleted as (
    select customer_key from {{ ref('int_deleted_customer_keys') }}
),

profiles as (
    select * from {{ ref('customer_profiles') }}
    where customer_id is not null
        and customer_key not in (select customer_key from deleted)
),

graph as (
    select node, customer_key from {{ ref('int_identity_graph') }}
),

message_suppressions as (
    select
        graph.customer_key,
        message_events.channel,
        max(case when message_events.message_event = 'unsubscribed' then 1 else 0 end) as is_unsubscribed,
        max(case when message_events.message_event in ('bounced', 'complained') then 1 else 0 end)
            as is_undeliverable
    from {{ ref('stg_raw__message_events') }} as message_events
    inner join graph on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    group by 1, 2
),

{%- set channels = ['email', 'sms', 'push', 'whatsapp'] %}

final as (
    select
        profiles.customer_key,
        {% for channel in channels %}
        coalesce(profiles.{{ channel }}_marketing_consent = 'granted', false)
            {% if channel == 'email' %}and profiles.has_email{% elif channel in ('sms', 'whatsapp') %}and profiles.has_phone{% endif %}
            and coalesce(max(case when suppressions.channel = '{{ channel }}'
                then suppressions.is_unsubscribed + suppressions.is_undeliverable end), 0) = 0
            and not profiles.has_complained
            as can_{{ channel }},
        {% endfor %}
        coalesce(profiles.ads_ad_user_data_consent = 'granted', false)
            and coalesce(profiles.ads_ad_personalization_consent = 'granted', false)
            and coalesce(profiles.ads_sale_or_sharing_consent, 'granted') != 'revoked'
            and (profiles.has_email or profiles.has_phone) as can_google_ads,
        coalesce(profiles.ads_sale_or_sharing_consent, 'granted') != 'revoked'
            and (profiles.has_email or profiles.has_phone) as can_meta_ads
    from profiles
    left join message_suppressions as suppressions
        on profiles.customer_key = suppressions.customer_key
    group by
        profiles.customer_key,
        {% for channel in channels %}profiles.{{ channel }}_marketing_consent, {% endfor %}
        profiles.has_email, profiles.has_phone, profiles.has_complained,
        profiles.ads_ad_user_data_consent, profiles.ads_ad_personalization_consent,
        profiles.ads_sale_or_sharing_consent
)

select * from final
