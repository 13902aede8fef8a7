{#- Audit of who was kept out of audiences and why, as counts only (no identifiers of the
    people concerned, so the audit itself holds nothing a deletion request covers). Per channel
    one row per reason (macros/privacy.sql) and an any_reason row; a person counts under every
    reason that applies to them, and once under any_reason. -#}
{%- set reasons = suppression_reasons() %}
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
    {% for channel, channel_reasons in reasons.items() %}
    union all
    select
        'any_reason' as suppression_reason,
        '{{ channel }}' as channel,
        cast(coalesce(sum(case when can_{{ channel }} then 0 else 1 end), 0) as {{ dbt.type_bigint() }}) as people
    from reachability
    {% for reason in channel_reasons %}
    union all
    select
        '{{ reason }}' as suppression_reason,
        '{{ channel }}' as channel,
        cast(coalesce(sum(case when is_{{ channel }}_{{ reason }} then 1 else 0 end), 0) as {{ dbt.type_bigint() }})
            as people
    from reachability
    {% endfor %}
    {% endfor %}
)

select * from final
