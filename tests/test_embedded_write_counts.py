"""The embedded store's write summary (``WriteResult``: what ``ptgkg ingest`` reports as
nodes and edges added and removed) against what the graph really gained and lost.

A node or relationship is new to the graph only when no other stored document holds
it, and gone only when the last document holding it is rewritten without it or removed.
These tests replay writes, rewrites and removals of notes sharing people, projects and
topics, and compare each summary with the difference of the exported graph before and
after.
"""
from __future__ import annotations

import random
import sqlite3

import pytest

from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node
from ptgkg.graph.stores.embedded import EmbeddedStore

PEOPLE = ["Uma Vogel", "Kenji Ziegler", "Rafael Dahl", "Ivan Petrov", "Yara Silva", "Jonas Walsh"]
PROJECTS = ["Neutron", "Cloudkitty", "Kolla", "Ironic"]
TOPICS = ["hardware inspection", "community goals", "placement", "upgrades"]


def slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def note(i: int, version: int, rng: random.Random) -> DocumentGraph:
    """Note ``i`` (its ``version``): a session with decisions of its own about shared
    topics, involving shared projects, people who took part; random subsets, so
    versions and notes overlap partly."""
    doc = f"doc:note-{i}"
    session = f"session:ptg-{slug(rng.choice(TOPICS))}"
    nodes = {doc: Node(doc, "Document", f"Note {i}", props={"version": version}),
             session: Node(session, "Session", session.split(":")[1])}
    edges: list[Edge] = []

    def quote(text: str) -> list[Evidence]:
        return [Evidence(doc, text, 0, len(text))]

    edges.append(Edge(doc, session, "RECORDS", quote(f"note {i} records {session}")))
    for person in rng.sample(PEOPLE, rng.randint(1, 4)):
        pid = f"person:{slug(person)}"
        nodes[pid] = Node(pid, "Person", person)
        edges.append(Edge(pid, session, "PARTICIPATED_IN", quote(f"{person} was there")))
    for d in range(rng.randint(0, 3)):
        did = f"decision:{i}-{version}-{d}" if rng.random() < 0.7 else f"decision:shared-{d}"
        nodes[did] = Node(did, "Decision", f"decision {d}", props={"text": f"we agreed on {d}"})
        edges.append(Edge(did, session, "MADE_IN", quote(f"agreed {d}")))
        topic = rng.choice(TOPICS)
        tid = f"topic:{slug(topic)}"
        nodes[tid] = Node(tid, "Topic", topic)
        edges.append(Edge(did, tid, "ABOUT", quote(f"{d} is about {topic}")))
        project = rng.choice(PROJECTS)
        prid = f"project:{slug(project)}"
        nodes[prid] = Node(prid, "Project", project)
        edges.append(Edge(did, prid, "INVOLVES", quote(f"{project} is involved")))
    return DocumentGraph(doc, f"{i}:{version}", list(nodes.values()), edges)


class CommitFailsOnce:
    """A store's connection whose next COMMIT fails (a full disk, say): put it in place of
    ``store._conn`` and the next write is rolled back."""

    def __init__(self, conn):
        self.conn, self.armed = conn, True

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def execute(self, sql, *args):
        if self.armed and sql == "COMMIT":
            self.armed = False
            raise sqlite3.OperationalError("disk I/O error")
        return self.conn.execute(sql, *args)


def facts(store: EmbeddedStore) -> tuple[set[str], set[tuple[str, str, str]]]:
    graph = store.export()
    return {n.id for n in graph.nodes}, {e.key for e in graph.edges}


def reported(result) -> tuple[int, int, int, int]:
    return result.nodes_added, result.edges_added, result.nodes_removed, result.edges_removed


def gained_and_lost(before, after) -> tuple[int, int, int, int]:
    """What ``reported`` should say, from :func:`facts` before and after a write."""
    (nodes_before, edges_before), (nodes_after, edges_after) = before, after
    return (len(nodes_after - nodes_before), len(edges_after - edges_before),
            len(nodes_before - nodes_after), len(edges_before - edges_after))


def write_or_remove(store: EmbeddedStore, versions: dict[int, int], notes: int, rng: random.Random):
    """A random step: a new version of one of ``notes`` notes, or (sometimes) its removal."""
    i = rng.randrange(notes)
    if i in versions and rng.random() < 0.25:
        del versions[i]
        return store.remove_document(f"doc:note-{i}")
    versions[i] = versions.get(i, 0) + 1
    return store.write_document(note(i, versions[i], rng))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_write_summary_matches_what_the_graph_gained_and_lost(tmp_path, seed):
    rng = random.Random(seed)
    with EmbeddedStore(tmp_path / "store") as store:
        versions: dict[int, int] = {}
        for step in range(60):
            before = facts(store)
            result = write_or_remove(store, versions, 12, rng)
            assert reported(result) == gained_and_lost(before, facts(store)), f"step {step}"


def test_a_note_repeating_known_facts_adds_only_its_own(tmp_path):
    """A second note about the same session and people adds its document node and the
    relationship recording the session, nothing else."""
    rng = random.Random(7)
    first = note(1, 1, rng)
    with EmbeddedStore(tmp_path / "store") as store:
        store.write_document(first)
        doc = "doc:note-2"
        retold = DocumentGraph(doc, "h2", [Node(doc, "Document", "Note 2")] + [n for n in first.nodes if n.label != "Document"],
                               [Edge(doc, e.target, e.type, [Evidence(doc, "again", 0, 5)]) if e.type == "RECORDS"
                                else Edge(e.source, e.target, e.type, [Evidence(doc, "again", 0, 5)])
                                for e in first.edges])
        result = store.write_document(retold)
        assert (result.nodes_added, result.edges_added) == (1, 1)
        removed = store.remove_document("doc:note-1")
        assert (removed.nodes_removed, removed.edges_removed) == (1, 1)


def test_summaries_stay_right_when_two_handles_take_turns(tmp_path):
    """A writer counts what its writes add and remove from what it has seen of the store;
    another handle (or process) writing or removing notes in between must not make it
    miscount."""
    rng = random.Random(11)
    path = tmp_path / "store"
    with EmbeddedStore(path) as one, EmbeddedStore(path) as two:
        versions: dict[int, int] = {}
        for step in range(40):
            before = facts(one)
            result = write_or_remove(one if rng.random() < 0.5 else two, versions, 6, rng)
            assert reported(result) == gained_and_lost(before, facts(two)), f"step {step}"


def test_a_write_that_fails_to_commit_changes_no_later_summary(tmp_path):
    """A write whose commit fails (a full disk, say) leaves the store as it was, and the
    writer's own reckoning too: after another handle's write, the next writes report
    what they really add and remove."""
    rng = random.Random(5)
    with EmbeddedStore(tmp_path / "store") as store:
        store.write_document(note(1, 1, rng))
        exported = store.export().to_json_dict()
        real, store._conn = store._conn, CommitFailsOnce(store._conn)
        with pytest.raises(Exception, match="disk I/O error"):
            store.write_document(note(2, 1, rng))
        store._conn = real
        assert store.export().to_json_dict() == exported
        with EmbeddedStore(tmp_path / "store") as other:  # the store moves on meanwhile
            other.write_document(note(3, 1, rng))
        for i, version in [(2, 1), (1, 2), (3, 2), (4, 1)]:
            before = facts(store)
            result = store.write_document(note(i, version, rng))
            assert reported(result) == gained_and_lost(before, facts(store)), f"note {i}"
