{#- Audit of who was kept out of audiences and why, as counts only (no identifiers of the
    people concerned, so the audit itself holds nothing a deletion request covers). -#}
with

deleted as (
    select count(*) as people from {{ ref('int_deleted_customer_keys') }}
),

reachability as (
    select * from {{ ref('int_customer_reachability') }}
),

final as (
    select
        cast('deletion_request' as {{ dbt.type_string() }}) as suppression_reason,
        cast('all' as {{ dbt.type_string() }}) as channel,
        cast(people as {{ dbt.type_bigint() }}) as people
    from deleted
    {% for channel in ['email', 'sms', 'push', 'whatsapp', 'google_ads', 'meta_ads'] %}
    union all
    select
        'no_consent_or_suppressed' as suppression_reason,
        '{{ channel }}' as channel,
        cast(coalesce(sum(case when can_{{ channel }} then 0 else 1 end), 0) as {{ dbt.type_bigint() }}) as people
    from reachability
    {% endfor %}
)

select * from final
