{#- Why a person may not be contacted on a channel: channel -> reasons. int_customer_reachability
    has one boolean is_<channel>_<reason> per pair (and can_<channel> = none of them holds);
    privacy_suppressions counts each pair. One list, so the two cannot drift apart.
    Push needs no address (the device token is the tool's business), so it has no
    no_contact_details reason. -#}
{% macro suppression_reasons() %}
    {%- set messaging = ['no_consent', 'no_contact_details', 'unsubscribed', 'bounced', 'complained'] -%}
    {{ return({
        'email': messaging,
        'sms': messaging,
        'push': ['no_consent', 'unsubscribed', 'bounced', 'complained'],
        'whatsapp': messaging,
        'google_ads': ['no_ads_consent', 'sale_or_sharing_opt_out', 'no_contact_details'],
        'meta_ads': ['sale_or_sharing_opt_out', 'no_contact_details'],
    }) }}
{% endmacro %}


{#- Every value of privacy_suppressions.suppression_reason: deletion_request (channel all),
    any_reason per channel, then each reason of suppression_reasons once. -#}
{% macro privacy_suppression_reasons() %}
    {%- set values = ['deletion_request', 'any_reason'] -%}
    {%- for channel_reasons in suppression_reasons().values() -%}
        {%- for reason in channel_reasons if reason not in values -%}
            {%- do values.append(reason) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(values) }}
{% endmacro %}
