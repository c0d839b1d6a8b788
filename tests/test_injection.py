"""Injection: text from notes is data, never query syntax, on every store.

Names, aliases, properties and quotes full of Cypher syntax, backticks, quotes,
comment markers, parameters and NUL characters are stored verbatim and change
nothing else; labels and relationship types come only from the schema.
"""
from __future__ import annotations

import pytest

from ptgkg.graph.model import SCHEMA, DocumentGraph, Edge, Evidence, Node
from ptgkg.graph.stores.base import StoreError

HOSTILE = [
    "'}) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n RETURN 1 //',
    "`x`",
    "Kolla`) DETACH DELETE n //",
    "$param",
    "{id: $id}",
    "a\u0000b",
    "/* comment */ x",
    "x // y\n MATCH (m) DELETE m",
    "\\'; DROP TABLE node_support; --",
    "\u202eevil\u200b",
]


def benign_graph() -> DocumentGraph:
    d = "doc:benign"
    nodes = [Node(d, "Document", "Kolla notes", props={"source": "kolla.md"}),
             Node("project:kolla", "Project", "Kolla", ["kolla-ansible"], {"kind": "team"}),
             Node("topic:health-checks", "Topic", "health checks"),
             Node("person:mark-goddard", "Person", "Mark Goddard", ["mgoddard"])]
    ev = [Evidence(d, "Kolla agreed on health checks.", 0, 30)]
    edges = [Edge("project:kolla", "topic:health-checks", "DISCUSSED", ev),
             Edge("person:mark-goddard", "topic:health-checks", "DISCUSSED", ev),
             Edge("person:mark-goddard", "project:kolla", "MEMBER_OF", ev, {"role": "PTL"})]
    return DocumentGraph(d, "h-benign", nodes, edges)


def hostile_graph(i: int, s: str) -> DocumentGraph:
    d = f"doc:hostile-{i}"
    nodes = [Node(d, "Document", s, props={"source": f"{s}.md", "title": s}),
             Node(f"person:hostile-{i}", "Person", s, [s, s.upper()], {"irc": s}),
             Node(f"project:hostile-{i}", "Project", s, props={"kind": "external", "description": s}),
             Node(f"decision:hostile-{i}", "Decision", s, props={"text": s, "status": "open"}),
             Node("topic:health-checks", "Topic", "health checks"),
             Node("project:kolla", "Project", "Kolla", props={"kind": "team"})]
    ev = [Evidence(d, s, 0, len(s))]
    edges = [Edge(f"person:hostile-{i}", "topic:health-checks", "DISCUSSED", ev),
             Edge(f"project:hostile-{i}", "project:kolla", "COLLABORATES_WITH", ev, {"topics": [s]}),
             Edge(f"person:hostile-{i}", f"project:hostile-{i}", "MEMBER_OF", ev, {"role": s}),
             Edge(f"decision:hostile-{i}", "project:kolla", "INVOLVES", ev)]
    return DocumentGraph(d, f"h-{i}", nodes, edges)


def contributions(store) -> dict[str, tuple]:
    return {g.doc_id: (sorted((n.id, n.label, n.name, tuple(n.aliases), repr(sorted(n.props.items())))
                              for n in g.nodes),
                       sorted((e.key, repr(sorted(e.props.items())), tuple(e.evidence)) for e in g.edges))
            for g in store.document_graphs()}


def test_hostile_text_is_stored_verbatim_and_changes_nothing_else(store):
    store.write_document(benign_graph())
    benign_before = contributions(store)["doc:benign"]
    counts_before = store.counts()
    for i, s in enumerate(HOSTILE):
        store.write_document(hostile_graph(i, s))
    got = contributions(store)
    assert got["doc:benign"] == benign_before  # nothing else changed
    assert len(got) == 1 + len(HOSTILE)
    for i, s in enumerate(HOSTILE):
        [person] = store.get_nodes([f"person:hostile-{i}"])
        assert person.name == s and set(person.aliases) == {s, s.upper()} and person.props["irc"] == s
        [decision] = store.get_nodes([f"decision:hostile-{i}"])
        assert decision.props == {"text": s, "status": "open"}
        [member] = store.edges(f"person:hostile-{i}", ["MEMBER_OF"], "out")
        assert member.props == {"role": s} and member.evidence[0].quote == s
        assert any(n.id == f"person:hostile-{i}" for n in store.find_nodes(s, "Person"))
    kolla = store.get_nodes(["project:kolla"])[0]
    assert kolla.name == "Kolla" and "kolla-ansible" in kolla.aliases
    collab = {e.source: e for e in store.edges("project:kolla", ["COLLABORATES_WITH"], "in")}
    assert [collab[f"project:hostile-{i}"].props["topics"] for i in range(len(HOSTILE))] == [[s] for s in HOSTILE]
    counts = store.counts()
    assert counts["nodes"]["Person"] == counts_before["nodes"]["Person"] + len(HOSTILE)
    assert counts["nodes"]["Project"] == counts_before["nodes"]["Project"] + len(HOSTILE)
    assert counts["edges"]["MEMBER_OF"] == counts_before["edges"]["MEMBER_OF"] + len(HOSTILE)
    # removing a hostile document removes exactly its own facts
    store.remove_document("doc:hostile-0")
    assert store.get_nodes(["person:hostile-0"]) == []
    assert contributions(store)["doc:benign"] == benign_before


def test_search_with_query_syntax_is_just_text(store):
    store.write_document(benign_graph())
    for i, s in enumerate(HOSTILE[:4]):
        store.write_document(hostile_graph(i, s))
    for i, s in enumerate(HOSTILE[:4]):
        hits = [n.id for n, _ in store.search(s)]
        assert f"person:hostile-{i}" in hits
    assert store.search("') RETURN n //") == []
    assert store.find_nodes("' OR 1=1 //") == []
    assert len(contributions(store)) == 5


def test_labels_and_types_come_only_from_the_schema():
    with pytest.raises(ValueError):
        Node("x:1", "Project`) DETACH DELETE n //", "x")
    with pytest.raises(ValueError):
        Edge("a", "b", "KNOWS]->() DETACH DELETE n //")
    from ptgkg.graph import cypher

    for bad in ("Person`) DETACH DELETE n //", "person", "Project:Admin", ""):
        with pytest.raises(ValueError):
            cypher.check_label(bad)
    for bad in ("DISCUSSED]->() DETACH DELETE n //", "discussed", ""):
        with pytest.raises(ValueError):
            cypher.check_type(bad)


def test_document_graph_check_refuses_what_the_schema_lacks():
    g = hostile_graph(0, "x")
    g.edges[0].type = "DISCUSSED`]->() DETACH DELETE n //"  # dataclasses are mutable
    with pytest.raises(ValueError):
        g.check()
    g = hostile_graph(0, "x")
    lonely = Node("project:lonely", "Project", "lonely")
    lonely.label = "Project`) DETACH DELETE n //"
    g.nodes.append(lonely)
    with pytest.raises(ValueError):
        g.check()


def test_an_edge_retyped_after_construction_is_refused(store):
    store.write_document(benign_graph())
    before = contributions(store)
    g = hostile_graph(0, "x")
    g.edges[0].type = "DISCUSSED`]->() DETACH DELETE n //"
    with pytest.raises((ValueError, StoreError)):
        store.write_document(g)
    assert contributions(store) == before


def test_a_node_relabelled_after_construction_is_refused(store):
    store.write_document(benign_graph())
    before = contributions(store)
    g = hostile_graph(0, "x")
    lonely = Node("project:lonely", "Project", "lonely")
    lonely.label = "Project`) DETACH DELETE n //"
    g.nodes.append(lonely)
    with pytest.raises((ValueError, StoreError)):
        store.write_document(g)
    assert contributions(store) == before  # and the store is still readable


def test_schema_is_what_the_spec_lists():
    assert set(SCHEMA) == {"DISCUSSED", "COLLABORATES_WITH", "PARTICIPATED_IN", "MEMBER_OF", "PART_OF", "COVERED",
                           "MADE_IN", "ABOUT", "INVOLVES", "ASSIGNED_TO", "RECORDS"}


# --------------------------------------------------------------------------- through a note
NOTE = (b"# Kolla PTG\n\n"
        b"Mark Goddard (mgoddard) proposed `'}) DETACH DELETE n //` as the health check name.\n\n"
        b"Kolla agreed that $param and {id: $id} stay literal in the spec.\n\n"
        b"* AGREED: quote \"'}) DETACH DELETE n //\" verbatim in the docs (mgoddard)\n")


@pytest.fixture(scope="module")
def note_graphs(tmp_path_factory):
    from ptgkg.pipeline import document_graphs

    folder = tmp_path_factory.mktemp("inj")
    (folder / "cypher-note.md").write_bytes(NOTE)
    (folder / "kolla.md").write_bytes(b"# Kolla\n\nKolla agreed on container health checks with TripleO.\n")
    return [g for _, g in document_graphs([folder / "cypher-note.md", folder / "kolla.md"])]


def test_a_note_full_of_cypher_is_stored_verbatim(store, note_graphs):
    hostile, plain = note_graphs
    store.write_document(plain)
    before = contributions(store)
    store.write_document(hostile)
    after = contributions(store)
    assert after[plain.doc_id] == before[plain.doc_id]
    quotes = {ev.quote for e in store.export().edges for ev in e.evidence if ev.doc == hostile.doc_id}
    assert any("'}) DETACH DELETE n //" in q for q in quotes), quotes
    assert after[hostile.doc_id] == contributions_of(hostile)


def contributions_of(graph: DocumentGraph) -> tuple:
    merged: dict[tuple, tuple] = {}
    for e in graph.edges:
        merged.setdefault(e.key, (e.key, repr(sorted(e.props.items())), tuple(e.evidence)))
    nodes = {}
    for n in graph.nodes:
        nodes.setdefault(n.id, (n.id, n.label, n.name, tuple(n.aliases), repr(sorted(n.props.items()))))
    return sorted(nodes.values()), sorted(merged.values())
