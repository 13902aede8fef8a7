{{ config(schema="intermediate") }}

{#- Who may be contacted where, and why not: the consent and suppression rules, in one place.
    Messaging channels need granted marketing consent for that channel, an address
    (email; phone for sms and whatsapp) and no unsubscribe or bounce on that channel; a complaint
    on any channel stops them all. Google ads needs ad_user_data and ad_personalization granted and
    no sale/sharing opt-out; Meta ads needs no sale/sharing opt-out; both need an email or phone.
    One boolean per reason (macros/privacy.sql lists them) and can_<channel> = no reason holds.
    Persons with a deletion request are left out here too, not only in customer_profiles: this
    model is where audiences and exports learn who may be contacted, so it must not depend on an
    upstream filter. -#}
{%- set reasons = suppression_reasons() %}
{#- the messaging channels that record marketing consent (web_push and in_app do not) #}
{%- set messaging_channels = messaging_channels() | select('in', consent_channels()) | list %}
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
    -- every `bounced` event counts as a hard bounce: the raw contract has no bounce type
    select
        graph.customer_key,
        {% for channel in messaging_channels %}
        {% set outer_last = loop.last %}
        {% for event in ['unsubscribed', 'bounced', 'complained'] %}
        max(case when message_events.channel = '{{ channel }}' and message_events.message_event = '{{ event }}'
            then 1 else 0 end) as {{ channel }}_{{ event }}{{ ',' if not (loop.last and outer_last) }}
        {% endfor %}
        {% endfor %}
    from {{ ref('stg_raw__message_events') }} as message_events
    inner join graph on graph.node = {{ identity_node('customer_id', 'message_events.customer_id') }}
    group by 1
),

flags as (
    select
        profiles.customer_key,
        {% for channel in messaging_channels %}
        not coalesce(profiles.{{ channel }}_marketing_consent = 'granted', false) as is_{{ channel }}_no_consent,
        {% if channel == 'email' %}
        not profiles.has_email as is_{{ channel }}_no_contact_details,
        {% elif channel in ('sms', 'whatsapp') %}
        not profiles.has_phone as is_{{ channel }}_no_contact_details,
        {% endif %}
        coalesce(suppressions.{{ channel }}_unsubscribed, 0) = 1 as is_{{ channel }}_unsubscribed,
        coalesce(suppressions.{{ channel }}_bounced, 0) = 1 as is_{{ channel }}_bounced,
        profiles.has_complained or coalesce(suppressions.{{ channel }}_complained, 0) = 1
            as is_{{ channel }}_complained,
        {% endfor %}
        not (
            coalesce(profiles.ads_ad_user_data_consent = 'granted', false)
            and coalesce(profiles.ads_ad_personalization_consent = 'granted', false)
        ) as is_google_ads_no_ads_consent,
        {% for channel in ads_channels() %}
        coalesce(profiles.ads_sale_or_sharing_consent = 'revoked', false) as is_{{ channel }}_sale_or_sharing_opt_out,
        not (profiles.has_email or profiles.has_phone) as is_{{ channel }}_no_contact_details{{ ',' if not loop.last }}
        {% endfor %}
    from profiles
    left join message_suppressions as suppressions
        on profiles.customer_key = suppressions.customer_key
),

final as (
    select
        customer_key,
        {% for channel, channel_reasons in reasons.items() %}
        not (
            {%- for reason in channel_reasons %}
            is_{{ channel }}_{{ reason }}{{ ' or' if not loop.last }}
            {%- endfor %}
        ) as can_{{ channel }},
        {% endfor %}
        {% for channel, channel_reasons in reasons.items() %}
        {% set outer_last = loop.last %}
        {% for reason in channel_reasons %}
        is_{{ channel }}_{{ reason }}{{ ',' if not (loop.last and outer_last) }}
        {% endfor %}
        {% endfor %}
    from flags
)

select * from final
