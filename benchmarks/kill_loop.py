"""Crash safety of the embedded store: SIGKILL ``ptgkg ingest`` at random moments.

A synthetic folder of small notes (copies of ``data/notes`` under distinct names, so
they share people, projects and topics and their facts pile up on the same edges) is
ingested once cleanly: the *reference*. Then ``ptgkg ingest`` runs again and again on
a fresh store and is killed with SIGKILL at a random moment, either anywhere in the
run or right after a random number of documents were committed (so that kills land
among the writes, not only while spaCy loads). After every kill:

* the store opens (``EmbeddedStore``) and SQLite's ``integrity_check`` passes;
* every stored document is *wholly in*: its contribution (``store.document_graphs()``)
  equals the reference run's for that document, node for node and edge for edge,
  evidence included; documents not stored are wholly absent (no rows of theirs);
* the merged graph is consistent: every edge's endpoints exist.

The next run resumes on the same store (and may be killed in turn); every
``chain`` kills a run is let finish, and its export must equal the reference export.

Full run (the figures in docs/reliability.md)::

    .venv/bin/python benchmarks/kill_loop.py --kills 50

``tests/test_crash_safety.py`` runs the same loop with a few kills.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "data" / "notes"
PTGKG = str(Path(sys.executable).with_name("ptgkg"))

__all__ = ["build_corpus", "canonical_graph", "canonical_export", "reference_run", "check_store",
           "run_kill_loop", "KillFigures", "ingest_cmd", "ingest_env"]


def build_corpus(dest: Path, count: int = 40, notes: Path = NOTES) -> Path:
    """``count`` small notes in ``dest/notes``: copies of the sample notes under distinct
    names (each a separate document; an mbox copy holds several)."""
    sources = sorted(p for p in notes.iterdir() if p.is_file())
    folder = Path(dest) / "notes"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        (folder / f"{i:02d}-{src.name}").write_bytes(src.read_bytes())
    return folder


def ingest_env(batch_size: int = 8) -> dict[str, str]:
    """Environment of every ingest run: small NLP batches, so writes come in several bursts."""
    env = dict(os.environ)
    env.pop("PTGKG_STORE", None)
    env["PTGKG_NLP_BATCH_SIZE"] = str(batch_size)
    return env


def ingest_cmd(store: Path) -> list[str]:
    return [PTGKG, "ingest", "notes", "--store", str(store), "--json"]


def canonical_graph(graph) -> str:
    """A document's contribution as one comparable string (order-independent)."""
    nodes = sorted(json.dumps([n.id, n.label, n.name, n.aliases, n.props], sort_keys=True, default=str)
                   for n in graph.nodes)
    edges = sorted(json.dumps([e.source, e.type, e.target, e.props,
                               sorted([ev.doc, ev.quote, ev.start, ev.end] for ev in e.evidence)],
                              sort_keys=True, default=str) for e in graph.edges)
    return json.dumps([graph.doc_id, graph.content_hash, nodes, edges])


def canonical_export(store) -> dict:
    return store.export().to_json_dict()


@dataclass
class Reference:
    docs: dict[str, str]           # doc id -> canonical contribution
    export: dict
    seconds: float
    documents: int


def reference_run(workdir: Path) -> Reference:
    """A clean, uninterrupted ingest of ``workdir/notes`` into ``workdir/reference``."""
    from ptgkg.graph.stores.embedded import EmbeddedStore

    store = Path(workdir) / "reference"
    shutil.rmtree(store, ignore_errors=True)
    t = time.monotonic()
    proc = subprocess.run(ingest_cmd(store), cwd=workdir, env=ingest_env(), capture_output=True, text=True)
    seconds = time.monotonic() - t
    if proc.returncode != 0:
        raise RuntimeError(f"reference ingest failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    with EmbeddedStore(store, read_only=True) as st:
        docs = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
        export = canonical_export(st)
    return Reference(docs, export, seconds, len(docs))


def check_store(store: Path, ref: Reference) -> tuple[int, list[str]]:
    """(documents stored, problems) for a store left behind by a killed ingest."""
    from ptgkg.graph.stores.embedded import STORE_FILE, EmbeddedStore

    problems: list[str] = []
    db = Path(store) / STORE_FILE
    if not db.exists():
        return 0, problems  # killed before the store was created: nothing to lose
    try:
        st = EmbeddedStore(store)  # read-write, as the next ingest opens it (replays the WAL)
    except Exception as exc:  # noqa: BLE001 - any failure here is the finding
        return 0, [f"store does not open: {type(exc).__name__}: {exc}"]
    try:
        conn = sqlite3.connect(db)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                problems.append(f"integrity_check: {verdict}")
            stored_ids = {r[0] for r in conn.execute("SELECT id FROM documents")}
            orphans = {r[0] for r in conn.execute(
                "SELECT doc_id FROM node_support UNION SELECT doc_id FROM edge_support")} - stored_ids
            if orphans:
                problems.append(f"rows of {len(orphans)} documents that are not stored (half-written)")
        finally:
            conn.close()
        got = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
        for doc_id, canon in got.items():
            if doc_id not in ref.docs:
                problems.append(f"{doc_id}: stored but not in the reference")
            elif canon != ref.docs[doc_id]:
                problems.append(f"{doc_id}: stored contribution differs from the reference (partial?)")
        export = st.export()
        ids = {n.id for n in export.nodes}
        dangling = [e.key for e in export.edges if e.source not in ids or e.target not in ids]
        if dangling:
            problems.append(f"{len(dangling)} edges with a missing endpoint, e.g. {dangling[0]}")
        return len(got), problems
    finally:
        st.close()


@dataclass
class KillFigures:
    kills: int = 0
    kills_among_writes: int = 0     # at least one document committed by the killed run
    completed_runs: int = 0         # runs let finish, their export compared to the reference
    reference_documents: int = 0
    documents_lost: int = 0         # documents committed before a kill and missing afterwards
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"kills survived: {self.kills - len({p.split(':')[0] for p in self.problems})} of {self.kills} "
                f"({self.kills_among_writes} among the writes); completing reruns equal to the reference: "
                f"{self.completed_runs}; documents per run: {self.reference_documents}; documents lost: "
                f"{self.documents_lost}; problems: {len(self.problems)}; {self.seconds:.0f} s")


def _count_documents(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def _run_and_kill(store: Path, workdir: Path, rng: random.Random, ref: Reference) -> tuple[bool, int, int]:
    """One ingest run, killed at a random moment. Returns (killed, docs before, docs at kill)."""
    db = store / "graph.sqlite"
    before = max(0, _count_documents(db)) if db.exists() else 0
    remaining = ref.documents - before
    targeted = remaining > 0 and rng.random() < 0.6
    # targeted: right after a random number of this run's commits (plus a few ms);
    # otherwise: a uniform moment in the run (loading spaCy, reading, NLP or writing)
    goal = before + rng.randint(1, remaining) if targeted else None
    deadline = rng.uniform(0.2, ref.seconds * 1.05)
    proc = subprocess.Popen(ingest_cmd(store), cwd=workdir, env=ingest_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.monotonic()
    try:
        while proc.poll() is None:
            if goal is not None:
                if db.exists() and _count_documents(db) >= goal:
                    time.sleep(rng.uniform(0, 0.012))
                    break
                if time.monotonic() - t > ref.seconds * 3 + 30:
                    break
            elif time.monotonic() - t >= deadline:
                break
            time.sleep(0.003)
        killed = proc.poll() is None
        if killed:
            proc.kill()  # SIGKILL: no cleanup, no atexit, no rollback
        proc.wait(30)
        stderr = proc.stderr.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stderr.close()
    if not killed and proc.returncode != 0:
        raise RuntimeError(f"ingest failed on its own ({proc.returncode}): {stderr.strip()[-500:]}")
    return killed, before, max(0, _count_documents(db)) if db.exists() else 0


def run_kill_loop(kills: int, workdir: Path | None = None, notes: int = 40, chain: int = 4, seed: int | None = None,
                  log: Callable[[str], None] = print, ref: Reference | None = None) -> KillFigures:
    """Kill ``kills`` ingest runs; every ``chain`` kills, let a rerun finish and compare it."""
    rng = random.Random(seed)
    own = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="ptgkg-kill-"))
    figures = KillFigures()
    started = time.monotonic()
    try:
        if not (workdir / "notes").is_dir():
            build_corpus(workdir, notes)
        ref = ref or reference_run(workdir)
        figures.reference_documents = ref.documents
        log(f"reference: {ref.documents} documents in {ref.seconds:.1f} s")
        store = workdir / "store"
        shutil.rmtree(store, ignore_errors=True)
        in_chain = 0
        while figures.kills < kills:
            killed, before, at_kill = _run_and_kill(store, workdir, rng, ref)
            if killed:
                figures.kills += 1
                in_chain += 1
                count, problems = check_store(store, ref)
                figures.problems += [f"kill {figures.kills}: {p}" for p in problems]
                if count < before:
                    figures.documents_lost += before - count
                    figures.problems.append(f"kill {figures.kills}: {before - count} documents lost")
                if at_kill > before:
                    figures.kills_among_writes += 1
                log(f"kill {figures.kills}: documents {before} -> {count}"
                    + (f"  PROBLEMS: {problems}" if problems else "  ok"))
            if not killed or in_chain >= chain or figures.kills >= kills:
                figures.completed_runs += _complete(store, workdir, ref, figures, log)
                shutil.rmtree(store, ignore_errors=True)
                in_chain = 0
    finally:
        figures.seconds = time.monotonic() - started
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    return figures


def _complete(store: Path, workdir: Path, ref: Reference, figures: KillFigures, log) -> int:
    """Rerun to the end; the result must equal the reference run's export."""
    from ptgkg.graph.stores.embedded import EmbeddedStore

    proc = subprocess.run(ingest_cmd(store), cwd=workdir, env=ingest_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        figures.problems.append(f"rerun after kill {figures.kills} failed: {proc.stderr.strip()[-300:]}")
        return 0
    with EmbeddedStore(store, read_only=True) as st:
        same = canonical_export(st) == ref.export
        docs = sum(1 for _ in st.document_graphs())
    if not same:
        figures.problems.append(f"rerun after kill {figures.kills}: export differs from the reference "
                                f"({docs} of {ref.documents} documents)")
    log(f"rerun: {docs} documents, export {'equals' if same else 'DIFFERS FROM'} the reference")
    return 1 if same else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--notes", type=int, default=40, help="notes in the synthetic folder")
    ap.add_argument("--chain", type=int, default=4, help="kills on one store before a rerun is let finish")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    args = ap.parse_args(argv)
    figures = run_kill_loop(args.kills, notes=args.notes, chain=args.chain, seed=args.seed)
    print(figures.summary())
    for p in figures.problems:
        print("  ", p)
    if args.json:
        print(json.dumps({k: v for k, v in figures.__dict__.items()}, indent=2))
    return 1 if figures.problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
