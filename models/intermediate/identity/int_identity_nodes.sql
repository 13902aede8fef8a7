{#- One row per identifier with the guards that decide whether it may merge people:
    placeholders (seed + patterns) and shared identifiers (linked to more customer_ids, or more
    identifiers in total, than the identity_max_* vars allow) are kept out of the graph. -#}
with

edges as (
    select * from {{ ref('int_identity_edges_unioned') }}
),

placeholders as (
    select * from {{ ref('identity_placeholders') }}
),

-- both directions, so every node sees all its neighbours
directed as (
    select node_a as node, id_type_a as id_type, id_value_a as id_value,
        node_b as neighbour, id_type_b as neighbour_type, first_seen_at, last_seen_at
    from edges
    union all
    select node_b, id_type_b, id_value_b, node_a, id_type_a, first_seen_at, last_seen_at
    from edges
),

-- each pair of neighbours once (an edge is listed once per source it was seen in), so the counts
-- below need no count(distinct), which builds a hash table of its own for each of the two
neighbours as (
    select
        node,
        id_type,
        id_value,
        neighbour,
        neighbour_type,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from directed
    group by node, id_type, id_value, neighbour, neighbour_type
),

nodes as (
    select
        node,
        id_type,
        id_value,
        count(case when neighbour_type = 'customer_id' and neighbour != node then 1 end)
            + case when id_type = 'customer_id' then 1 else 0 end as linked_customer_ids,
        count(case when neighbour != node then 1 end) as linked_identifiers,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from neighbours
    group by node, id_type, id_value
),

final as (
    select
        nodes.node,
        nodes.id_type,
        nodes.id_value,
        {{ identity_type_rank('nodes.id_type') }} as type_rank,
        nodes.linked_customer_ids,
        nodes.linked_identifiers,
        (placeholders.id_value is not null or {{ is_placeholder_value('nodes.id_value') }})
            as is_placeholder,
        nodes.id_type != 'customer_id' and (
            nodes.linked_customer_ids > {{ var('identity_max_customer_ids_per_identifier') }}
            or nodes.linked_identifiers > {{ var('identity_max_links_per_identifier') }}
        ) as is_shared,
        nodes.first_seen_at,
        nodes.last_seen_at
    from nodes
    left join placeholders
        on nodes.id_type = placeholders.id_type
        and lower(nodes.id_value) = lower(placeholders.id_value)
)

select * from final
