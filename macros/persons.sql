{#- A condition on a column holding customer_key: the person is in scope (int_persons_in_scope:
    no deletion request, first seen by as_of_date). Facts keyed by person (orders, messages,
    events) are filtered with it; the generic test persons_in_scope checks a table with it. -#}
{% macro person_in_scope(column) -%}
    {{ column }} in (select customer_key from {{ ref('int_persons_in_scope') }})
{%- endmacro %}
