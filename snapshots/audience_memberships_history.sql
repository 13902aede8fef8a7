{#- Membership history: when each person entered and left each audience (dbt_valid_from/to),
    so audience size over time and rows added/removed per build are queryable. People with a
    deletion request are purged from the history too (post-hook), not only from today's rows. -#}
{% snapshot audience_memberships_history %}

{{
    config(
        target_schema='audiences',
        unique_key='membership_id',
        strategy='check',
        check_cols=['reason', 'recommended_offer', 'channel'],
        hard_deletes='invalidate',
        post_hook="delete from {{ this }} where customer_key in (select customer_key from {{ ref('int_deleted_customer_keys') }})",
    )
}}

select membership_id, audience, customer_key, customer_id, channel, reason, recommended_offer, computed_at
from {{ ref('audience_memberships') }}

{% endsnapshot %}
