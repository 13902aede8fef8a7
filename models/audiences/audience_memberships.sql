{#- Every audience in one long table: the key reverse-ETL syncs diff on is (audience, customer_key). -#}
{%- set audiences = [
    'cart_abandoners', 'browse_abandoners', 'new_customer_onboarding', 'repeat_purchase_nudge',
    'vip_loyal', 'vip_loyal_meta', 'churn_risk_high_value', 'winback_lapsed', 'loyalty_anniversary_next_7_days',
    'referral_candidates',
] -%}

with

{% for name in audiences %}
{{ name }} as (
    select * from {{ ref('audience_' ~ name) }}
),

{% endfor %}
final as (
    {% for name in audiences %}
    select * from {{ name }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    cast({{ dbt.concat(['audience', "'|'", 'customer_key']) }} as {{ dbt.type_string() }}) as membership_id,
    *
from final
