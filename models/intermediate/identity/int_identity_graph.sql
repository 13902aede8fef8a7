{#- Connected components of the identity graph by label propagation: every round each node
    takes the smallest label among itself and its neighbours. Portable SQL, a bounded number of
    rounds (var identity_max_iterations); `is_converged` is false for any node whose label still
    changed in the last round, and a test fails on it.
    A label is '<type rank>|<node>', so a component is named after its customer_id when it has
    one: the key is stable across rebuilds and unaffected by unrelated new data.
    Placeholder and shared identifiers are not nodes here: they never merge anyone. -#}
{%- set rounds = var('identity_max_iterations') | int -%}

with

usable_nodes as (
    select node, {{ dbt.concat(['type_rank', "'|'", 'node']) }} as initial_label
    from {{ ref('int_identity_nodes') }}
    where not is_placeholder and not is_shared
),

usable_edges as (
    select edges.node_a, edges.node_b
    from {{ ref('int_identity_edges_unioned') }} as edges
    inner join usable_nodes as a on edges.node_a = a.node
    inner join usable_nodes as b on edges.node_b = b.node
    where edges.node_a != edges.node_b
),

-- undirected, plus a self loop so a node keeps its own label in the minimum
neighbours as (
    select node_a as node, node_b as neighbour from usable_edges
    union
    select node_b, node_a from usable_edges
    union
    select node, node from usable_nodes
),

labels_0 as (
    select node, initial_label as label from usable_nodes
),

{% for i in range(1, rounds + 1) %}
labels_{{ i }} as (
    select
        neighbours.node,
        min(labels_{{ i - 1 }}.label) as label
    from neighbours
    inner join labels_{{ i - 1 }}
        on neighbours.neighbour = labels_{{ i - 1 }}.node
    group by neighbours.node
),

{% endfor %}
final as (
    select
        last_round.node,
        last_round.label as component_label,
        {{ dbt.hash('last_round.label') }} as customer_key,
        last_round.label = previous_round.label as is_converged
    from labels_{{ rounds }} as last_round
    inner join labels_{{ rounds - 1 }} as previous_round
        on last_round.node = previous_round.node
)

select * from final
