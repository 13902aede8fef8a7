"""Identity components (lifecycle.identity.components): who is one person, and their key."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from lifecycle.identity import components

RANK = {"customer_id": "1", "email": "2", "phone": "3", "anonymous_id": "4", "device_id": "5"}


def _nodes(rows: list[tuple[str, bool, bool]]) -> pa.Table:
    """(node, is_placeholder, is_shared) rows as int_identity_nodes columns."""
    return pa.table(
        {
            "node": [n for n, _, _ in rows],
            "type_rank": [RANK[n.split(":")[0]] for n, _, _ in rows],
            "is_placeholder": [p for _, p, _ in rows],
            "is_shared": [s for _, _, s in rows],
        }
    )


def _edges(pairs: list[tuple[str, str]]) -> pa.Table:
    return pa.table({"node_a": [a for a, _ in pairs], "node_b": [b for _, b in pairs]})


def _labels(result: pa.Table) -> dict[str, str]:
    return dict(zip(result["node"].to_pylist(), result["component_label"].to_pylist(), strict=True))


def _keys(result: pa.Table) -> dict[str, str]:
    return dict(zip(result["node"].to_pylist(), result["customer_key"].to_pylist(), strict=True))


def test_components_follow_chains_and_are_named_by_their_strongest_identifier():
    nodes = _nodes(
        [
            # chain: anonymous a1 -- email x@y.com -- customer c1; a5 appears later for c1
            ("anonymous_id:a1", False, False),
            ("email:x@y.com", False, False),
            ("customer_id:c1", False, False),
            ("anonymous_id:a5", False, False),
            # guest checkout: order email g@x.com with anonymous a2; c2 registers with g@x.com
            ("anonymous_id:a2", False, False),
            ("email:g@x.com", False, False),
            ("customer_id:c2", False, False),
            # a family tablet d1 used by c3 and c4 is shared: it must not merge them
            ("customer_id:c3", False, False),
            ("customer_id:c4", False, False),
            ("device_id:d1", False, True),
            # test@test.com on two guests is a placeholder: it must not merge a3 and a4
            ("anonymous_id:a3", False, False),
            ("anonymous_id:a4", False, False),
            ("email:test@test.com", True, False),
            # a visitor who never identifies
            ("anonymous_id:a9", False, False),
        ]
    )
    edges = _edges(
        [
            ("anonymous_id:a1", "email:x@y.com"),
            ("customer_id:c1", "email:x@y.com"),
            ("customer_id:c1", "anonymous_id:a5"),
            ("email:g@x.com", "anonymous_id:a2"),
            ("customer_id:c2", "email:g@x.com"),
            ("customer_id:c3", "device_id:d1"),
            ("customer_id:c4", "device_id:d1"),
            ("email:test@test.com", "anonymous_id:a3"),
            ("email:test@test.com", "anonymous_id:a4"),
            ("anonymous_id:a9", "anonymous_id:a9"),
        ]
    )
    assert _labels(components(nodes, edges)) == {
        "anonymous_id:a1": "1|customer_id:c1",
        "email:x@y.com": "1|customer_id:c1",
        "customer_id:c1": "1|customer_id:c1",
        "anonymous_id:a5": "1|customer_id:c1",
        "anonymous_id:a2": "1|customer_id:c2",
        "email:g@x.com": "1|customer_id:c2",
        "customer_id:c2": "1|customer_id:c2",
        "customer_id:c3": "1|customer_id:c3",
        "customer_id:c4": "1|customer_id:c4",
        "anonymous_id:a3": "4|anonymous_id:a3",
        "anonymous_id:a4": "4|anonymous_id:a4",
        "anonymous_id:a9": "4|anonymous_id:a9",
    }


def test_a_long_chain_is_one_component_however_many_hops():
    # twelve rounds of label propagation stopped at twelve hops; union-find has no such bound
    chain = [f"anonymous_id:a{i:03d}" for i in range(200)]
    nodes = _nodes([(n, False, False) for n in chain] + [("email:z@z.com", False, False)])
    edges = _edges(list(zip(chain, chain[1:], strict=False)) + [(chain[-1], "email:z@z.com")])
    assert set(_labels(components(nodes, edges)).values()) == {"2|email:z@z.com"}


def test_customer_key_is_the_md5_of_the_component_label():
    result = components(_nodes([("customer_id:c1", False, False)]), _edges([]))
    assert _keys(result) == {"customer_id:c1": hashlib.md5(b"1|customer_id:c1").hexdigest()}


def test_keys_of_untouched_persons_survive_a_merge_of_two_others():
    """An incremental run whose new edges merge two persons changes only their keys."""
    before_nodes = [
        ("customer_id:c1", False, False),
        ("anonymous_id:a1", False, False),
        ("customer_id:c2", False, False),
        ("email:b@x.com", False, False),
        ("anonymous_id:a2", False, False),
        ("anonymous_id:a3", False, False),
        ("device_id:d3", False, False),
    ]
    before_edges = [
        ("customer_id:c1", "anonymous_id:a1"),
        ("customer_id:c2", "email:b@x.com"),
        ("anonymous_id:a2", "anonymous_id:a2"),
        ("anonymous_id:a3", "device_id:d3"),
    ]
    before = _keys(components(_nodes(before_nodes), _edges(before_edges)))
    # the new delivery: anonymous a2 logs in as c2 (merges c2 and a2) and a new visitor a4
    after = _keys(
        components(
            _nodes(before_nodes + [("anonymous_id:a4", False, False)]),
            _edges(
                before_edges + [("customer_id:c2", "anonymous_id:a2"), ("anonymous_id:a4", "anonymous_id:a4")]
            ),
        )
    )
    for untouched in ("customer_id:c1", "anonymous_id:a1", "anonymous_id:a3", "device_id:d3"):
        assert after[untouched] == before[untouched], untouched
    # the merged person keeps the key of its stronger identifier (c2's), a2's old key is gone
    assert after["anonymous_id:a2"] == after["customer_id:c2"] == before["customer_id:c2"]
    assert before["anonymous_id:a2"] not in after.values()


def test_an_identifier_that_becomes_shared_splits_the_persons_it_joined():
    nodes = [("customer_id:c1", False, False), ("customer_id:c2", False, False)]
    edges = [("customer_id:c1", "device_id:d1"), ("customer_id:c2", "device_id:d1")]
    joined = _labels(components(_nodes(nodes + [("device_id:d1", False, False)]), _edges(edges)))
    assert joined["customer_id:c1"] == joined["customer_id:c2"]
    split = _labels(components(_nodes(nodes + [("device_id:d1", False, True)]), _edges(edges)))
    assert split == {"customer_id:c1": "1|customer_id:c1", "customer_id:c2": "1|customer_id:c2"}


def test_no_usable_node_gives_an_empty_graph():
    result = components(_nodes([("email:test@test.com", True, False)]), _edges([]))
    assert result.num_rows == 0
    assert result.column_names == ["node", "component_label", "customer_key"]
