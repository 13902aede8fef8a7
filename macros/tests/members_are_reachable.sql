{#- Every member of an audience may be contacted on the audience's channel
    (int_customer_reachability: its can_<channel>; the channels are those of
    suppression_reasons()). Tested once on audience_memberships, which holds every audience. -#}
{% test members_are_reachable(model) %}

select members.audience, members.customer_key, members.channel
from {{ model }} as members
where not exists (
    select 1
    from {{ ref('int_customer_reachability') }} as reachability
    where reachability.customer_key = members.customer_key
        and case members.channel
            {%- for channel in suppression_reasons() %}
            when '{{ channel }}' then reachability.can_{{ channel }}
            {%- endfor %}
            else false
        end
)

{% endtest %}
