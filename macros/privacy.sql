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
