{#- Who may be contacted where, and why not: the consent and suppression rules, in one place.
    Messaging channels need granted marketing consent for that channel, an address
    (email; phone for sms and whatsapp) and no unsubscribe or bounce on that channel; a complaint
    on any channel stops them all. Google ads needs ad_user_data and ad_personalization granted and
    no sale/sharing opt-out; Meta ads needs no sale/sharing opt-out; both need an email or phone.
    One boolean per reason (macros/privacy.sql lists them) and can_<channel> = no reason holds.
    One row per person in scope with a customer_id (int_persons_in_scope: nobody with a deletion
    request), read from the intermediate models the profile is built from, never from a mart:
    this model is where audiences and exports learn who may be contacted. -#}
{%- set reasons = suppression_reasons() %}
{#- the messaging channels that record marketing consent (web_push and in_app do not) #}
{%- set messaging_channels = messaging_channels() | select('in', consent_channels()) | list %}
with

persons as (
    select customer_key from {{ ref('int_persons_in_scope') }}
    where customer_id is not null
),

contacts as (
    select customer_key, email, phone_e164 from {{ ref('int_customer_contact_details') }}
),

consents as (
    select * from {{ ref('int_customer_consents') }}
),

messaging as (
    -- complaints on any channel up to as_of_date (customer_profiles.has_complained)
    select customer_key, complaints from {{ ref('int_customer_messaging') }}
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
        persons.customer_key,
        {% for channel in messaging_channels %}
        not coalesce(consents.{{ channel }}_marketing_consent = 'granted', false) as is_{{ channel }}_no_consent,
        {% if channel == 'email' %}
        contacts.email is null as is_{{ channel }}_no_contact_details,
        {% elif channel in ('sms', 'whatsapp') %}
        contacts.phone_e164 is null as is_{{ channel }}_no_contact_details,
        {% endif %}
        coalesce(suppressions.{{ channel }}_unsubscribed, 0) = 1 as is_{{ channel }}_unsubscribed,
        coalesce(suppressions.{{ channel }}_bounced, 0) = 1 as is_{{ channel }}_bounced,
        coalesce(messaging.complaints, 0) > 0 or coalesce(suppressions.{{ channel }}_complained, 0) = 1
            as is_{{ channel }}_complained,
        {% endfor %}
        -- sqlfluff parses a `not (` select target as a call of a function `not`: its LT01, LT06 are off here
        not (  -- noqa: LT01, LT06
            coalesce(consents.ads_ad_user_data_consent = 'granted', false)
            and coalesce(consents.ads_ad_personalization_consent = 'granted', false)
        ) as is_google_ads_no_ads_consent,
        {% for channel in ads_channels() %}
        coalesce(consents.ads_sale_or_sharing_consent = 'revoked', false) as is_{{ channel }}_sale_or_sharing_opt_out,
        contacts.email is null and contacts.phone_e164 is null as is_{{ channel }}_no_contact_details{{ ',' if not loop.last }}
        {% endfor %}
    from persons
    left join contacts on persons.customer_key = contacts.customer_key
    left join consents on persons.customer_key = consents.customer_key
    left join messaging on persons.customer_key = messaging.customer_key
    left join message_suppressions as suppressions
        on persons.customer_key = suppressions.customer_key
),

final as (
    select
        customer_key,
        {% for channel, channel_reasons in reasons.items() %}
        -- noqa: disable=LT01,LT06
        not (
            {%- for reason in channel_reasons %}
            is_{{ channel }}_{{ reason }}{{ ' or' if not loop.last }}
            {%- endfor %}
        ) as can_{{ channel }},
        -- noqa: enable=LT01,LT06
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
