"""Growth (issue 6, benchmark 3): ingest 100, 1,000 and 10,000 documents.

Each size is ingested into a fresh embedded store by a child process (so its peak
memory, ``ru_maxrss``, is its own). Measured:

* time per document (model loading excluded), which must stay flat: the largest run's
  within 25% of the smallest's. The verdict uses the child's CPU time, so other work on
  the machine does not decide it; wall time is printed beside it;
* peak memory against the graph's size (nodes + relationships): memory may not grow
  faster than the graph;
* the cost of a commit (``store.write_document``) per document for the first and the
  last 10% of the largest run's documents, per fact written: a commit must cost in
  proportion to the document, not to the graph (target: last/first <= 1.25);
* kill and resume: ``ptgkg ingest`` in a subprocess is SIGKILLed once half the documents
  are committed; the rerun must skip exactly the committed ones (``unchanged``) and the
  final export must equal a clean, uninterrupted run's.

    .venv/bin/python benchmarks/growth.py [--quick] [--sizes 100,1000,10000] [--resume-docs N]
"""
from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (PTGKG, PYTHON, env_for_children, export_json, exports_equal, run_child, table,  # noqa: E402
                     verdict)

FLAT = 1.25


# ------------------------------------------------------------------------------ child
def child(files_list: Path, store: Path, out: Path) -> int:
    """Ingest the files listed in ``files_list`` into ``store``; write measurements to ``out``."""
    import resource

    from ptgkg.config import get_settings
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from ptgkg.ingest.pipeline import build_nlp
    from ptgkg.pipeline import Ingestor

    files = files_list.read_text().split("\n")
    settings = get_settings()
    t = time.perf_counter()
    build_nlp(settings)
    load_s = time.perf_counter() - t
    s = EmbeddedStore(store)
    commits: list[tuple[float, int]] = []
    write = s.write_document

    def timed_write(graph):
        t0 = time.process_time()  # CPU time: other processes on the machine do not inflate it
        result = write(graph)
        commits.append((time.process_time() - t0, len(graph.nodes) + len(graph.edges)))
        return result

    s.write_document = timed_write  # instance attribute: only this handle is timed
    t, cpu = time.perf_counter(), time.process_time()
    summary = Ingestor(s, settings, workers=1).run(files)
    run_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s.close()
    with sqlite3.connect(store / "graph.sqlite") as db:  # size without loading the graph
        nodes = db.execute("SELECT count(DISTINCT node_id) FROM node_support").fetchone()[0]
        edges = db.execute("SELECT count(*) FROM (SELECT DISTINCT source, type, target FROM edge_support)").fetchone()[0]
    out.write_text(json.dumps({"load_s": load_s, "run_s": run_s, "cpu_s": cpu_s, "peak_kib": peak_kib, "nodes": nodes,
                               "edges": edges, "ingested": len(summary.ingested), "words": summary.words,
                               "rejected": len(summary.rejected), "commits": commits,
                               "rewritten": summary.documents_rewritten}))
    return 0


# ------------------------------------------------------------------------------ parent
def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def measure(files: list[Path], work: Path, label: str) -> dict:
    listing = work / f"{label}.files"
    listing.write_text("\n".join(str(f) for f in files))
    out = work / f"{label}.json"
    proc, wall, peak = run_child([PYTHON, __file__, "--child", str(listing), str(work / f"store-{label}"), str(out)],
                                 cwd=work, env=env_for_children())
    if proc.returncode != 0:
        raise SystemExit(f"growth child for {label} failed: {proc.stderr.strip()[-800:]}")
    data = json.loads(out.read_text())
    data["wall_s"], data["wait4_peak_kib"] = wall, peak
    return data


def stored_documents(store: Path) -> int:
    db = store / "graph.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


def kill_and_resume(files: list[Path], work: Path) -> bool:
    env = env_for_children()
    args = [str(f) for f in files]
    clean = work / "resume-clean"
    proc = subprocess.run([PTGKG, "ingest", *args, "--store", str(clean), "--json"], cwd=work, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"clean ingest failed: {proc.stderr[-600:]}")
    killed = work / "resume-killed"
    victim = subprocess.Popen([PTGKG, "ingest", *args, "--store", str(killed), "--json"], cwd=work, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    half = len(files) // 2
    while victim.poll() is None and stored_documents(killed) < half:
        time.sleep(0.02)
    if victim.poll() is None:
        victim.send_signal(signal.SIGKILL)
    victim.wait()
    committed = stored_documents(killed)
    proc = subprocess.run([PTGKG, "ingest", *args, "--store", str(killed), "--json"], cwd=work, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"resumed ingest failed: {proc.stderr[-600:]}")
    resumed = json.loads(proc.stdout)
    table(["documents", "committed when killed", "rerun: unchanged", "rerun: ingested"],
          [[len(files), committed, resumed["unchanged"], resumed["ingested"]]],
          title=f"kill -9 after half of {len(files)} documents were committed, then rerun")
    ok_skip = resumed["unchanged"] == committed and resumed["ingested"] == len(files) - committed
    verdict("resume skips committed documents", ok_skip and 0 < committed < len(files),
            f"{resumed['unchanged']} skipped of {committed} committed, {resumed['ingested']} ingested")
    same, detail = exports_equal(export_json(clean), export_json(killed))
    verdict("resumed export equals a clean run's", same, detail)
    return ok_skip and same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="time, memory and commit cost as the corpus grows")
    ap.add_argument("--quick", action="store_true", help="20/100/400 documents")
    ap.add_argument("--sizes", help="comma-separated document counts (default 100,1000,10000)")
    ap.add_argument("--doc-words", default="150,400", help="min,max words per generated document")
    ap.add_argument("--resume-docs", type=int, help="documents in the kill-and-resume check (default 200; quick 30)")
    ap.add_argument("--corpus", type=Path, help="use this folder's files (sorted) instead of a generated corpus")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--child", nargs=3, metavar=("FILES", "STORE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(*(Path(a) for a in args.child))

    from generate_corpus import generate

    sizes = [int(x) for x in (args.sizes or ("20,100,400" if args.quick else "100,1000,10000")).split(",")]
    resume_docs = args.resume_docs or (30 if args.quick else 200)
    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-growth-"))
    if args.corpus:
        files = corpus_files(args.corpus.resolve())
    else:
        low, high = (int(x) for x in args.doc_words.split(","))
        generate(work / "corpus", documents=max(max(sizes), resume_docs), seed=args.seed, doc_words=(low, high))
        files = corpus_files(work / "corpus")
    if len(files) < max(sizes):
        raise SystemExit(f"only {len(files)} files for sizes {sizes}")
    print(f"corpus: {len(files):,} files in {work}", flush=True)

    runs = []
    for n in sizes:
        runs.append(measure(files[:n], work, str(n)))
        r = runs[-1]
        print(f"  {n:,} documents: {r['run_s']:.1f}s, {r['nodes']:,} nodes, {r['edges']:,} edges", flush=True)
    rows = []
    for n, r in zip(sizes, runs):
        per_doc = r["cpu_s"] / max(1, r["ingested"])
        rows.append([n, r["words"], r["run_s"], r["cpu_s"], per_doc * 1000, r["words"] / r["cpu_s"],
                     r["nodes"] + r["edges"], r["peak_kib"] / 1024, r["peak_kib"] / max(1, r["nodes"] + r["edges"])])
    table(["documents", "words", "wall s", "CPU s", "CPU ms/document", "words/CPU s", "graph (nodes+edges)",
           "peak RSS MB", "KiB per graph item"], rows, title="growth: fresh store per size, model load excluded")
    first, last = runs[0], runs[-1]
    per_doc_first = first["cpu_s"] / max(1, first["ingested"])
    per_doc_last = last["cpu_s"] / max(1, last["ingested"])
    # per word too: generated documents vary in length
    wps_ratio = (first["words"] / first["cpu_s"]) / (last["words"] / last["cpu_s"])
    verdict("time per document flat (within 25%)", per_doc_last <= FLAT * per_doc_first and wps_ratio <= FLAT,
            f"{per_doc_first * 1000:.0f} CPU ms/doc at {sizes[0]:,} vs {per_doc_last * 1000:.0f} ms/doc at {sizes[-1]:,} "
            f"({per_doc_last / per_doc_first:.2f}x; per word {wps_ratio:.2f}x)")
    graph_growth = (last["nodes"] + last["edges"]) / max(1, first["nodes"] + first["edges"])
    mem_growth = last["peak_kib"] / max(1, first["peak_kib"])
    verdict("peak memory grows no faster than the graph", mem_growth <= graph_growth,
            f"memory x{mem_growth:.2f} while the graph grew x{graph_growth:.2f}")

    # the run's first writes; after them, its pass joining people across documents
    # rewrites some documents whole (ptgkg.graph.reconcile): reported on their own
    rewritten = last.get("rewritten", 0)
    commits, rewrites = last["commits"][:len(last["commits"]) - rewritten], last["commits"][len(last["commits"]) - rewritten:]
    tenth = max(1, len(commits) // 10)

    def cost(part):  # microseconds per fact written, and ms per commit
        seconds = sum(c for c, _ in part)
        return 1e6 * seconds / max(1, sum(f for _, f in part)), 1e3 * seconds / len(part)

    (us_first, ms_first), (us_last, ms_last) = cost(commits[:tenth]), cost(commits[-tenth:])
    table(["documents", "ms per commit", "us per fact written"],
          [[f"first {tenth:,}", ms_first, us_first], [f"last {tenth:,}", ms_last, us_last]],
          title=f"commit cost in the {sizes[-1]:,}-document run")
    if rewrites:
        us_pass, ms_pass = cost(rewrites)
        print(f"then people named by nick alone joined across documents: {len(rewrites):,} documents rewritten, "
              f"{ms_pass:.2f} ms each ({us_pass:.1f} us per fact), {sum(c for c, _ in rewrites):.1f} CPU s in all")
    verdict("commit cost proportional to the document", us_last <= FLAT * us_first,
            f"{us_first:.0f} -> {us_last:.0f} us per fact ({us_last / us_first:.2f}x, target <= {FLAT}x)")
    kill_and_resume(files[:resume_docs], work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
