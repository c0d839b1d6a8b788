"""Secrets: the Neo4j password never shows up in output, errors, argv or exports.

``NEO4J_PASSWORD`` is set to a marker; CLI commands run against an unreachable Bolt
store, a FalkorDB one and the embedded one, on good and error paths; everything
they print, raise or write is searched for the marker.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

PTGKG = str(Path(sys.executable).with_name("ptgkg"))
REPO = Path(__file__).resolve().parents[1]
NOTE = REPO / "data" / "notes" / "queens-kolla-ptg-summary.md"
MARKER = "pw-MARKER-" + secrets.token_hex(6)
URI_MARKER = "uri-MARKER-" + secrets.token_hex(6)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: nothing listens there


def env_with_password(**extra) -> dict[str, str]:
    env = dict(os.environ, NEO4J_USERNAME="neo4j", NEO4J_PASSWORD=MARKER)
    env.pop("PTGKG_STORE", None)
    return {**env, **extra}


def run(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([PTGKG, *map(str, args)], capture_output=True, text=True, timeout=180, cwd=cwd,
                          env=env or env_with_password())
    for stream in (proc.stdout, proc.stderr):
        assert MARKER not in stream and URI_MARKER not in stream, f"secret printed by {args}: {stream[-500:]}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def assert_no_secret_in_files(folder: Path) -> None:
    for f in Path(folder).rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            assert MARKER.encode() not in data and URI_MARKER.encode() not in data, f"secret written to {f}"


# --------------------------------------------------------------------------- unreachable Bolt
def test_unreachable_bolt_store_errors_do_not_leak_the_password(tmp_path):
    uri = f"bolt://127.0.0.1:{closed_port()}"
    for args in (["stats", "--store", uri], ["export", "--store", uri, "--format", "json", "-o", tmp_path / "x.json"],
                 ["ingest", NOTE, "--store", uri], ["ask", "profile", "Kolla", "--store", uri],
                 ["copy", "--from", uri, "--to", tmp_path / "copy"]):
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: cannot reach Neo4j at bolt://127.0.0.1"), proc.stderr
    proc = run("stats", cwd=tmp_path, env=env_with_password(PTGKG_STORE=f"neo4j://127.0.0.1:{closed_port()}"))
    assert proc.returncode == 1 and "cannot reach Neo4j at neo4j://127.0.0.1" in proc.stderr
    assert_no_secret_in_files(tmp_path)


def test_credentials_in_the_uri_are_refused_without_echoing_them(tmp_path):
    for uri in (f"bolt://neo4j:{URI_MARKER}@127.0.0.1:{closed_port()}",
                f"neo4j+s://admin:{URI_MARKER}@db.example.org:7687/neo4j"):
        proc = run("stats", "--store", uri, cwd=tmp_path)
        assert proc.returncode == 1
        assert "credentials in the store URI are not accepted" in proc.stderr and "NEO4J_PASSWORD" in proc.stderr


def test_store_errors_and_their_tracebacks_hold_no_password():
    from ptgkg.config import Settings
    from ptgkg.graph.stores import open_store
    from ptgkg.graph.stores.base import StoreError

    settings = Settings(NEO4J_USERNAME="neo4j", NEO4J_PASSWORD=MARKER)
    assert MARKER not in repr(settings) and MARKER not in str(settings.model_dump())
    for uri in (f"bolt://127.0.0.1:{closed_port()}", f"bolt://neo4j:{URI_MARKER}@127.0.0.1:{closed_port()}"):
        with pytest.raises(StoreError) as info:
            open_store(uri, settings=settings)
        text = "".join(traceback.format_exception(info.value, chain=True))
        context = info.value.__context__
        while context is not None:  # "raise ... from None" hides the cause but keeps it
            text += "".join(traceback.format_exception(context, chain=False))
            context = context.__context__
        assert MARKER not in text and URI_MARKER not in text


# --------------------------------------------------------------------------- a live Bolt server
@pytest.mark.bolt
def test_falkordb_store_commands_and_exports_hold_no_password(falkordb_server, tmp_path, monkeypatch):
    """In this process (FalkorDB stalls a second client process for a minute): the CLI's
    output, errors and exported files with NEO4J_PASSWORD set, and without it."""
    from typer.testing import CliRunner

    from ptgkg.cli import app
    from ptgkg.config import get_settings
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from tests.test_crash_safety import _graph

    uri = falkordb_server.uri
    seed = tmp_path / "seed"
    with EmbeddedStore(seed) as st:
        st.write_document(_graph("doc:a", "Kolla agreed on health checks."))
    runner = CliRunner()

    def invoke(*args):
        get_settings.cache_clear()
        result = runner.invoke(app, [str(a) for a in args])
        text = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert MARKER not in text, f"secret printed by {args}"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert MARKER not in "".join(traceback.format_exception(result.exception))
        return result

    commands = (["copy", "--from", seed, "--to", uri], ["stats", "--store", uri],
                ["export", "--store", uri, "--format", "json", "-o", tmp_path / "g.json"],
                ["export", "--store", uri, "--format", "graphml", "-o", tmp_path / "g.graphml"],
                ["ask", "search", "Kolla", "--store", uri], ["ask", "profile", "nobody-here", "--store", uri])
    monkeypatch.setenv("NEO4J_USERNAME", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", MARKER)
    with_password = [invoke(*args).exit_code for args in commands]  # FalkorDB may refuse credentials
    monkeypatch.delenv("NEO4J_USERNAME")
    monkeypatch.delenv("NEO4J_PASSWORD")
    without = [invoke(*args).exit_code for args in commands]
    get_settings.cache_clear()
    assert without == [0, 0, 0, 0, 0, 1], (with_password, without)  # the last: "nothing called"
    assert (tmp_path / "g.json").stat().st_size > 100
    assert_no_secret_in_files(tmp_path)


# --------------------------------------------------------------------------- the embedded store, help, argv
def test_embedded_exports_and_help_hold_no_password(tmp_path):
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from tests.test_crash_safety import _graph

    store = tmp_path / "kg"
    with EmbeddedStore(store) as st:
        st.write_document(_graph("doc:a", "Kolla agreed on health checks."))
    out = run("export", "--store", store, "--format", "json", cwd=tmp_path)
    assert json.loads(out.stdout)["nodes"]
    run("export", "--store", store, "--format", "graphml", "-o", tmp_path / "g.graphml", cwd=tmp_path)
    run("stats", "--store", store, "--json", cwd=tmp_path)
    run("ask", "profile", "nobody-here", "--store", store, cwd=tmp_path)
    run("ingest", tmp_path / "missing.md", "--store", store, cwd=tmp_path)
    for args in (["--help"], ["dashboard", "--help"], ["ingest", "--help"], ["export", "--help"]):
        assert run(*args).returncode == 0
    assert_no_secret_in_files(tmp_path)


def test_no_cli_option_takes_a_password():
    import typer.main

    from ptgkg.cli import app

    group = typer.main.get_command(app)

    def walk(cmd, path=()):
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, path + (name,))

    seen = 0
    for path, cmd in walk(group):
        for param in cmd.params:
            seen += 1
            words = " ".join([param.name or "", *getattr(param, "opts", []), getattr(param, "help", "") or ""]).lower()
            assert not any(w in words.replace("neo4j_password", "") for w in ("password", "passwd", "secret", "token")), \
                f"{' '.join(path)} {param.opts} takes a secret"
    assert seen > 20


def test_dashboard_passes_the_password_by_environment_not_argv(monkeypatch):
    """The Streamlit child gets credentials from its environment; argv (visible in ps) has none."""
    from typer.testing import CliRunner

    import ptgkg.cli as cli

    calls = []
    monkeypatch.setenv("NEO4J_PASSWORD", MARKER)
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, env=None: calls.append((cmd, env)) or 0)
    result = CliRunner().invoke(cli.app, ["dashboard", "--store", "bolt://127.0.0.1:7687", "--port", "8599"])
    assert result.exit_code == 0, result.output
    [(cmd, env)] = calls
    assert not any(MARKER in part for part in cmd)
    assert MARKER not in result.output
