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

-- rounds join and compare integers, not text: numbers in label order (labels are unique, as
-- nodes are), so the smallest number is the smallest label; at a million customers the text
-- labels' hash tables outgrew an 8 GB memory limit
numbered_nodes as (
    select
        node,
        initial_label,
        row_number() over (order by initial_label) as node_number
    from usable_nodes
),

usable_edges as (
    select
        a.node_number as number_a,
        b.node_number as number_b
    from {{ ref('int_identity_edges_unioned') }} as edges
    inner join numbered_nodes as a on edges.node_a = a.node
    inner join numbered_nodes as b on edges.node_b = b.node
    where edges.node_a != edges.node_b
),

-- undirected, plus a self loop so a node keeps its own label in the minimum
neighbours as (
    select number_a as node_number, number_b as neighbour from usable_edges
    union
    select number_b, number_a from usable_edges
    union
    select node_number, node_number from numbered_nodes
),

labels_0 as (
    select node_number, node_number as label from numbered_nodes
),

{% for i in range(1, rounds + 1) %}
labels_{{ i }} as (
    select
        neighbours.node_number,
        min(labels_{{ i - 1 }}.label) as label
    from neighbours
    inner join labels_{{ i - 1 }}
        on neighbours.neighbour = labels_{{ i - 1 }}.node_number
    group by neighbours.node_number
),

{% endfor %}
final as (
    select
        nodes.node,
        label_nodes.initial_label as component_label,
        {{ dbt.hash('label_nodes.initial_label') }} as customer_key,
        last_round.label = previous_round.label as is_converged
    from labels_{{ rounds }} as last_round
    inner join labels_{{ rounds - 1 }} as previous_round
        on last_round.node_number = previous_round.node_number
    inner join numbered_nodes as nodes
        on last_round.node_number = nodes.node_number
    inner join numbered_nodes as label_nodes
        on last_round.label = label_nodes.node_number
)

select * from final
