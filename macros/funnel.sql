{#- The marketing funnel stage an event's name signals (var marketing_funnel_events): 4 decision,
    3 intent, 2 desire, else 1 awareness (any event); a name listed under two stages counts for
    the deeper one. Stages 5 (action) and 6 (loyalty) come from orders. -#}
{% macro funnel_event_stage(event_name) -%}
    {%- set funnel_events = var('marketing_funnel_events') -%}
    case
        {%- for stage, number in [('decision', 4), ('intent', 3), ('desire', 2)] %}
        {%- set names = funnel_events.get(stage, []) %}
        {%- if names %}
        when {{ event_name }} in ({% for name in names %}'{{ name | replace("'", "''") }}'{{ ', ' if not loop.last }}{% endfor %})
            then {{ number }}
        {%- endif %}
        {%- endfor %}
        else 1
    end
{%- endmacro %}


{#- The var as one text, stored beside rows that depend on it (reset_when_definition_changed). -#}
{% macro funnel_definition() -%}
    {{- var('marketing_funnel_events') | tojson -}}
{%- endmacro %}
