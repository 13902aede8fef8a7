{#- Every observed link between two identifiers of one person, with where it was seen.
    A node is '<id_type>:<value>'. A row with node_a = node_b records an identifier seen alone
    (an anonymous visitor), so every identifier is a node of the graph. -#}
with

customers as (
    select customer_id, email, phone_e164, created_at from {{ ref('stg_raw__customers') }}
),

orders as (
    select customer_id, email, anonymous_id, ordered_at from {{ ref('stg_raw__orders') }}
),

-- each combination of identifiers the events carry, once (int_event_identifiers, incremental):
-- the event links below read these few rows instead of every event once per link
event_identifiers as (
    select user_id, anonymous_id, email, device_id, first_seen_at, last_seen_at
    from {{ ref('int_event_identifiers') }}
),

{%- set pairs = [
    ('customers', 'customer_id', 'customer_id', 'email', 'email', 'created_at'),
    ('customers', 'customer_id', 'customer_id', 'phone', 'phone_e164', 'created_at'),
    ('customers', 'customer_id', 'customer_id', 'customer_id', 'customer_id', 'created_at'),
    ('orders', 'customer_id', 'customer_id', 'email', 'email', 'ordered_at'),
    ('orders', 'customer_id', 'customer_id', 'anonymous_id', 'anonymous_id', 'ordered_at'),
    ('orders', 'email', 'email', 'anonymous_id', 'anonymous_id', 'ordered_at'),
    ('orders', 'customer_id', 'customer_id', 'customer_id', 'customer_id', 'ordered_at'),
    ('orders', 'email', 'email', 'email', 'email', 'ordered_at'),
    ('events', 'customer_id', 'user_id', 'anonymous_id', 'anonymous_id', 'event_at'),
    ('events', 'customer_id', 'user_id', 'email', 'email', 'event_at'),
    ('events', 'email', 'email', 'anonymous_id', 'anonymous_id', 'event_at'),
    ('events', 'customer_id', 'user_id', 'device_id', 'device_id', 'event_at'),
    ('events', 'anonymous_id', 'anonymous_id', 'device_id', 'device_id', 'event_at'),
    ('events', 'customer_id', 'user_id', 'customer_id', 'user_id', 'event_at'),
    ('events', 'anonymous_id', 'anonymous_id', 'anonymous_id', 'anonymous_id', 'event_at'),
] %}

links as (
    {% for source_cte, type_a, column_a, type_b, column_b, observed_at in pairs %}
    select
        '{{ type_a }}' as id_type_a,
        {{ column_a }} as id_value_a,
        '{{ type_b }}' as id_type_b,
        {{ column_b }} as id_value_b,
        '{{ source_cte }}' as seen_in,
        {%- if source_cte == 'events' %}
        first_seen_at,
        last_seen_at
    from event_identifiers
        {%- else %}
        {{ observed_at }} as first_seen_at,
        {{ observed_at }} as last_seen_at
    from {{ source_cte }}
        {%- endif %}
    where {{ column_a }} is not null and {{ column_b }} is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- grouped by the five parts of a link, and the node names made once per link afterwards:
-- grouping by the two names as well hashed every link's strings twice (a million customers:
-- 15.6M links, 29-33 s -> 16-17 s)
final as (
    select
        {{ dbt.concat(["id_type_a", "':'", "id_value_a"]) }} as node_a,
        {{ dbt.concat(["id_type_b", "':'", "id_value_b"]) }} as node_b,
        id_type_a,
        id_value_a,
        id_type_b,
        id_value_b,
        seen_in,
        first_seen_at,
        last_seen_at
    from (
        select
            id_type_a,
            id_value_a,
            id_type_b,
            id_value_b,
            seen_in,
            min(first_seen_at) as first_seen_at,
            max(last_seen_at) as last_seen_at
        from links
        group by 1, 2, 3, 4, 5
    ) as grouped
)

select * from final
