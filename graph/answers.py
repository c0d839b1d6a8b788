"""Materialized answers: the slowest answers of one graph version, kept on disk.

A busy project's profile reads thousands of relationships and ranks thousands of people
(0.1-0.3 s on a graph of 100k nodes). Such answers are computed once, after a run writes
the graph (:mod:`ptgkg.graph.materialize`, ``ptgkg materialize``), and served from here
until the graph changes.

Each answer is stored under the store's :meth:`~GraphStore.generation` it was computed
from, and served only while the store still reports that generation: any write, by any
process, makes every stored answer stale (it is then computed again, as before), never
wrong. The answers of a generation replace the previous ones in one SQLite transaction,
so a run killed at any moment leaves the old set or the new one.

Where: ``answers.sqlite`` in an embedded store's own folder; for any other store, one
file per store id (the first part of its generation) in ``Settings.answers_dir``.

Answers are plain JSON (no pickle: a store folder may come from anyone), read back into
the same dataclasses by their type hints.

>>> from ptgkg.graph.model import Node
>>> from ptgkg.graph.queries import Involvement
>>> inv = Involvement(node=Node("project:kolla", "Project", "Kolla"), score=1.5, mentions=2)
>>> decode(Involvement, encode(inv)) == inv
True
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import types
import typing
import weakref
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from .model import Node
from .stores.base import GraphStore
from .stores.embedded import EmbeddedStore

__all__ = ["AnswerFile", "answer_file", "encode", "decode", "dumps", "served", "FILE_NAME", "FORMAT"]

FILE_NAME = "answers.sqlite"
#: what the stored answers are made of: a ptgkg that keeps other kinds (or shapes) computes
#: them again, even for the same graph version
FORMAT = "2"
_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # kind: the answer ("profile", "collaborations", "decisions", "network", "network_analytics");
    # key: the node id it is about ("" for the network)
    "CREATE TABLE IF NOT EXISTS answers (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, "
    "PRIMARY KEY (kind, key)) WITHOUT ROWID",
)

T = TypeVar("T")


# -- JSON codec ---------------------------------------------------------------------

def encode(value: Any) -> Any:
    """Plain JSON data for a dataclass answer (nodes keep their props apart)."""
    if isinstance(value, Node):
        return {"id": value.id, "label": value.label, "name": value.name,
                "aliases": list(value.aliases), "props": value.props}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if any(isinstance(k, tuple) for k in value):  # a network's links by pair: JSON keys are text
            return [[list(k), encode(v)] for k, v in value.items()]
        return {k: encode(v) for k, v in value.items()}
    return value


def dumps(answer: Any) -> str:
    """An answer as the JSON text an :class:`AnswerFile` keeps."""
    return json.dumps(encode(answer), separators=(",", ":"), ensure_ascii=False)


def decode(hint: Any, data: Any) -> Any:
    """``data`` (from :func:`encode`) as ``hint``: a dataclass, ``list[X]``, ``dict[str, X]``,
    ``X | None`` or a plain type. Raises ``TypeError``, ``KeyError`` or ``ValueError`` on
    data of another shape."""
    convert = _decoder(hint)
    return data if convert is None or data is None else convert(data)


@lru_cache(maxsize=None)
def _decoder(hint: Any) -> Callable[[Any], Any] | None:
    """A function that makes ``hint`` of its JSON, made once per type (None: the JSON value
    is the value). A hub's profile is 6,000 JSON objects: a generic walk that asks the
    type hints at every one took 75 ms, these take 8."""
    if hint is Node:
        return lambda d: Node(d["id"], d["label"], d["name"], list(d["aliases"]), dict(d["props"]))
    if isinstance(hint, type) and is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        nested = [(f.name, c) for f in fields(hint) if (c := _decoder(hints[f.name])) is not None]
        if not nested:
            return lambda d: hint(**d)

        def make(d: dict[str, Any]) -> Any:
            d = dict(d)
            for name, convert in nested:
                value = d.get(name)
                if value is not None:
                    d[name] = convert(value)
            return hint(**d)
        return make
    origin = typing.get_origin(hint)
    if origin is list:
        item = _decoder(typing.get_args(hint)[0])
        return None if item is None else (lambda v: [item(x) for x in v])
    if origin is dict:
        key, value = typing.get_args(hint)
        item = _decoder(value)
        if typing.get_origin(key) is tuple:  # stored as [[key items], value] (see encode)
            return lambda v: {tuple(k): (x if item is None else item(x)) for k, x in v}
        return None if item is None else (lambda v: {k: item(x) for k, x in v.items()})
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decoder(kinds[0]) if len(kinds) == 1 else None
    return None


# -- the file ---------------------------------------------------------------------------

class AnswerFile:
    """One store's materialized answers: a SQLite file of JSON answers by kind and key."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection | None:
        """Opened on first use, read-only; None while the file does not exist."""
        if self._conn is None:
            if not self.path.exists():
                return None
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                         check_same_thread=False)
        return self._conn

    def generation(self) -> str | None:
        """The graph version the stored answers are of (None: none stored)."""
        return self._meta().get("generation")

    def current(self, generation: str) -> bool:
        """Whether the stored answers are those this ptgkg keeps for ``generation``."""
        return self._meta() == {"generation": generation, "format": FORMAT}

    def _meta(self) -> dict[str, str]:
        with self._lock:
            conn = self._connection()
            if conn is None:
                return {}
            try:
                return dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'format')"))
            except sqlite3.DatabaseError:  # not (yet) an answer file: nothing to serve
                return {}

    def get(self, kind: str, key: str, generation: str) -> Any:
        """The stored JSON of one answer, if it was computed from ``generation``."""
        if not generation:
            return None
        with self._lock:
            conn = self._connection()
            if conn is None:
                return None
            try:
                # kept by this ptgkg (format) for this graph version (generation), or not at all
                row = conn.execute(
                    "SELECT body FROM answers WHERE kind=? AND key=? "
                    "AND (SELECT value FROM meta WHERE key='generation')=? "
                    "AND (SELECT value FROM meta WHERE key='format')=?", (kind, key, generation, FORMAT)).fetchone()
            except sqlite3.DatabaseError:
                return None
        return json.loads(row[0]) if row else None

    def replace(self, generation: str, answers: Iterable[tuple[str, str, str]],
                still_current: Callable[[], bool] = lambda: True) -> int | None:
        """Store ``(kind, key, body)`` (body: :func:`dumps` of the answer) for
        ``generation`` in place of everything before, in one transaction, taking the
        answers one by one as they come (a large graph's are a hundred megabytes). Keeps
        them only if ``still_current()`` says so at the end. Returns how many were
        stored (None: none, not current)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            for statement in _DDL:
                conn.execute(statement)
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM answers")
                stored = 0
                for row in answers:
                    conn.execute("INSERT INTO answers (kind, key, body) VALUES (?, ?, ?)", row)
                    stored += 1
                if not still_current():
                    conn.execute("ROLLBACK")
                    return None
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                                 "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                                 [("generation", generation), ("format", FORMAT)])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()
        return stored

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_files: "weakref.WeakKeyDictionary[GraphStore, AnswerFile]" = weakref.WeakKeyDictionary()
_STORE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_files_lock = threading.Lock()


def answer_file(store: GraphStore, directory: Path | None = None) -> AnswerFile | None:
    """The answer file of ``store``: in an embedded store's folder, else in ``directory``
    (default ``Settings.answers_dir``) named by the store's id. None for a store that
    cannot tell its version."""
    with _files_lock:
        found = _files.get(store)
        if found is not None:
            return found
    if isinstance(store, EmbeddedStore):
        path = store.path / FILE_NAME
    else:
        store_id = store.generation().split(":", 1)[0]
        if not _STORE_ID.fullmatch(store_id) or store_id == "empty":  # it names a file: nothing else
            return None
        if directory is None:
            from ptgkg.config import get_settings

            directory = get_settings().answers_dir
        path = Path(directory) / f"{store_id}.sqlite"
    with _files_lock:
        return _files.setdefault(store, AnswerFile(path))


def served(store: GraphStore, kind: str, key: str, cls: type[T]) -> T | None:
    """The materialized ``kind`` answer about ``key``, as ``cls``, if it is current."""
    found = answer_file(store)
    if found is None or not found.path.exists():  # most graphs: no busy node, no file, no more asked
        return None
    data = found.get(kind, key, store.generation())
    if data is None:
        return None
    try:
        return decode(cls, data)
    except (TypeError, KeyError, ValueError, AttributeError):  # a file written by another ptgkg: computed instead
        return None
