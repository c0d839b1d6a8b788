"""The Neo4j store: the graph in a Neo4j 5 database (or FalkorDB's Bolt endpoint)
through the official ``neo4j`` driver. All Cypher lives in :mod:`ptgkg.graph.cypher`.

Representation (what a Neo4j Browser user sees):

* a node per entity, label from the schema, properties ``id`` (unique), ``name``,
  ``aliases``, the merged label-specific properties (``kind``, ``text``, ``status``,
  ``date`` ... dates as ISO strings), and hidden bookkeeping: ``_doc_props`` (JSON:
  document id -> that document's name/aliases/props and ingest sequence), ``_docs``,
  ``_keys`` / ``_name_key`` / ``_alias_keys`` / ``_text_key`` (normalized match keys);
* a relationship per fact, merged properties (``topics``, ``role``), ``weight``, the
  evidence as parallel lists ``ev_doc``, ``ev_start``, ``ev_end``, ``ev_quote`` (Neo4j
  cannot store maps), ``_ev_key`` (normalized quotes) and ``_doc_props`` (JSON: document
  id -> props and evidence);
* the Document node also holds ``content_hash`` and the list of what it contributed
  (``_node_ids``/``_node_labels``, ``_edge_src``/``_edge_type``/``_edge_tgt``), so
  replacing a document reads only its own entities; one ``PtgkgMeta`` node holds the
  generation counter. Exports, counts and queries hide all bookkeeping.

Merging is the embedded store's (see :mod:`.base`): per-document entries ordered by
ingest sequence, later documents win scalars, lists and aliases are unions.

Example (needs a server)::

    with Neo4jStore("bolt://localhost:7687") as store:
        store.write_document(graph)
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import re
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j.exceptions import (AuthError, ClientError, ConfigurationError, DriverError, Neo4jError,
                              ServiceUnavailable, SessionExpired)

from .. import cypher
from ..model import LABELS, REL_TYPES, DocumentGraph, Edge, Evidence, GraphExport, Node, normalize
from .base import Direction, GraphStore, PathResult, StoreError, WriteResult
# the merge rule and snippets are the contract's, shared by every store
from .base import canonical_json as _dumps, merge_props as _merge_props, search_snippet as _snippet

__all__ = ["Neo4jStore", "redact_uri"]

_LABEL_OF_PREFIX = {label.lower(): label for label in LABELS}
_PROPERTY_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: stored by the store itself: a document's props may not overwrite them
_RESERVED = {"id", "name", "aliases", "weight", "content_hash", "ev_doc", "ev_start", "ev_end", "ev_quote"}
_EdgeKey = tuple[str, str, str]


# The driver logs each retried transaction at WARNING; with no logging configured Python
# would print those to stderr, breaking "one clear line" on failure. Apps that configure
# logging still get them through propagation.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

# One driver per (URI, user, password, timeout) for the whole process, as the driver's
# documentation recommends: handles share its connection pool. Neo4j drivers are closed
# at exit; FalkorDB ones are left to the OS, because FalkorDB's Bolt endpoint (4.16)
# hangs the handshake of the next new connection after a client's GOODBYE.
_DRIVERS: dict[tuple, neo4j.Driver] = {}
_FALKORDB_DRIVERS: set[tuple] = set()
_DRIVERS_LOCK = threading.Lock()


def _shared_driver(key: tuple, make) -> neo4j.Driver:
    with _DRIVERS_LOCK:
        driver = _DRIVERS.get(key)
        if driver is None:
            driver = _DRIVERS[key] = make()
        return driver


def _drop_driver(key: tuple) -> None:
    with _DRIVERS_LOCK:
        driver = _DRIVERS.pop(key, None)
        _FALKORDB_DRIVERS.discard(key)
    if driver is not None:
        driver.close()


@atexit.register
def _close_drivers() -> None:
    with _DRIVERS_LOCK:
        for key, driver in list(_DRIVERS.items()):
            if key not in _FALKORDB_DRIVERS:
                driver.close()
        _DRIVERS.clear()


def redact_uri(uri: str) -> str:
    """The URI without user info: ``bolt://neo4j:pw@host:7687`` -> ``bolt://host:7687``."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return "<unparseable URI>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))






def _label_of(node_id: str) -> str | None:
    """The label encoded in a :func:`~ptgkg.graph.model.node_id` (lets lookups use the index)."""
    return _LABEL_OF_PREFIX.get(node_id.split(":", 1)[0]) if ":" in node_id else None


def _property_value(value: Any) -> Any:
    """A value Neo4j can store as a property (primitives, homogeneous lists), else JSON."""
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        kinds = {type(v) for v in value}
        if not kinds or kinds in ({str}, {bool}, {int}, {float}):  # Neo4j lists are homogeneous
            return list(value)
    return _dumps(value)


def _visible_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: _property_value(v) for k, v in props.items()
            if v is not None and _PROPERTY_KEY.match(k) and k not in _RESERVED}




class _Unchanged(Exception):
    """Raised inside a write transaction to roll it back: nothing to do."""


class _Conflict(Exception):
    """FalkorDB: another writer moved the generation between our reads and our write."""


# -- the document's own rows -------------------------------------------------------
def _document_rows(graph: DocumentGraph) -> tuple[dict[str, dict], dict[_EdgeKey, dict]]:
    """Node and edge entries of one document, repeated ones merged (embedded store's rule)."""
    nodes: dict[str, dict] = {}
    for n in graph.nodes:
        entry = nodes.setdefault(n.id, {"label": n.label, "name": n.name, "aliases": [], "props": {}})
        entry["label"], entry["name"] = n.label, n.name
        entry["aliases"].extend(a for a in n.aliases if a not in entry["aliases"])
        _merge_props(entry["props"], n.props)
    edges: dict[_EdgeKey, dict] = {}
    for e in graph.edges:
        entry = edges.setdefault(e.key, {"props": {}, "evidence": []})
        _merge_props(entry["props"], e.props)
        for ev in e.evidence:
            item = [ev.doc, ev.quote, int(ev.start), int(ev.end)]
            if item not in entry["evidence"]:
                entry["evidence"].append(item)
    return nodes, edges


def _node_from(label: str, node_id: str, doc_props: str) -> Node:
    entries = sorted(json.loads(doc_props).values(), key=lambda e: e["seq"])
    aliases: list[str] = []
    props: dict[str, Any] = {}
    for entry in entries:
        aliases.extend(a for a in entry["aliases"] if a not in aliases)
        _merge_props(props, entry["props"])
    return Node(node_id, label, entries[-1]["name"], aliases, props)


def _edge_from(key: _EdgeKey, doc_props: str) -> Edge:
    entries = sorted(json.loads(doc_props).values(), key=lambda e: e["seq"])
    props: dict[str, Any] = {}
    evidence: list[Evidence] = []
    seen: set[tuple] = set()
    for entry in entries:
        _merge_props(props, entry["props"])
        for doc, quote, start, end in entry["evidence"]:
            if (doc, quote, start, end) not in seen:
                seen.add((doc, quote, start, end))
                evidence.append(Evidence(doc, quote, start, end))
    return Edge(key[0], key[2], key[1], evidence, props)


def _node_properties(node_id: str, entries: dict[str, dict]) -> dict[str, Any]:
    """The node's whole stored property map, from its per-document entries."""
    node = _node_from("Person", node_id, _dumps(entries))  # label is not stored in the map
    name_key = normalize(node.name)
    alias_keys = sorted({normalize(a) for a in node.aliases} - {""})
    p = _visible_props(node.props)
    text = node.props.get("text")
    p.update({"id": node_id, "name": node.name, "aliases": list(node.aliases),
              "_keys": sorted({name_key, *alias_keys} - {""}), "_name_key": name_key,
              "_alias_keys": alias_keys, "_docs": sorted(entries), "_doc_props": _dumps(entries)})
    if isinstance(text, str) and text:
        p["_text_key"] = normalize(text)
    return p


def _edge_properties(key: _EdgeKey, entries: dict[str, dict]) -> dict[str, Any]:
    edge = _edge_from(key, _dumps(entries))
    p = _visible_props(edge.props)
    p.update({"weight": len(edge.evidence), "ev_doc": [e.doc for e in edge.evidence],
              "ev_start": [e.start for e in edge.evidence], "ev_end": [e.end for e in edge.evidence],
              "ev_quote": [e.quote for e in edge.evidence],
              "_ev_key": [normalize(e.quote) for e in edge.evidence],
              "_docs": sorted(entries), "_doc_props": _dumps(entries)})
    return p


class Neo4jStore(GraphStore):
    """A graph store in a Neo4j database (``bolt://``, ``neo4j://``, ``neo4j+s://`` URIs).

    Credentials and database come from ``settings`` (``NEO4J_USERNAME``,
    ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``), never from the URI. ``retry_time`` is how
    long managed transactions retry transient failures (lost connection, deadlock).
    """

    def __init__(self, uri: str, settings: Any = None, read_only: bool = False,
                 retry_time: float = 15.0, connection_timeout: float = 5.0) -> None:
        if settings is None:
            from ptgkg.config import Settings

            settings = Settings()
        self.uri = uri.strip()
        self.location = redact_uri(self.uri)
        self.read_only = read_only
        self.database: str | None = settings.neo4j_database or None
        self.batch_size = max(1, int(settings.neo4j_batch_size))
        secret = settings.neo4j_password
        self._password = (secret.get_secret_value() if hasattr(secret, "get_secret_value")
                          else str(secret or ""))
        username = settings.neo4j_username or ("neo4j" if self._password else None)
        self._driver: neo4j.Driver | None = None
        self._store_id = uuid.uuid4().hex
        try:
            parts = urlsplit(self.uri)
        except ValueError:
            raise StoreError(f"cannot reach Neo4j at {self.location}: the URI is malformed") from None
        if parts.username or parts.password:
            raise StoreError(f"credentials in the store URI are not accepted ({self.location}); "
                             "set NEO4J_USERNAME and NEO4J_PASSWORD instead")
        auth = neo4j.basic_auth(username, self._password) if username else None
        self._retry_time = retry_time
        # a stuck handshake (see _DRIVERS) fails after this and the transaction retries
        self._acquisition_timeout = max(10.0, 2 * connection_timeout)
        self._driver_key = (self.uri, username, hashlib.sha256(self._password.encode()).hexdigest(),
                            connection_timeout)
        try:
            if self._driver_key not in _DRIVERS:
                self._preflight()
            self._driver = _shared_driver(self._driver_key, lambda: neo4j.GraphDatabase.driver(
                self.uri, auth=auth, connection_timeout=connection_timeout, user_agent="ptgkg",
                connection_acquisition_timeout=self._acquisition_timeout))
            self._verify_connectivity()
            self.dialect = self._detect_dialect()
            if self.dialect is cypher.FALKORDB:
                _FALKORDB_DRIVERS.add(self._driver_key)
            if not read_only:
                self._ensure_schema()
        except BaseException as exc:
            if self._driver is not None:
                if isinstance(exc, (ServiceUnavailable, AuthError, ConfigurationError)):
                    _drop_driver(self._driver_key)
                self._driver = None
            if isinstance(exc, StoreError):
                raise
            if isinstance(exc, Exception):
                raise StoreError(self._message(exc)) from None
            raise

    # -- plumbing --------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        line = " ".join(part.strip() for part in text.strip().splitlines() if part.strip())
        if self._password:
            line = line.replace(self._password, "***")
        return line[:300]

    def _message(self, exc: BaseException) -> str:
        if isinstance(exc, AuthError):
            return (f"cannot reach Neo4j at {self.location}: authentication failed "
                    "(check NEO4J_USERNAME and NEO4J_PASSWORD)")
        if isinstance(exc, (ServiceUnavailable, SessionExpired, OSError)):
            return f"cannot reach Neo4j at {self.location}: {self._scrub(str(exc)) or type(exc).__name__}"
        if isinstance(exc, ConfigurationError):
            return f"cannot reach Neo4j at {self.location}: {self._scrub(str(exc))}"
        if isinstance(exc, Neo4jError):
            reason = exc.message or str(exc)
            return f"Neo4j at {self.location} refused a query: {exc.code}: {self._scrub(reason)}"
        if isinstance(exc, (DriverError, ValueError, TypeError)):
            return f"Neo4j store {self.location}: {self._scrub(str(exc))}"
        return f"Neo4j store {self.location}: {type(exc).__name__}: {self._scrub(str(exc))}"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (StoreError, _Unchanged, _Conflict):
            raise
        except (Neo4jError, DriverError, OSError) as exc:
            raise StoreError(self._message(exc)) from None

    def _session(self, write: bool = False) -> neo4j.Session:
        if self._driver is None:
            raise StoreError(f"Neo4j store {self.location} is closed")
        mode = neo4j.WRITE_ACCESS if write and not self.read_only else neo4j.READ_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode,
                                    max_transaction_retry_time=self._retry_time,
                                    connection_acquisition_timeout=self._acquisition_timeout)

    @staticmethod
    def _run(tx, dialect: cypher.Dialect, query: str, params: dict | None = None) -> list[neo4j.Record]:
        query, params = dialect.prepare(query, params)
        return list(tx.run(query, params))

    def _read(self, query: str, params: dict | None = None) -> list[neo4j.Record]:
        with self._errors(), self._session() as session:
            return session.execute_read(self._run, self.dialect, query, params)

    def _read_with(self, work, *args):
        with self._errors(), self._session() as session:
            return session.execute_read(work, *args)

    def _preflight(self) -> None:
        """A bare Bolt handshake before the driver's first connection (plain-text URIs only).

        FalkorDB (4.16) swallows the first connection it accepts after a Bolt client
        disconnected; this throw-away handshake takes that place, so the driver's
        connection is not the one left waiting. Harmless to Neo4j; all errors ignored."""
        parts = urlsplit(self.uri)
        if parts.scheme.lower() not in ("bolt", "neo4j") or not parts.hostname:
            return
        try:
            with socket.create_connection((parts.hostname, parts.port or 7687), timeout=0.5) as s:
                s.sendall(bytes.fromhex("6060B017" "00000105" "00000004") + bytes(8))
                s.recv(4)
        except OSError:
            pass

    def _verify_connectivity(self) -> None:
        # FalkorDB's Bolt endpoint fails the handshake of every other new connection
        # (measured with 4.16.3): a second attempt is not a retry storm
        for attempt in (1, 2):
            try:
                self._driver.verify_connectivity()
                return
            except ServiceUnavailable as exc:
                if attempt == 2 or "handshake" not in str(exc):
                    raise
                time.sleep(0.05)

    def _detect_dialect(self) -> cypher.Dialect:
        # FalkorDB announces itself as "Neo4j/5.13.0"; it has no dbms.components()
        with self._session() as session:
            try:
                session.execute_read(self._run, cypher.NEO4J, cypher.PROBE_NEO4J)
                return cypher.NEO4J
            except ClientError:
                raise
            except Neo4jError:
                pass
            session.execute_read(self._run, cypher.FALKORDB, cypher.PROBE_FALKORDB)
            return cypher.FALKORDB

    def _ensure_schema(self) -> None:
        existing: set[tuple[str, str]] = set()
        if self.dialect is cypher.FALKORDB:
            for rec in self._read(cypher.FALKORDB_INDEXES):
                existing.update((rec["label"], p) for p in rec["properties"] or [])
        for statement in self.dialect.schema_statements(existing):
            try:
                with self._session(write=True) as session:
                    session.execute_write(self._run, self.dialect, statement)
            except ClientError as exc:
                if "Forbidden" not in (exc.code or "") and "Unauthorized" not in (exc.code or ""):
                    raise
                break  # no schema rights: queries still work, only slower

    def close(self) -> None:
        """Release this handle (the process-wide driver stays for other handles)."""
        self._driver = None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r}{', read_only=True' if self.read_only else ''})"

    # -- writing -----------------------------------------------------------------
    def document_hash(self, doc_id: str) -> str | None:
        rows = self._read(cypher.READ_DOCUMENT, {"doc": doc_id})
        return rows[0]["content_hash"] if rows else None

    def write_document(self, graph: DocumentGraph) -> WriteResult:
        self._refuse_if_read_only()
        graph.check()
        if not any(n.id == graph.doc_id and n.label == "Document" for n in graph.nodes):
            raise ValueError(f"document graph {graph.doc_id} lacks its Document node")
        nodes, edges = _document_rows(graph)
        fingerprint = hashlib.sha256(_dumps([list(nodes.items()), [[list(k), v] for k, v in edges.items()]])
                                     .encode()).hexdigest()
        return self._replace(graph.doc_id, graph.content_hash, fingerprint, nodes, edges)

    def remove_document(self, doc_id: str) -> WriteResult:
        self._refuse_if_read_only()
        return self._replace(doc_id, None, None, {}, {})

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StoreError(f"Neo4j store {self.location} is open read-only; it cannot be written")

    def _replace(self, doc_id, content_hash, fingerprint, nodes, edges) -> WriteResult:
        try:
            with self._errors():
                if self.dialect.transactional:
                    with self._session(write=True) as session:
                        return session.execute_write(self._replace_work, doc_id, content_hash,
                                                     fingerprint, nodes, edges)
                for _ in range(20):  # FalkorDB: optimistic, retried when another writer got in first
                    with self._session(write=True) as session:
                        try:
                            return session.execute_write(self._replace_work, doc_id, content_hash,
                                                         fingerprint, nodes, edges)
                        except _Conflict:
                            time.sleep(0.05)
                raise StoreError(f"Neo4j store {self.location}: too many concurrent writers, gave up")
        except _Unchanged:
            return WriteResult(unchanged=True)

    def _replace_work(self, tx, doc_id, content_hash, fingerprint, nodes, edges) -> WriteResult:
        d = self.dialect
        run = lambda q, p=None: self._run(tx, d, q, p)  # noqa: E731
        meta = run(cypher.LOCK_META if d.transactional else cypher.ENSURE_META, {"store_id": self._store_id})[0]
        generation = meta["generation"]
        seq = generation if d.transactional else generation + 1
        stored = run(cypher.READ_DOCUMENT, {"doc": doc_id})
        old = stored[0] if stored else None
        if old is None and content_hash is None:
            raise _Unchanged
        if old is not None and old["content_hash"] == content_hash and old["rows_hash"] == fingerprint:
            raise _Unchanged

        # what the document contributed before, and what it contributes now
        old_labels = dict(zip(old["node_ids"] or [], old["node_labels"] or [])) if old else {}
        new_labels = {nid: e["label"] for nid, e in nodes.items()}
        labels = {**old_labels, **new_labels}
        old_edges = set(zip(old["edge_src"] or [], old["edge_type"] or [], old["edge_tgt"] or [])) if old else set()

        # current state of every touched node and edge, by label / type (index lookups)
        node_state: dict[str, dict] = {}
        by_label: dict[str, list[str]] = {}
        for nid, label in labels.items():
            by_label.setdefault(label, []).append(nid)
        for label, ids in by_label.items():
            for rec in run(cypher.read_nodes(label), {"ids": ids}):
                node_state[rec["id"]] = json.loads(rec["doc_props"]) if rec["doc_props"] else {}
        edge_state: dict[_EdgeKey, dict] = {}
        by_type: dict[tuple[str, str, str], list[dict]] = {}
        for key in old_edges | set(edges):
            s, t, o = key
            by_type.setdefault((t, labels[s], labels[o]), []).append({"s": s, "t": o})
        for (t, ls, lo), rows in by_type.items():
            for rec in run(cypher.read_edges(t, ls, lo), {"rows": rows}):
                edge_state[(rec["s"], t, rec["t"])] = json.loads(rec["doc_props"]) if rec["doc_props"] else {}

        # new state, computed here (Cypher has no JSON): the document's entries replaced
        upserts: dict[str, list[dict]] = {}
        deletes: dict[str, list[dict]] = {}
        result = WriteResult()
        for nid, label in labels.items():
            entries = dict(node_state.get(nid, {}))
            entries.pop(doc_id, None)
            if nid in nodes:
                e = nodes[nid]
                entries[doc_id] = {"seq": seq, "name": e["name"], "aliases": e["aliases"], "props": e["props"]}
            if entries:
                props = _node_properties(nid, entries)
                if nid == doc_id and content_hash is not None:
                    props.update({"content_hash": content_hash, "_rows_hash": fingerprint, "_seq": seq,
                                  "_ingested_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                  "_node_ids": list(nodes), "_node_labels": [new_labels[n] for n in nodes],
                                  "_edge_src": [k[0] for k in edges], "_edge_type": [k[1] for k in edges],
                                  "_edge_tgt": [k[2] for k in edges]})
                upserts.setdefault(label, []).append({"id": nid, "p": props})
                result.nodes_added += nid not in node_state
            elif nid in node_state:
                deletes.setdefault(label, []).append({"id": nid})
                result.nodes_removed += 1
        edge_upserts: dict[tuple[str, str, str], list[dict]] = {}
        edge_deletes: dict[tuple[str, str, str], list[dict]] = {}
        for key in old_edges | set(edges):
            s, t, o = key
            group = (t, labels[s], labels[o])
            entries = dict(edge_state.get(key, {}))
            entries.pop(doc_id, None)
            if key in edges:
                entries[doc_id] = {"seq": seq, **edges[key]}
            if entries:
                edge_upserts.setdefault(group, []).append({"s": s, "t": o, "p": _edge_properties(key, entries)})
                result.edges_added += key not in edge_state
            elif key in edge_state:
                edge_deletes.setdefault(group, []).append({"s": s, "t": o})
                result.edges_removed += 1

        steps = ([cypher.delete_edges(*g, rows) for g, rows in edge_deletes.items()]
                 + [cypher.delete_nodes(label, rows) for label, rows in deletes.items()]
                 + [cypher.upsert_nodes(label, rows) for label, rows in upserts.items()]
                 + [cypher.upsert_edges(*g, rows) for g, rows in edge_upserts.items()])
        statements = d.write_statements(steps, self.batch_size, generation)
        for query, params in statements:
            done = run(query, params)
            if not d.transactional and not done:
                raise _Conflict
        return result

    # -- reading primitives ----------------------------------------------------
    def _nodes_from(self, records) -> list[Node]:
        return [_node_from(r["labels"][0], r["id"], r["doc_props"]) for r in records]

    def find_nodes(self, name: str, label: str | None = None, limit: int = 10) -> list[Node]:
        key = normalize(name)
        if not key:
            return []
        query = cypher.find_nodes(label) if label else cypher.FIND_NODES
        found = []
        for r in self._read(query, {"ids": list({name, name.strip()}), "key": key}):
            node = _node_from(r["labels"][0], r["id"], r["doc_props"])
            rank = 0 if r["id"] in (name, name.strip()) else 1 if r["name_key"] == key else 2
            found.append((rank, -r["degree"], node.name, node.id, node))
        found.sort(key=lambda x: x[:4])
        return [x[4] for x in found[:limit]]

    def get_nodes(self, ids: Iterable[str]) -> list[Node]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        groups: dict[str | None, list[str]] = {}
        for nid in ids:
            groups.setdefault(_label_of(nid), []).append(nid)

        def work(tx):
            out = []
            for label, group in groups.items():
                query = cypher.get_nodes(label) if label else cypher.GET_NODES_ANY
                out.extend(self._run(tx, self.dialect, query, {"ids": group}))
            return out

        by_id = {n.id: n for n in self._nodes_from(self._read_with(work))}
        return [by_id[i] for i in ids if i in by_id]

    def edges(self, node_id: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be out, in or both, not {direction!r}")
        wanted = None if types is None else [cypher.check_type(t) for t in types]
        rows = self._read(cypher.node_edges(_label_of(node_id), direction), {"id": node_id, "types": wanted})
        found = [_edge_from((r["s"], r["t"], r["o"]), r["doc_props"]) for r in rows if r["doc_props"]]
        return sorted(found, key=lambda e: e.key)

    def search(self, text: str, limit: int = 20) -> list[tuple[Node, str]]:
        query = normalize(text)
        if not query or limit <= 0:
            return []
        out = []
        for r in self._read(cypher.SEARCH, {"q": query, "limit": int(limit)}):
            node = _node_from(r["labels"][0], r["id"], r["doc_props"])
            rank = r["rank"]
            if rank == 0:
                original = r["name"]
            elif rank == 1:
                original = next((a for a in r["aliases"] if query in normalize(a)), r["name"])
            elif rank == 2:
                original = r["text"]
            else:
                original = r["quote"]
            out.append((node, _snippet(original, normalize(original), query)))
        return out

    def top_nodes(self, label: str, limit: int = 10) -> list[tuple[Node, int]]:
        rows = self._read(cypher.top_nodes(label), {"limit": int(limit)})
        return [(_node_from(r["labels"][0], r["id"], r["doc_props"]), r["degree"]) for r in rows]

    def shortest_path(self, source_id: str, target_id: str, max_hops: int = 6) -> PathResult | None:
        ends = self.get_nodes([source_id, target_id])
        by_id = {n.id: n for n in ends}
        if source_id not in by_id or target_id not in by_id:
            return None
        if source_id == target_id:
            return PathResult([by_id[source_id]], [])
        if max_hops < 1:
            return None
        touches_document = "Document" in (by_id[source_id].label, by_id[target_id].label)
        # only RECORDS reaches a Document: leaving it out keeps paths off Documents
        types = list(REL_TYPES) if touches_document else cypher.relationship_types_except(["RECORDS"])
        query = self.dialect.shortest_path(by_id[source_id].label, by_id[target_id].label, max_hops)
        rows = self._read(query, {"source": source_id, "target": target_id, "types": types})
        if not rows or not rows[0]["ids"]:
            return None
        ids, rel_types = rows[0]["ids"], rows[0]["types"]
        nodes = {n.id: n for n in self.get_nodes(ids)}
        if any(nodes[i].label == "Document" for i in ids[1:-1]):
            return None  # FalkorDB cannot filter nodes inside SPpaths; Neo4j already did
        return PathResult([nodes[i] for i in ids], list(rel_types))

    def counts(self) -> dict[str, dict[str, int]]:
        [row] = self._read(cypher.COUNTS)
        nodes = dict.fromkeys(LABELS, 0)
        for label, c in row["nodes"]:
            if label in nodes:
                nodes[label] = c
        edges = dict.fromkeys(REL_TYPES, 0)
        for t, c in row["edges"]:
            if t in edges:
                edges[t] = c
        return {"nodes": nodes, "edges": edges}

    def export(self) -> GraphExport:
        def work(tx):
            return (self._run(tx, self.dialect, cypher.EXPORT_NODES),
                    self._run(tx, self.dialect, cypher.EXPORT_EDGES))

        node_rows, edge_rows = self._read_with(work)
        nodes = [_node_from(r["labels"][0], r["id"], r["doc_props"]) for r in node_rows
                 if r["labels"] and r["labels"][0] in LABELS]
        edges = [_edge_from((r["s"], r["t"], r["o"]), r["doc_props"]) for r in edge_rows if r["t"] in REL_TYPES]
        return GraphExport(nodes, edges)

    def document_graphs(self) -> Iterator[DocumentGraph]:
        doc_ids = [r["id"] for r in self._read(cypher.LIST_DOCUMENTS)]
        for doc_id in doc_ids:
            graph = self._read_with(self._document_graph_work, doc_id)
            if graph is not None:
                yield graph

    def _document_graph_work(self, tx, doc_id: str) -> DocumentGraph | None:
        run = lambda q, p=None: self._run(tx, self.dialect, q, p)  # noqa: E731
        stored = run(cypher.READ_DOCUMENT, {"doc": doc_id})
        if not stored:
            return None  # removed while we iterated
        d = stored[0]
        labels = dict(zip(d["node_ids"] or [], d["node_labels"] or []))
        by_label: dict[str, list[str]] = {}
        for nid, label in labels.items():
            by_label.setdefault(label, []).append(nid)
        entries: dict[str, dict] = {}
        for label, ids in by_label.items():
            for r in run(cypher.read_nodes(label), {"ids": ids}):
                entries[r["id"]] = json.loads(r["doc_props"])[doc_id]
        nodes = [Node(nid, labels[nid], entries[nid]["name"], entries[nid]["aliases"], entries[nid]["props"])
                 for nid in labels if nid in entries]
        keys = list(zip(d["edge_src"] or [], d["edge_type"] or [], d["edge_tgt"] or []))
        by_type: dict[tuple[str, str, str], list[dict]] = {}
        for s, t, o in keys:
            by_type.setdefault((t, labels[s], labels[o]), []).append({"s": s, "t": o})
        edge_entries: dict[_EdgeKey, dict] = {}
        for (t, ls, lo), rows in by_type.items():
            for r in run(cypher.read_edges(t, ls, lo), {"rows": rows}):
                edge_entries[(r["s"], t, r["t"])] = json.loads(r["doc_props"])[doc_id]
        edges = [Edge(s, o, t, [Evidence(*ev) for ev in edge_entries[(s, t, o)]["evidence"]],
                      edge_entries[(s, t, o)]["props"]) for s, t, o in keys if (s, t, o) in edge_entries]
        return DocumentGraph(doc_id, d["content_hash"], nodes, edges)

    def alias_table(self, labels: Iterable[str]) -> list[tuple[str, str, str, str]]:
        wanted = [cypher.check_label(label) for label in labels]
        if not wanted:
            return []
        rows = set()
        for r in self._read(cypher.ALIAS_TABLE, {"labels": wanted}):
            for text in [r["name"], *(r["aliases"] or [])]:
                key = normalize(text)
                if key:
                    rows.add((key, r["id"], r["label"], r["name"]))
        return sorted(rows)

    def generation(self) -> str:
        rows = self._read(cypher.READ_META)
        return f"{rows[0]['store_id']}:{rows[0]['generation']}" if rows else "empty"

    # -- test support ------------------------------------------------------------
    def wipe(self) -> None:
        """Delete everything in the database (tests only; refuses when read-only)."""
        self._refuse_if_read_only()
        with self._errors(), self._session(write=True) as session:
            session.execute_write(self._run, self.dialect, cypher.WIPE)
