"""The identity graph's connected components: the person (customer_key) of every usable
identifier. Thin shim over lifecycle.identity.components (union-find; tested with pytest)."""

from lifecycle.identity import components, to_arrow


def model(dbt, session):
    dbt.config(materialized="table")
    nodes = to_arrow(dbt.ref("int_identity_nodes"), ["node", "type_rank", "is_placeholder", "is_shared"])
    edges = to_arrow(dbt.ref("int_identity_edges_unioned"), ["node_a", "node_b"])
    return components(nodes, edges)
