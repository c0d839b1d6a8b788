"""Parallel ingest (issue 6, benchmark 2): ``ptgkg ingest --workers 2`` against ``--workers 1``.

Same corpus (default >= 1,000,000 words; ``--quick``: 20,000), same machine, one run:
each ingest is the CLI end to end in its own process into a fresh embedded store, and
the two stores' exports (``ptgkg export`` JSON) must be identical.
Target: speedup >= 1.7x with 2 workers.

    .venv/bin/python benchmarks/parallel_ingest.py [--quick] [--words N] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PTGKG, env_for_children, export_json, exports_equal, run_child, table, verdict  # noqa: E402

TARGET = 1.7


def ingest(corpus: Path, store: Path, workers: int, cwd: Path) -> tuple[dict, float, int]:
    proc, seconds, peak = run_child([PTGKG, "ingest", str(corpus), "--store", str(store),
                                     "--workers", str(workers), "--json"], cwd=cwd, env=env_for_children())
    if proc.returncode != 0:
        raise SystemExit(f"ptgkg ingest --workers {workers} failed ({proc.returncode}): {proc.stderr.strip()[-600:]}")
    return json.loads(proc.stdout), seconds, peak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ptgkg ingest --workers 2 vs --workers 1")
    ap.add_argument("--quick", action="store_true", help="a small corpus (CI)")
    ap.add_argument("--words", type=int, help="corpus size (default 1,000,000; quick 20,000)")
    ap.add_argument("--corpus", type=Path, help="ingest this folder instead of a generated corpus")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args(argv)

    from generate_corpus import generate

    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-parallel-"))
    corpus = args.corpus
    if corpus is None:
        corpus = work / "corpus"
        generate(corpus, words=args.words or (20_000 if args.quick else 1_000_000), seed=args.seed)
    corpus = corpus.resolve()
    print(f"corpus: {corpus}; {os.cpu_count()} CPUs", flush=True)

    one, t_one, mem_one = ingest(corpus, work / "one", 1, work)
    many, t_many, mem_many = ingest(corpus, work / "many", args.workers, work)
    words = one["words"]
    speedup = t_one / t_many
    table(["workers", "documents", "words", "seconds", "words/s", "peak RSS MB", "speedup"], [
        [1, one["ingested"], words, t_one, words / t_one, mem_one / 1024, 1.0],
        [args.workers, many["ingested"], many["words"], t_many, many["words"] / t_many, mem_many / 1024, speedup],
    ], title="ptgkg ingest (CLI, end to end, fresh embedded store each)")
    same, detail = exports_equal(export_json(work / "one"), export_json(work / "many"))
    verdict(f"--workers {args.workers} speedup", speedup >= TARGET,
            f"{speedup:.2f}x over --workers 1 (target >= {TARGET}x; peak RSS: the largest single process)")
    verdict("same graph as --workers 1", same, detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
