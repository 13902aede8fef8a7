{#- Identity graph helpers. A node is '<id_type>:<value>'; its sort key puts stronger identifier
    types first, so a component's label (its smallest sort key) is its customer_id when it has
    one, else its email, phone, anonymous_id, device_id. -#}
{% macro identity_node(id_type, value_expression) -%}
    {{ dbt.concat(["'" ~ id_type ~ ":'", value_expression]) }}
{%- endmacro %}

{% macro identity_type_rank(id_type_expression) -%}
    case {{ id_type_expression }}
        when 'customer_id' then '1'
        when 'email' then '2'
        when 'phone' then '3'
        when 'anonymous_id' then '4'
        when 'device_id' then '5'
        else '9'
    end
{%- endmacro %}

{#- Values that are placeholders, never identities: all zeros/dashes, -1, and the seed list. -#}
{% macro is_placeholder_value(value_expression) -%}
    (
        {{ regexp_matches(value_expression, '[0-]*') }}
        or {{ value_expression }} = '-1'
        or lower({{ value_expression }}) in ('null', 'none', 'nan', 'undefined', 'anonymous', 'unknown', 'n/a')
    )
{%- endmacro %}


{#- The identifiers an event carries, as one non-null key (an identifier set): the same four
    values, nulls included, give the same key. Each part is prefixed with its length, so no
    value can run into the next (cleaned values are never '', so '' stands for null). -#}
{% macro identifier_set_key(user_id, email, anonymous_id, device_id) -%}
    {%- set parts = [] -%}
    {%- for part in [user_id, email, anonymous_id, device_id] -%}
        {%- set value = "coalesce(" ~ part ~ ", '')" -%}
        {%- do parts.append(dbt.safe_cast(dbt.length(value), dbt.type_string())) -%}
        {%- do parts.append("':'") -%}
        {%- do parts.append(value) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
