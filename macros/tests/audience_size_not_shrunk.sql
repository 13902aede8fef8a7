{#- Warn when an audience lost more than `max_shrink_share` of its members since the previous
    build (read from the membership history): a broken upstream filter looks exactly like that. -#}
{% test audience_size_not_shrunk(model, max_shrink_share) %}
{% set history = ref('audience_memberships_history') %}
{% if execute and load_relation(history) is none %}
    select 1 as nothing where 1 = 0
{% else %}
with

previous as (
    select audience, count(*) as members
    from {{ history }}
    where dbt_valid_to is null
    group by 1
),

current_members as (
    select audience, count(*) as members
    from {{ model }}
    group by 1
)

select previous.audience, previous.members as previous_members, coalesce(current_members.members, 0) as members
from previous
left join current_members on previous.audience = current_members.audience
where coalesce(current_members.members, 0) < previous.members * (1 - {{ max_shrink_share }})
{% endif %}
{% endtest %}
