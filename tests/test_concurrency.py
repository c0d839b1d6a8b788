"""Concurrency on the embedded store: two ingests at once, a reader during an ingest."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node
from ptgkg.graph.stores.base import StoreError
from ptgkg.graph.stores.embedded import EmbeddedStore

PTGKG = str(Path(sys.executable).with_name("ptgkg"))
NOTES = Path(__file__).resolve().parents[1] / "data" / "notes"


def doc_graph(i: int) -> DocumentGraph:
    """Document ``i``: its own session and decision, people/projects/topics shared with others."""
    d = f"doc:{i:04d}"
    person = Node(f"person:p{i % 5}", "Person", f"Person {i % 5}", [f"nick{i % 5}"], {"seen_in": [d]})
    project = Node(f"project:k{i % 3}", "Project", f"Project {i % 3}", props={"kind": "team"})
    other = Node(f"project:k{(i + 1) % 3}", "Project", f"Project {(i + 1) % 3}", props={"kind": "team"})
    topic = Node(f"topic:t{i % 4}", "Topic", f"topic {i % 4}")
    session = Node(f"session:s{i}", "Session", f"Session {i}", props={"date": "2024-04-0%d" % (1 + i % 9)})
    decision = Node(f"decision:{i:04d}", "Decision", f"decision {i}", props={"text": f"decision {i}",
                                                                            "status": "agreed"})
    doc = Node(d, "Document", f"notes {i}", props={"source": f"notes/{i}.txt"})
    ev = [Evidence(d, f"sentence {j} of document {i}", j * 30, j * 30 + 25) for j in range(3)]
    edges = [Edge(person.id, topic.id, "DISCUSSED", ev[:1]), Edge(project.id, topic.id, "DISCUSSED", ev[1:2]),
             Edge(project.id, other.id, "COLLABORATES_WITH", ev, {"topics": [topic.name]}),
             Edge(person.id, session.id, "PARTICIPATED_IN", ev[:1]), Edge(person.id, project.id, "MEMBER_OF", ev[2:]),
             Edge(session.id, topic.id, "COVERED", ev[:2]), Edge(decision.id, session.id, "MADE_IN", ev[:1]),
             Edge(decision.id, topic.id, "ABOUT", ev[:1]), Edge(decision.id, project.id, "INVOLVES", ev[:1]),
             Edge(decision.id, person.id, "ASSIGNED_TO", ev[:1]), Edge(doc.id, session.id, "RECORDS", ev[:1])]
    return DocumentGraph(d, f"hash{i}", [doc, person, project, other, topic, session, decision], edges)


EVIDENCE_PER_DOC = sum(len(e.evidence) for e in doc_graph(0).edges)


def assert_consistent(export) -> None:
    """Every edge endpoint exists, and every document present is present whole."""
    ids = {n.id for n in export.nodes}
    for e in export.edges:
        assert e.source in ids and e.target in ids, f"dangling edge {e.key}"
    per_doc: dict[str, int] = {}
    for e in export.edges:
        for ev in e.evidence:
            per_doc[ev.doc] = per_doc.get(ev.doc, 0) + 1
    docs = {n.id for n in export.nodes if n.label == "Document"}
    assert set(per_doc) == docs
    for d in docs:
        if d.startswith("doc:0"):  # synthetic documents: a known number of evidence items
            assert per_doc[d] == EVIDENCE_PER_DOC, f"{d} is half there"


# --------------------------------------------------------------------------- two writers
def test_a_second_writer_waits_for_the_first(tmp_path):
    first = EmbeddedStore(tmp_path / "kg")
    second = EmbeddedStore(tmp_path / "kg", busy_timeout=10)
    raw = sqlite3.connect(tmp_path / "kg" / "graph.sqlite", isolation_level=None, check_same_thread=False)
    raw.execute("BEGIN IMMEDIATE")  # an ingest in the middle of a document
    threading.Timer(0.4, lambda: raw.execute("COMMIT")).start()
    t = time.monotonic()
    second.write_document(doc_graph(1))
    assert time.monotonic() - t >= 0.3  # it waited, then wrote
    assert_consistent(first.export())
    assert {n.id for n in first.export().nodes} >= {"doc:0001", "decision:0001"}
    for s in (first, second):
        s.close()
    raw.close()


def test_a_writer_that_cannot_wait_longer_fails_with_one_clear_line(tmp_path):
    store = EmbeddedStore(tmp_path / "kg", busy_timeout=0.3)
    store.write_document(doc_graph(1))
    before = store.export().to_json_dict()
    raw = sqlite3.connect(tmp_path / "kg" / "graph.sqlite", isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError) as info:
            store.write_document(doc_graph(2))
    finally:
        raw.execute("ROLLBACK")
        raw.close()
    assert str(info.value) == f"store {tmp_path / 'kg'} is locked by another ingest; try again when it finishes"
    assert store.export().to_json_dict() == before
    store.write_document(doc_graph(2))  # and it works once the other is done
    assert_consistent(store.export())
    store.close()


def test_two_cli_ingests_at_once_and_a_reader(tmp_path):
    """Two ``ptgkg ingest`` processes on one store: both finish (one waits) or one says
    clearly that the store is locked; never a corrupt store or a half document. Meanwhile
    a read-only handle (the dashboard's) sees a graph that only grows and never dangles."""
    halves = [tmp_path / "a", tmp_path / "b"]
    notes = sorted(NOTES.iterdir())
    for k, half in enumerate(halves):
        half.mkdir()
        for f in notes[k::2]:
            shutil.copy(f, half / f.name)
    store = tmp_path / "store"
    procs = [subprocess.Popen([PTGKG, "ingest", str(h), "--store", str(store), "--json"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for h in halves]
    while not (store / "graph.sqlite").exists():
        time.sleep(0.01)
    time.sleep(0.2)
    reader = EmbeddedStore(store, read_only=True)
    docs_seen: set[str] = set()
    edges_seen = 0
    while any(p.poll() is None for p in procs):
        export = reader.export()
        ids = {n.id for n in export.nodes}
        assert all(e.source in ids and e.target in ids for e in export.edges)
        docs = {n.id for n in export.nodes if n.label == "Document"}
        assert docs >= docs_seen and len(export.edges) >= edges_seen
        docs_seen, edges_seen = docs, len(export.edges)
        time.sleep(0.01)
    reader.close()
    results = [(p.wait(300), *p.communicate()) for p in procs]
    ingested = 0
    for code, stdout, stderr in results:
        assert "Traceback" not in stderr
        if code == 0:
            ingested += json.loads(stdout)["ingested"]
        else:
            assert code == 1 and stderr.strip().startswith("error: store") and "locked" in stderr, stderr
    assert any(code == 0 for code, _, _ in results)
    conn = sqlite3.connect(store / "graph.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with EmbeddedStore(store, read_only=True) as st:
        export = st.export()
        assert len([n for n in export.nodes if n.label == "Document"]) == ingested
        ids = {n.id for n in export.nodes}
        assert all(e.source in ids and e.target in ids for e in export.edges)


# --------------------------------------------------------------------------- reader during a write
def test_a_reader_sees_a_consistent_growing_graph_while_an_ingest_writes(tmp_path):
    """What the dashboard does: a read-only handle polling while another writes document after document."""
    writer = EmbeddedStore(tmp_path / "kg")
    writer.write_document(doc_graph(0))
    reader = EmbeddedStore(tmp_path / "kg", read_only=True)
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(1, 121):
                writer.write_document(doc_graph(i))
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=write)
    thread.start()
    seen, last = 0, (0, 0, 0)
    while not done.is_set() or seen == 0:
        export = reader.export()
        assert_consistent(export)
        counts = (len(export.nodes), len(export.edges), sum(len(e.evidence) for e in export.edges))
        assert all(a >= b for a, b in zip(counts, last)), f"shrank: {last} -> {counts}"
        last, seen = counts, seen + 1
        reader.counts()
        reader.find_nodes("Project 1")
    thread.join()
    assert not errors, errors
    assert seen >= 3  # it did read while the writer wrote
    final = reader.export()
    assert len([n for n in final.nodes if n.label == "Document"]) == 121
    assert_consistent(final)
    writer.close()
    reader.close()
