{#- Every closed list of values the warehouse knows, once, in its order (DECISIONLOG "Enumerations
    in one place"). Models loop over these macros, staging checks test against them
    (`in {{ sql_values(order_statuses()) }}`), the yml `accepted_values` tests take their
    values from them (`values: "{{ lifecycle_stages() }}"`), and Python reads the same lists from
    dbt's manifest (lifecycle.manifest resolves these calls; lifecycle.enumerations). Each macro
    returns a literal list built from literals and the macros above it, nothing read from the
    database, so Python can evaluate it without dbt. A rule that gives a row one of the values
    (macro lifecycle_stage, customer_rfm's segment map) names it; nothing else lists them
    (tests/python/test_one_place.py fails on a second list). -#}


{#- Lifecycle stages, in lifecycle order: the values of macro lifecycle_stage, the columns of
    customer_lifecycle_flow_matrix and the order of the report's stage charts. -#}
{% macro lifecycle_stages() -%}
    {{ return(['anonymous_visitor', 'lead', 'new_customer', 'active', 'loyal', 'at_risk', 'lapsed', 'reactivated']) }}
{%- endmacro %}

{#- The stage a transition comes from: a person's first period comes from new_to_warehouse. -#}
{% macro lifecycle_from_stages() -%}
    {{ return(['new_to_warehouse'] + lifecycle_stages()) }}
{%- endmacro %}

{#- The marketing funnel, top to bottom (marketing_funnel.stage_number is the position). -#}
{% macro funnel_stages() -%}
    {{ return(['awareness', 'desire', 'intent', 'decision', 'action', 'loyalty']) }}
{%- endmacro %}

{#- Messaging channels of message_events and campaigns. -#}
{% macro messaging_channels() -%}
    {{ return(['email', 'sms', 'push', 'whatsapp', 'web_push', 'in_app']) }}
{%- endmacro %}

{#- Ad platforms an audience can be uploaded to (lifecycle export writes their upload files). -#}
{% macro ads_channels() -%}
    {{ return(['google_ads', 'meta_ads']) }}
{%- endmacro %}

{#- Channels an audience can be for. -#}
{% macro audience_channels() -%}
    {{ return(messaging_channels() + ads_channels()) }}
{%- endmacro %}

{#- Consent: the purposes each consent channel records (raw consents' channel and purpose).
    A messaging channel records marketing consent; `ads` records Google's EU consents and the
    CCPA sale/sharing opt-out. int_customer_consents has one column per pair. -#}
{% macro consent_purposes_by_channel() -%}
    {{ return({
        'email': ['marketing'],
        'sms': ['marketing'],
        'push': ['marketing'],
        'whatsapp': ['marketing'],
        'ads': ['ad_user_data', 'ad_personalization', 'sale_or_sharing'],
    }) }}
{%- endmacro %}

{% macro consent_channels() -%}
    {{ return(consent_purposes_by_channel().keys() | list) }}
{%- endmacro %}

{% macro consent_purposes() -%}
    {%- set purposes = [] -%}
    {%- for channel_purposes in consent_purposes_by_channel().values() -%}
        {%- for purpose in channel_purposes if purpose not in purposes -%}
            {%- do purposes.append(purpose) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(purposes) }}
{%- endmacro %}

{% macro consent_statuses() -%}
    {{ return(['granted', 'revoked']) }}
{%- endmacro %}

{#- Raw contract values checked in staging (a row with another value is quarantined as
    invalid_value). -#}
{% macro order_statuses() -%}
    {{ return(['completed', 'cancelled', 'refunded', 'pending']) }}
{%- endmacro %}

{% macro message_event_types() -%}
    {{ return(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed', 'complained']) }}
{%- endmacro %}

{#- Segment call types. -#}
{% macro event_types() -%}
    {{ return(['track', 'page', 'screen', 'identify']) }}
{%- endmacro %}

{% macro survey_types() -%}
    {{ return(['nps', 'csat']) }}
{%- endmacro %}

{#- The raw tables of the contract (models/staging/raw/_raw__sources.yml), in delivery order:
    the ones quarantined_rows, nulled_values and data_quality_summary cover. -#}
{% macro raw_tables() -%}
    {{ return([
        'orders', 'order_items', 'products', 'customers', 'events', 'message_events',
        'campaigns', 'consents', 'deletion_requests', 'survey_responses', 'referrals',
        'loyalty_transactions',
    ]) }}
{%- endmacro %}

{#- Why a raw row is quarantined (macros/staging/quarantine.sql and the base_raw__ models). -#}
{% macro quarantine_reasons() -%}
    {{ return([
        'null_key', 'missing_value', 'unparseable_timestamp', 'unparseable_number',
        'future_timestamp', 'implausible_timestamp', 'invalid_value', 'unknown_currency',
        'negative_amount', 'malformed_email', 'duplicate', 'superseded',
    ]) }}
{%- endmacro %}

{#- Why an optional value is nulled in a staged row (macros/staging/optional_fields.sql). -#}
{% macro nulled_value_reasons() -%}
    {{ return(['unparseable_timestamp', 'unparseable_number', 'future_timestamp', 'implausible_timestamp', 'negative_amount', 'malformed_email']) }}
{%- endmacro %}

{#- Personas in priority order: a buyer matching several rules gets the first (customer_personas). -#}
{% macro personas() -%}
    {{ return(['innovator', 'bargain_hunter', 'brand_loyalist', 'value_shopper', 'impulse_buyer']) }}
{%- endmacro %}

{#- RFM segments, best first (customer_rfm maps the scores to them); Prospects have no order. -#}
{% macro rfm_segments() -%}
    {{ return([
        'Champions', 'Loyal', 'Potential Loyalist', 'New', 'Promising', 'Need Attention',
        'About to Sleep', 'At Risk', 'Cannot Lose Them', 'Hibernating', 'Prospects',
    ]) }}
{%- endmacro %}

{#- CLV tiers by predicted CLV rank, top first (lifecycle.modelling.btyd assigns them). -#}
{% macro clv_tiers() -%}
    {{ return(['platinum', 'gold', 'silver', 'bronze', 'medium', 'low']) }}
{%- endmacro %}

{#- Loyalty tiers by points balance, lowest first (thresholds: vars loyalty_tier_*_points). -#}
{% macro loyalty_tiers() -%}
    {{ return(['bronze', 'silver', 'gold', 'platinum']) }}
{%- endmacro %}

{#- What the predictive models write (lifecycle.modelling): the classifier tasks, the role of a
    model in an evaluation, the BTYD models and their parameters, the BTYD time unit. -#}
{% macro model_tasks() -%}
    {{ return(['purchase', 'churn']) }}
{%- endmacro %}

{% macro model_roles() -%}
    {{ return(['chosen', 'candidate', 'baseline']) }}
{%- endmacro %}

{#- The models that give P(alive) (one of them is chosen per build), then the spend model. -#}
{% macro alive_models() -%}
    {{ return(['bgnbd', 'mbgnbd']) }}
{%- endmacro %}

{% macro clv_models() -%}
    {{ return(alive_models() + ['gamma_gamma']) }}
{%- endmacro %}

{#- BG/NBD and MBG/NBD: r, alpha, a, b; Gamma-Gamma: p, q, v. -#}
{% macro clv_parameters() -%}
    {{ return(['r', 'alpha', 'a', 'b', 'p', 'q', 'v']) }}
{%- endmacro %}

{% macro clv_time_units() -%}
    {{ return(['day', 'week']) }}
{%- endmacro %}


{#- A list as an SQL value list, for `in`: ('a', 'b'). -#}
{% macro sql_values(values) -%}
    ({%- for value in values -%}
        '{{ value | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%})
{%- endmacro %}
