"""The GraphStore contract, checked on every store (embedded, FalkorDB over Bolt, Neo4j).

Only the interface in ``graph/stores/base.py`` is used here, on small hand-built
document graphs in the style of PTG notes (Kolla and TripleO working on
container health checks), so a store that passes behaves like the others.
"""
from __future__ import annotations

import hashlib

import pytest

from ptgkg.graph.model import LABELS, REL_TYPES, DocumentGraph, Edge, Evidence, Node, node_id
from ptgkg.graph.stores.base import GraphStore, StoreError


class DocBuilder:
    """Builds one document's graph the way the pipeline does: a Document node first,
    every fact with evidence quoting a line of the (synthetic) document text."""

    def __init__(self, key: str, title: str, **doc_props) -> None:
        self.doc_id = node_id("Document", key)
        self.text = ""
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        props = {"title": title, "source": f"notes/{key}.txt", "kind": "etherpad", **doc_props}
        self.nodes[self.doc_id] = Node(self.doc_id, "Document", title, props=props)

    def node(self, label: str, name: str, aliases=(), key: str | None = None, **props) -> str:
        nid = node_id(label, key or name)
        self.nodes[nid] = Node(nid, label, name, list(aliases), props)
        return nid

    def line(self, text: str) -> Evidence:
        start = len(self.text)
        self.text += text + "\n"
        return Evidence(self.doc_id, text, start, start + len(text))

    def edge(self, source: str, type_: str, target: str, *quotes: str, **props) -> None:
        self.edges.append(Edge(source, target, type_, [self.line(q) for q in quotes], props))

    def build(self) -> DocumentGraph:
        digest = hashlib.sha256(self.text.encode()).hexdigest()
        return DocumentGraph(self.doc_id, digest, list(self.nodes.values()), list(self.edges))


def doc_a(changed: bool = False) -> DocumentGraph:
    """Kolla etherpad: Kolla and TripleO on health checks; ``changed`` drops the
    collaboration and the Ceph mention, and rewords the rest."""
    b = DocBuilder("kolla-caracal", "Kolla Caracal PTG etherpad", date="2023-10-24")
    kolla = b.node("Project", "Kolla", aliases=["kolla"], kind="team")
    tripleo = b.node("Project", "TripleO", kind="team")
    topic = b.node("Topic", "container health checks", aliases=["health checks"])
    cedric = b.node("Person", "Cédric Jeanneret", aliases=["Tengu"], irc="Tengu")
    session = b.node("Session", "Kolla: health checks", key="kolla-caracal-health-checks", date="2023-10-24")
    b.edge(b.doc_id, "RECORDS", session, "Health checks (Tuesday)")
    b.edge(cedric, "PARTICIPATED_IN", session, "Tengu: we run the same checks in TripleO")
    if not changed:
        ceph = b.node("Project", "Ceph", kind="external")
        b.edge(kolla, "COLLABORATES_WITH", tripleo,
               "Kolla and TripleO will share one health check script", topics=["health checks"])
        b.edge(ceph, "PARTICIPATED_IN", session, "Ceph daemons also need health checks")
        b.edge(kolla, "DISCUSSED", topic, "Kolla wants container health checks for every service")
    else:
        b.edge(kolla, "DISCUSSED", topic, "Kolla now ships container health checks by default")
    b.edge(cedric, "DISCUSSED", topic, "Tengu: health check timeouts must be configurable")
    return b.build()


def doc_b() -> DocumentGraph:
    """A TripleO recap that supports the same collaboration with other evidence."""
    b = DocBuilder("tripleo-recap", "TripleO PTG recap", date="2023-10-27")
    kolla = b.node("Project", "Kolla", aliases=["the Kolla team"], kind="team")
    tripleo = b.node("Project", "TripleO", aliases=["tripleo"], kind="team")
    cedric = b.node("Person", "Cédric Jeanneret", irc="tengu", affiliation="Red Hat")
    b.edge(kolla, "COLLABORATES_WITH", tripleo,
           "TripleO consumes Kolla images, so both teams keep the image layout stable",
           topics=["container images"])
    b.edge(cedric, "MEMBER_OF", tripleo, "Cédric is a TripleO core", role="core")
    return b.build()


def _edge(store, key):
    source, type_, target = key
    found = [e for e in store.edges(source, [type_], "out") if e.target == target]
    return found[0] if found else None


COLLAB = ("project:kolla", "COLLABORATES_WITH", "project:tripleo")


def test_round_trip_keeps_nodes_edges_and_evidence(store):
    g = doc_a()
    result = store.write_document(g)
    assert not result.unchanged and result.nodes_added == len(g.nodes) and result.edges_added == len(g.edges)
    assert store.document_hash(g.doc_id) == g.content_hash
    assert store.document_hash("document:nothing") is None

    exported = store.export().to_json_dict()
    assert {n["id"] for n in exported["nodes"]} == {n.id for n in g.nodes}
    collab = next(e for e in exported["edges"] if (e["source"], e["type"], e["target"]) == COLLAB)
    assert collab["weight"] == 1
    assert collab["evidence"][0]["quote"] == "Kolla and TripleO will share one health check script"
    assert collab["evidence"][0]["doc"] == g.doc_id
    assert collab["topics"] == ["health checks"]

    [kolla] = store.get_nodes(["project:kolla", "project:missing"])
    assert (kolla.label, kolla.name, kolla.props["kind"]) == ("Project", "Kolla", "team")
    edges = store.edges("project:kolla")
    assert {e.type for e in edges} == {"COLLABORATES_WITH", "DISCUSSED"}
    assert [e.type for e in store.edges("project:kolla", ["DISCUSSED"], "out")] == ["DISCUSSED"]
    assert store.edges("project:kolla", direction="in") == []
    assert [e.source for e in store.edges("project:tripleo", direction="in")] == ["project:kolla"]


def test_rewriting_the_same_graph_changes_nothing(store):
    store.write_document(doc_a())
    store.write_document(doc_b())
    before = store.export().to_json_dict()
    again = store.write_document(doc_a())
    assert again.unchanged and again.nodes_added == again.edges_added == 0
    assert store.export().to_json_dict() == before


def test_changed_document_replaces_only_its_own_facts(store):
    store.write_document(doc_a())
    store.write_document(doc_b())
    collab = _edge(store, COLLAB)
    assert {ev.doc for ev in collab.evidence} == {doc_a().doc_id, doc_b().doc_id}
    assert sorted(collab.props["topics"]) == ["container images", "health checks"]

    result = store.write_document(doc_a(changed=True))
    assert not result.unchanged
    collab = _edge(store, COLLAB)
    # doc B still supports the collaboration; doc A's evidence and topic are gone
    assert [ev.doc for ev in collab.evidence] == [doc_b().doc_id]
    assert collab.props["topics"] == ["container images"]
    discussed = _edge(store, ("project:kolla", "DISCUSSED", "topic:container-health-checks"))
    assert [ev.quote for ev in discussed.evidence] == ["Kolla now ships container health checks by default"]


def test_unsupported_nodes_are_deleted_with_their_edges(store):
    store.write_document(doc_a())
    store.write_document(doc_b())
    assert store.get_nodes(["project:ceph"])
    result = store.write_document(doc_a(changed=True))
    # Ceph and its one edge go; the collaboration stays (doc B supports it)
    assert (result.nodes_removed, result.edges_removed) == (1, 1)
    assert store.get_nodes(["project:ceph"]) == []
    assert store.find_nodes("Ceph") == []
    session = "session:kolla-caracal-health-checks"
    assert all(e.source != "project:ceph" for e in store.edges(session))

    removed = store.remove_document(doc_b().doc_id)
    # its Document node goes, and the collaboration and MEMBER_OF that had no other
    # support; every other node is still listed by doc A
    assert (removed.nodes_removed, removed.edges_removed) == (1, 2)
    assert store.get_nodes([doc_b().doc_id]) == []
    assert store.document_hash(doc_b().doc_id) is None
    assert _edge(store, COLLAB) is None
    assert store.get_nodes(["project:tripleo"])  # doc A still lists TripleO
    assert store.remove_document(doc_b().doc_id).unchanged


def test_properties_merge_latest_document_wins_and_aliases_union(store):
    store.write_document(doc_b())
    store.write_document(doc_a())  # ingested last, but its notes are three days older
    [cedric] = store.get_nodes(["person:cedric-jeanneret"])
    assert cedric.props["irc"] == "tengu"            # doc B is the later note
    assert cedric.props["affiliation"] == "Red Hat"  # only doc B has it
    [kolla] = store.get_nodes(["project:kolla"])
    assert set(kolla.aliases) == {"kolla", "the Kolla team"}
    member = _edge(store, ("person:cedric-jeanneret", "MEMBER_OF", "project:tripleo"))
    assert member.props["role"] == "core"

    # rewriting the older note does not make it the latest
    store.write_document(doc_a(changed=True))
    [cedric] = store.get_nodes(["person:cedric-jeanneret"])
    assert cedric.props["irc"] == "tengu" and cedric.props["affiliation"] == "Red Hat"

    # a note dated after both wins, and an undated one never overrides a dated one
    late = DocBuilder("tripleo-followup", "TripleO follow-up", date="2024-01-09")
    late.node("Person", "Cédric Jeanneret", irc="cjeanner")
    undated = DocBuilder("kolla-wiki", "Kolla wiki page")
    undated.node("Person", "Cédric Jeanneret", irc="cedric")
    for b in (late, undated):
        b.edge(b.doc_id, "RECORDS", b.node("Session", "Follow-up", key=b.doc_id), "Follow-up")
        b.edge("person:cedric-jeanneret", "PARTICIPATED_IN", node_id("Session", b.doc_id), "Cédric joined")
        store.write_document(b.build())
    [cedric] = store.get_nodes(["person:cedric-jeanneret"])
    assert cedric.props["irc"] == "cjeanner"


def test_merged_graph_does_not_depend_on_ingest_order(store):
    """Shards on several machines, or a late import of old notes, write documents in
    another order than one run over the corpus does: the graph must come out the same."""
    graphs = [doc_a(), doc_b()]
    store.write_document(graphs[0])
    store.write_document(graphs[1])
    first = store.export().to_json_dict()
    for g in graphs:
        store.remove_document(g.doc_id)
    assert store.export().to_json_dict() == {"nodes": [], "edges": []}
    store.write_document(graphs[1])
    store.write_document(graphs[0])
    assert store.export().to_json_dict() == first
    collab = next(e for e in first["edges"] if e["type"] == "COLLABORATES_WITH")
    assert collab["topics"] == ["health checks", "container images"]  # in the notes' date order


def test_find_nodes_matches_names_normalized(store):
    store.write_document(doc_a())
    store.write_document(doc_b())
    assert [n.id for n in store.find_nodes("KOLLA")] == ["project:kolla"]
    assert [n.id for n in store.find_nodes("  the   kolla TEAM ")] == ["project:kolla"]  # an alias
    assert store.find_nodes("the kolla") == []
    assert store.find_nodes("Kol") == []
    assert [n.id for n in store.find_nodes("cedric jeanneret")] == ["person:cedric-jeanneret"]
    assert [n.id for n in store.find_nodes("tengu")] == ["person:cedric-jeanneret"]
    assert [n.id for n in store.find_nodes("project:tripleo")] == ["project:tripleo"]
    assert store.find_nodes("health checks", label="Project") == []
    assert [n.label for n in store.find_nodes("health checks", label="Topic")] == ["Topic"]
    assert store.find_nodes("") == []


def test_find_nodes_prefers_exact_name_over_alias(store):
    b = DocBuilder("naming", "Naming notes")
    nova = b.node("Project", "Nova", aliases=["compute"])
    compute = b.node("Topic", "compute")
    b.edge(nova, "DISCUSSED", compute, "Nova discussed compute node scaling")
    store.write_document(b.build())
    assert [n.id for n in store.find_nodes("Compute")] == [compute, nova]
    assert [n.id for n in store.find_nodes("compute", limit=1)] == [compute]


def test_search_finds_names_aliases_and_quotes(store):
    store.write_document(doc_a())
    hits = store.search("HEALTH CHECK")
    ids = [n.id for n, _ in hits]
    assert "topic:container-health-checks" in ids
    assert all("health check" in snippet.lower() for _, snippet in hits)
    by_quote = dict((n.id, s) for n, s in store.search("timeouts must be configurable"))
    assert "person:cedric-jeanneret" in by_quote
    assert "timeouts must be configurable" in by_quote["person:cedric-jeanneret"]
    assert store.search("no such words anywhere") == []
    assert len(store.search("health", limit=2)) <= 2


def test_shortest_path_skips_documents(store):
    store.write_document(doc_a())
    b = DocBuilder("lonely", "Two sessions one pad")
    s1 = b.node("Session", "Session one", key="lonely-1")
    s2 = b.node("Session", "Session two", key="lonely-2")
    b.edge(b.doc_id, "RECORDS", s1, "Session one")
    b.edge(b.doc_id, "RECORDS", s2, "Session two")
    store.write_document(b.build())

    found = store.shortest_path("person:cedric-jeanneret", "project:tripleo")
    assert found is not None
    assert found.nodes[0].id == "person:cedric-jeanneret" and found.nodes[-1].id == "project:tripleo"
    assert len(found.types) == len(found.nodes) - 1 <= 3
    assert all(n.label != "Document" for n in found.nodes)
    for (x, y), rel in zip(zip(found.nodes, found.nodes[1:]), found.types):
        assert any({e.source, e.target} == {x.id, y.id} for e in store.edges(x.id, [rel]))
    # the two sessions only meet through their Document
    assert store.shortest_path(s1, s2) is None
    assert store.shortest_path("person:cedric-jeanneret", "project:tripleo", max_hops=1) is None
    assert store.shortest_path("person:cedric-jeanneret", "project:missing") is None


def _after_a_and_b(store, key: str, title: str, *links: tuple[str, ...]) -> None:
    """doc_a and doc_b, then a note on Kolla and TripleO whose COLLABORATES_WITH ``links``
    are (source, target, quotes...)."""
    store.write_document(doc_a())
    store.write_document(doc_b())
    b = DocBuilder(key, title, date="2024-04-10")
    b.node("Project", "Kolla", kind="team")
    b.node("Project", "TripleO", kind="team")
    for source, target, *quotes in links:
        b.edge(source, "COLLABORATES_WITH", target, *quotes)
    store.write_document(b.build())


def test_edges_between_gives_the_relationships_joining_each_pair_either_way(store):
    """What a path's hop shows: every relationship between the two nodes, whichever way
    it points, of the types asked for, as the busy end's own edges list them."""
    _after_a_and_b(store, "tripleo-kolla", "TripleO asks Kolla",
                   ("project:tripleo", "project:kolla", "TripleO will reuse Kolla's health checks"))
    pairs = [("project:kolla", "project:tripleo"), ("person:cedric-jeanneret", "project:tripleo"),
             ("project:tripleo", "topic:container-health-checks"), ("project:kolla", "project:missing"),
             ("document:kolla-caracal", "session:kolla-caracal-health-checks")]
    for types in (None, ["COLLABORATES_WITH"], ["MEMBER_OF", "RECORDS"], []):
        found = store.edges_between(pairs, types)
        assert list(found) == pairs
        for a, c in pairs:
            expected = [e for e in store.edges(a, types) if {e.source, e.target} == {a, c}] if types != [] else []
            assert found[(a, c)] == expected, (a, c, types)
    both_ways = store.edges_between([("project:tripleo", "project:kolla")], ["COLLABORATES_WITH"])
    assert [(e.source, e.target) for e in both_ways[("project:tripleo", "project:kolla")]] == \
        [("project:kolla", "project:tripleo"), ("project:tripleo", "project:kolla")]
    assert store.edges_between([("person:cedric-jeanneret", "project:tripleo")])[
        ("person:cedric-jeanneret", "project:tripleo")][0].props["role"] == "core"
    assert store.edges_between([("project:kolla", "project:missing")]) == {("project:kolla", "project:missing"): []}


def test_edge_keys_are_the_ends_of_the_relationships_with_evidence(store):
    """What the collaboration network reads of every decision: which relationships with
    evidence a node has, as its edges list them, without their quotes."""
    _after_a_and_b(store, "loops", "A note with a self-loop and an unsupported fact",
                   ("project:kolla", "project:kolla", "Kolla works with itself on the image layout"),
                   ("project:tripleo", "project:kolla"))  # no quote: not a fact to show
    assert not _edge(store, ("project:tripleo", "COLLABORATES_WITH", "project:kolla")).evidence
    ids = ["project:kolla", "project:tripleo", "session:kolla-caracal-health-checks", "project:missing"]
    for direction in ("out", "in", "both"):
        for types in (None, ["COLLABORATES_WITH"], ["PARTICIPATED_IN", "RECORDS"], []):
            expected = {i: [e.key for e in edges if e.evidence]
                        for i, edges in store.edges_many(ids, types, direction).items()}
            assert store.edge_keys(ids, types, direction) == expected, (direction, types)
    keys = store.edge_keys(["project:kolla", "project:tripleo"], ["COLLABORATES_WITH"])
    assert keys["project:kolla"] == [("project:kolla", "COLLABORATES_WITH", "project:kolla"),
                                     ("project:kolla", "COLLABORATES_WITH", "project:tripleo")]
    assert keys["project:tripleo"] == [("project:kolla", "COLLABORATES_WITH", "project:tripleo")]
    assert store.edge_keys(["project:missing"]) == {"project:missing": []}


def test_counts_and_top_nodes(store):
    store.write_document(doc_a())
    store.write_document(doc_b())
    counts = store.counts()
    assert set(counts["nodes"]) >= set(LABELS) and set(counts["edges"]) >= set(REL_TYPES)
    exported = store.export()
    for label in LABELS:
        assert counts["nodes"][label] == sum(1 for n in exported.nodes if n.label == label)
    for type_ in REL_TYPES:
        assert counts["edges"][type_] == sum(1 for e in exported.edges if e.type == type_)
    assert counts["nodes"]["Project"] == 3 and counts["nodes"]["Event"] == 0
    top = store.top_nodes("Project", limit=2)
    assert len(top) == 2 and top[0][1] >= top[1][1]
    assert {n.id for n, _ in store.top_nodes("Project", limit=10)} == {
        "project:kolla", "project:tripleo", "project:ceph"}


def _ptg_notes(key: str, event: str, start: str, sessions: list[str], people: list[str]) -> DocumentGraph:
    """A PTG etherpad recording ``sessions`` of ``event``, each attended by ``people``."""
    b = DocBuilder(key, f"{event} etherpad {key}")
    ev = b.node("Event", event, start=start, end=start)
    nova = b.node("Project", "Nova", kind="team")
    for title in sessions:
        session = b.node("Session", f"Nova: {title}", key=f"{event} {title}", date=start)
        b.edge(b.doc_id, "RECORDS", session, f"## {title}")
        b.edge(session, "PART_OF", ev, f"{event}, {title}")
        b.edge(nova, "PARTICIPATED_IN", session, f"Nova joined the {title} session")
        for name in people:
            b.edge(b.node("Person", name), "PARTICIPATED_IN", session, f"{name} attended {title}")
    return b.build()


def test_event_counts_are_sessions_and_the_documents_recording_them(store):
    # two etherpads of the same PTG share a session; a third PTG's notes name no session
    store.write_document(_ptg_notes("nova-1", "2024.1 Caracal PTG", "2023-10-23",
                                    ["live migration", "quotas"], ["Sylvain Bauza"]))
    store.write_document(_ptg_notes("nova-2", "2024.1 Caracal PTG", "2023-10-23",
                                    ["quotas", "unified limits"], ["Dan Smith"]))
    store.write_document(_ptg_notes("nova-3", "2024.2 Dalmatian PTG", "2024-04-08",
                                    ["placement"], []))
    b = DocBuilder("summary", "PTG summary")
    b.node("Event", "2025.1 Epoxy PTG", start="2024-10-21")
    store.write_document(b.build())
    caracal, dalmatian, epoxy = (node_id("Event", e) for e in
                                 ("2024.1 Caracal PTG", "2024.2 Dalmatian PTG", "2025.1 Epoxy PTG"))
    assert store.event_counts() == {caracal: (3, 2), dalmatian: (1, 1), epoxy: (0, 0)}
    # what the default (reading every Document's relationships) gives, on every store
    assert store.event_counts() == GraphStore.event_counts(store)
    store.remove_document(node_id("Document", "nova-2"))
    assert store.event_counts() == {caracal: (2, 1), dalmatian: (1, 1), epoxy: (0, 0)}


def test_top_nodes_is_the_head_of_the_full_ranking_ties_and_self_loops_included(store):
    # six people of equal degree and one busier: every limit must cut the same order
    store.write_document(_ptg_notes("nova-1", "2024.1 Caracal PTG", "2023-10-23", ["quotas"],
                                    ["Sylvain Bauza", "Dan Smith", "Balazs Gibizer", "Rene Ribaud",
                                     "Takashi Kajinami", "Uggla"]))
    store.write_document(_ptg_notes("nova-2", "2024.1 Caracal PTG", "2023-10-23", ["placement"],
                                    ["Dan Smith"]))
    b = DocBuilder("nova-3", "Nova notes")
    nova = b.node("Project", "Nova", kind="team")
    b.edge(nova, "COLLABORATES_WITH", nova, "Nova compute and Nova API teams pair on quotas")
    store.write_document(b.build())
    exported = store.export()
    total = store.counts()["nodes"]["Person"]
    full = store.top_nodes("Person", total)
    assert len(full) == total == 6
    for limit in range(total + 1):
        assert store.top_nodes("Person", limit) == full[:limit]
    assert [n.name for n, _ in full[:2]] == ["Dan Smith", "Balazs Gibizer"]  # then by name
    for node, degree in full + store.top_nodes("Project", 1):
        assert degree == sum((e.source == node.id) + (e.target == node.id) for e in exported.edges)


def test_document_graphs_copy_back_to_the_same_export(store):
    originals = [doc_a(), doc_b()]
    for g in originals:
        store.write_document(g)
    store.write_document(doc_a(changed=True))  # doc A is now the latest
    before = store.export().to_json_dict()
    graphs = list(store.document_graphs())
    assert [g.doc_id for g in graphs] == [doc_b().doc_id, doc_a().doc_id]  # ingest order
    written = doc_a(changed=True)
    [copy_a] = [g for g in graphs if g.doc_id == written.doc_id]
    assert copy_a.content_hash == written.content_hash
    assert {(n.id, n.label, n.name) for n in copy_a.nodes} == {(n.id, n.label, n.name) for n in written.nodes}
    assert sorted((e.key, tuple(e.evidence)) for e in copy_a.edges) == \
        sorted((e.key, tuple(e.evidence)) for e in written.edges)

    for g in graphs:
        store.remove_document(g.doc_id)
    assert store.export().to_json_dict() == {"nodes": [], "edges": []}
    assert sum(store.counts()["nodes"].values()) == 0
    for g in graphs:
        store.write_document(g)
    assert store.export().to_json_dict() == before


def test_invalid_graph_is_refused_and_changes_nothing(store):
    store.write_document(doc_a())
    before = store.export().to_json_dict()
    b = DocBuilder("bad", "Bad graph")
    topic = b.node("Topic", "upgrades")
    person = b.node("Person", "Someone")
    b.edge(topic, "MEMBER_OF", person, "upgrades is not a member of anyone")
    with pytest.raises((ValueError, StoreError)):
        store.write_document(b.build())
    assert store.export().to_json_dict() == before


def test_second_handle_sees_writes(store_factory):
    writer = store_factory()
    reader = store_factory()
    assert reader.find_nodes("Kolla") == []
    writer.write_document(doc_a())
    assert [n.id for n in reader.find_nodes("Kolla")] == ["project:kolla"]
    writer.write_document(doc_b())
    assert reader.export().to_json_dict() == writer.export().to_json_dict()
    assert {"container health checks"} <= {n.name for n, _ in reader.search("container health")}


def test_document_graph_and_node_entries_give_each_documents_own_entry(store):
    from ptgkg.graph.stores.base import GraphStore

    store.write_document(doc_b())  # 2023-10-27
    store.write_document(doc_a())  # 2023-10-24
    a = store.document_graph(doc_a().doc_id)
    assert a is not None and {n.id for n in a.nodes} == {n.id for n in doc_a().nodes}
    assert store.document_graph("doc:never-stored") is None
    entries = store.node_entries("Person")
    # one entry per document that names Cédric, as that document wrote it, older note first
    assert [(doc, n.props.get("irc")) for doc, n in entries] == [(doc_a().doc_id, "Tengu"), (doc_b().doc_id, "tengu")]
    generic = GraphStore.node_entries(store, "Person")
    assert [(d, n.id, n.name, n.aliases, n.props) for d, n in entries] == \
        [(d, n.id, n.name, n.aliases, n.props) for d, n in generic]
