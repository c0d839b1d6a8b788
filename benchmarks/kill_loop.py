"""Crash safety of the embedded store: SIGKILL ``ptgkg ingest`` at random moments.

Setup: a synthetic folder of small notes (copies of ``data/notes`` under distinct
names, so they share people, projects and topics and their facts pile up on the same
edges), and a *seed* store holding the sample notes themselves, so every run starts
knowing the same people (ptgkg resolves IRC nicks with the people already stored,
which makes a resumed ingest differ from an uninterrupted one when a later run
learns a nick; that is tested on its own in tests/test_crash_safety.py). The
*reference* is the seed plus one clean, uninterrupted ingest of the folder.

Then ``ptgkg ingest`` runs again and again from a copy of the seed and is killed with
SIGKILL at a random moment: either anywhere in the run (loading spaCy, reading, NLP,
writing) or right after a random number of documents were committed, plus a few
milliseconds (so that kills land among the writes). After every kill:

* the store opens (``EmbeddedStore``, read-write as the next ingest opens it) and
  SQLite's ``integrity_check`` passes;
* every stored document is *wholly in*: its contribution (``store.document_graphs()``)
  equals the reference's for that document, node for node and edge for edge,
  evidence included; no rows belong to a document that is not stored (wholly absent);
* the merged graph is consistent (every edge's endpoints exist) and no document
  committed before the kill is missing (documents lost).

The next run resumes on the same store and may be killed in turn; after ``chain``
kills a rerun is let finish, and its export must equal the reference export.
Several chains run side by side (``--parallel``).

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
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ptgkg.graph.reconcile import as_written

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "data" / "notes"
PTGKG = str(Path(sys.executable).with_name("ptgkg"))

__all__ = ["build_corpus", "canonical_graph", "canonical_export", "prepare", "check_store",
           "run_kill_loop", "KillFigures", "Reference", "ingest_cmd", "ingest_env"]


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


def ingest_cmd(store: Path, folder: str = "notes") -> list[str]:
    return [PTGKG, "ingest", folder, "--store", str(store), "--json"]


def canonical_graph(graph) -> str:
    """A document's contribution as one comparable string (order-independent). People
    the note names only by nick are compared as written: whether they are joined to a
    person named elsewhere depends on the documents stored (ptgkg.graph.reconcile)."""
    graph = as_written(graph)
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
    workdir: Path
    seed: Path                     # store holding the sample notes: every run starts from a copy
    seed_documents: int
    docs: dict[str, str]           # doc id -> canonical contribution (seed and corpus)
    export: dict
    seconds: float                 # one clean ingest of the corpus
    documents: int                 # documents in the corpus


def _ingest(store: Path, cwd: Path, folder: str = "notes") -> float:
    t = time.monotonic()
    proc = subprocess.run(ingest_cmd(store, folder), cwd=cwd, env=ingest_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"ingest of {folder} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return time.monotonic() - t


def prepare(workdir: Path, notes: int = 40) -> Reference:
    """Corpus, seed store and the reference (seed + a clean ingest of the corpus) in ``workdir``."""
    from ptgkg.graph.stores.embedded import EmbeddedStore

    workdir = Path(workdir)
    if not (workdir / "notes").is_dir():
        build_corpus(workdir, notes)
    seed_notes = workdir / "seednotes"
    if not seed_notes.is_dir():
        shutil.copytree(NOTES, seed_notes)
    seed, ref_store = workdir / "seed", workdir / "reference"
    for p in (seed, ref_store):
        shutil.rmtree(p, ignore_errors=True)
    _ingest(seed, workdir, "seednotes")
    shutil.copytree(seed, ref_store)
    seconds = _ingest(ref_store, workdir)
    with EmbeddedStore(seed, read_only=True) as st:
        seed_documents = sum(1 for _ in st.document_graphs())
    with EmbeddedStore(ref_store, read_only=True) as st:
        docs = {g.doc_id: canonical_graph(g) for g in st.document_graphs()}
        export = canonical_export(st)
    return Reference(workdir, seed, seed_documents, docs, export, seconds, len(docs) - seed_documents)


def check_store(store: Path, ref: Reference) -> tuple[int, list[str]]:
    """(documents stored, problems) for a store left behind by a killed ingest."""
    from ptgkg.graph.stores.embedded import STORE_FILE, EmbeddedStore

    problems: list[str] = []
    db = Path(store) / STORE_FILE
    try:
        st = EmbeddedStore(store)  # read-write, as the next ingest opens it (recovers the WAL)
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
    kills_survived: int = 0          # kills after which every check passed
    kills_among_writes: int = 0      # the killed run had committed at least one document
    completed_reruns: int = 0        # reruns let finish whose export equals the reference
    documents_per_run: int = 0
    documents_checked: int = 0       # stored documents compared with the reference, over all kills
    documents_lost: int = 0          # committed before a kill and missing afterwards
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"kills survived: {self.kills_survived} of {self.kills} ({self.kills_among_writes} among the "
                f"writes); documents checked whole: {self.documents_checked}; documents lost: "
                f"{self.documents_lost}; reruns equal to the reference: {self.completed_reruns}; "
                f"documents per run: {self.documents_per_run}; problems: {len(self.problems)}; "
                f"{self.seconds:.0f} s")


def _count_documents(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def _run_and_kill(store: Path, ref: Reference, rng: random.Random) -> tuple[bool, int, int]:
    """One ingest run, killed at a random moment. Returns (killed, docs before, docs at the kill)."""
    db = store / "graph.sqlite"
    before = _count_documents(db)
    total = ref.seed_documents + ref.documents
    targeted = before < total and rng.random() < 0.6
    # targeted: right after a random number of this run's commits (plus a few ms);
    # otherwise: a uniform moment anywhere in the run
    goal = rng.randint(before + 1, total) if targeted else None
    deadline = rng.uniform(0.2, ref.seconds * 1.05)
    proc = subprocess.Popen(ingest_cmd(store), cwd=ref.workdir, env=ingest_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.monotonic()
    try:
        while proc.poll() is None:
            if goal is not None:
                if _count_documents(db) >= goal:
                    time.sleep(rng.uniform(0, 0.012))
                    break
                if time.monotonic() - t > ref.seconds * 4 + 30:
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
    return killed, before, _count_documents(db)


def _rerun(store: Path, ref: Reference) -> tuple[bool, int, str]:
    """Rerun to the end: (export equals the reference, documents, error)."""
    from ptgkg.graph.stores.embedded import EmbeddedStore

    proc = subprocess.run(ingest_cmd(store), cwd=ref.workdir, env=ingest_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        return False, 0, proc.stderr.strip()[-300:]
    with EmbeddedStore(store, read_only=True) as st:
        return canonical_export(st) == ref.export, sum(1 for _ in st.document_graphs()), ""


def run_kill_loop(kills: int, workdir: Path | None = None, notes: int = 40, chain: int = 4,
                  parallel: int = 2, seed: int | None = None, log: Callable[[str], None] = print,
                  ref: Reference | None = None) -> KillFigures:
    """Kill ``kills`` ingest runs over ``parallel`` chains; every ``chain`` kills on one
    store, a rerun is let finish and compared with the reference."""
    own = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="ptgkg-kill-"))
    figures = KillFigures()
    lock = threading.Lock()
    started = time.monotonic()
    seeds = random.Random(seed)
    try:
        ref = ref or prepare(workdir, notes)
        figures.documents_per_run = ref.documents
        log(f"reference: {ref.seed_documents} seed + {ref.documents} documents, "
            f"a clean ingest takes {ref.seconds:.1f} s")
        quota = [kills // parallel + (1 if i < kills % parallel else 0) for i in range(parallel)]

        def worker(i: int, todo: int, rng: random.Random) -> None:
            store = workdir / f"store-{i}"
            done = in_chain = 0
            while done < todo:
                if in_chain == 0:
                    shutil.rmtree(store, ignore_errors=True)
                    shutil.copytree(ref.seed, store)
                killed, before, at_kill = _run_and_kill(store, ref, rng)
                if killed:
                    done += 1
                    in_chain += 1
                    count, problems = check_store(store, ref)
                    with lock:
                        figures.kills += 1
                        n = figures.kills
                        figures.documents_checked += count
                        if count < before:
                            figures.documents_lost += before - count
                            problems.append(f"{before - count} documents lost")
                        figures.kills_survived += not problems
                        figures.kills_among_writes += at_kill > before
                        figures.problems += [f"kill {n}: {p}" for p in problems]
                    log(f"kill {n} (chain {i}): documents {before} -> {count}"
                        + (f"  PROBLEMS: {problems}" if problems else "  ok"))
                if not killed or in_chain >= chain or done >= todo:
                    same, count, error = _rerun(store, ref)
                    with lock:
                        figures.completed_reruns += same
                        if not same:
                            figures.problems.append(f"rerun (chain {i}): " + (
                                f"failed: {error}" if error else
                                f"export differs from the reference ({count} documents)"))
                    log(f"rerun (chain {i}): {count} documents, export "
                        + ("equals the reference" if same else f"DIFFERS {error}"))
                    in_chain = 0

        errors: list[BaseException] = []

        def guarded(*args) -> None:
            try:
                worker(*args)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(exc)

        threads = [threading.Thread(target=guarded, args=(i, q, random.Random(seeds.random())), daemon=True)
                   for i, q in enumerate(quota) if q]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
    finally:
        figures.seconds = time.monotonic() - started
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SIGKILL `ptgkg ingest` at random moments and check the store.")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--notes", type=int, default=40, help="notes in the synthetic folder")
    ap.add_argument("--chain", type=int, default=4, help="kills on one store before a rerun is let finish")
    ap.add_argument("--parallel", type=int, default=2, help="chains running side by side")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    args = ap.parse_args(argv)
    figures = run_kill_loop(args.kills, notes=args.notes, chain=args.chain, parallel=args.parallel, seed=args.seed)
    print(figures.summary())
    for p in figures.problems:
        print("  ", p)
    if args.json:
        print(json.dumps(asdict(figures), indent=2))
    return 1 if figures.problems or figures.documents_lost else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
