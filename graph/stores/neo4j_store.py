"""The Neo4j store: the graph in a Neo4j 5 database (or FalkorDB's Bolt endpoint)
through the official ``neo4j`` driver. All Cypher lives in :mod:`ptgkg.graph.cypher`.

Representation (what a Neo4j Browser user sees):

* a node per entity, label from the schema, properties ``id`` (unique), ``name``,
  ``aliases``, the merged label-specific properties (``kind``, ``text``, ``status``,
  ``date`` ... dates as ISO strings), and hidden bookkeeping: ``_doc_props`` (JSON:
  document id -> that document's name/aliases/props, merge order and ingest sequence), ``_docs``,
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
:func:`~.base.merge_order` (date, then id), later documents win scalars, lists and
aliases are unions. Entries written before the merge order existed sort first, by
ingest sequence.

Example (needs a server)::

    with Neo4jStore("bolt://localhost:7687") as store:
        store.write_document(graph)
"""
from __future__ import annotations

import atexit
import hashlib
import json
import logging
import operator
import random
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
                              ResultFailedError, ServiceUnavailable, SessionExpired, TransientError)

from .. import cypher
from ..model import LABELS, REL_TYPES, DocumentGraph, Edge, Evidence, GraphExport, Node, normalize
from .base import Direction, GraphStore, PathResult, StoreError, WriteResult, merge_order
# the merge rule and snippets are the contract's, shared by every store
from .base import canonical_json as _dumps, merge_props as _merge_props, public_props as _public_props, search_snippet as _snippet

__all__ = ["Neo4jStore", "redact_uri"]

_LABEL_OF_PREFIX = {label.lower(): label for label in LABELS}
_PROPERTY_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: stored by the store itself: a document's props may not overwrite them
_RESERVED = {"id", "name", "aliases", "weight", "content_hash", "ev_doc", "ev_start", "ev_end", "ev_quote"}
_EdgeKey = tuple[str, str, str]
#: ``Edge.key`` without a property call per edge (a hub's profile sorts 30k of them)
_EDGE_KEY = operator.attrgetter("source", "type", "target")


def _file_at_ends(out: dict[str, list], source: str, target: str, item: Any, direction: Direction) -> None:
    """File a relationship (or its key) under the ids of ``out`` it was read at: the end
    ``direction`` starts from, or both ends (a loop once)."""
    if direction != "in" and source in out:
        out[source].append(item)
    if direction != "out" and target in out and (direction == "in" or target != source):
        out[target].append(item)


def _each_once(edges: Iterable[Edge]) -> list[Edge]:
    """Edges by key, each once: an undirected pattern gives a self-loop twice."""
    return sorted({_EDGE_KEY(e): e for e in edges}.values(), key=_EDGE_KEY)


_BYTES_NODE_FIELDS = cypher.NODE_READ_FIELDS + cypher.DOCUMENT_FIELDS
#: FalkorDB: how many times one document is re-read and re-written when other writers got in first
_MAX_CONFLICTS = 60


# The driver logs each retried transaction at WARNING; with no logging configured Python
# would print those to stderr, breaking "one clear line" on failure. Apps that configure
# logging still get them through propagation.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
_log = logging.getLogger(__name__)

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


_QUICKACK_INSTALLED = False


def _bolt_socket_class() -> type | None:
    """The neo4j driver's (5.x/6.x) synchronous socket class, which the two workarounds
    below wrap; None where a driver keeps it elsewhere (the workarounds are then off)."""
    try:
        from neo4j._sync.io._bolt._bolt_socket import BoltSocket
    except ImportError:
        return None
    return BoltSocket


def _ack_replies_promptly() -> None:
    """Work around FalkorDB's Bolt replies stalling 40 ms (Linux clients).

    FalkorDB (4.16) writes a reply bigger than ~4 KiB in pieces on a socket without
    TCP_NODELAY: Nagle's algorithm holds the second piece until the first is
    acknowledged, and Linux delays that ACK by ~40 ms in request/response traffic, so
    every reply over 4 KiB took ~44 ms instead of under 1 ms (measured: a node with a
    few documents' ``_doc_props`` is enough). Asking the kernel for an immediate ACK
    (``TCP_QUICKACK``, not sticky, hence before each read) removes the stall. Installed
    once per process when a FalkorDB server is detected, on the driver's socket class;
    if that class is not where driver 5/6 keeps it, reads are just slower."""
    global _QUICKACK_INSTALLED
    quickack = getattr(socket, "TCP_QUICKACK", None)
    BoltSocket = _bolt_socket_class()
    if _QUICKACK_INSTALLED or quickack is None or BoltSocket is None:
        return
    original = getattr(BoltSocket, "recv_into", None)
    if original is None:
        return

    def recv_into(self, buffer, nbytes):
        try:
            self._socket.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except (OSError, AttributeError):
            pass
        return original(self, buffer, nbytes)

    BoltSocket.recv_into = recv_into
    _QUICKACK_INSTALLED = True


#: seconds a Bolt read may wait for the server's next bytes (None: forever); see
#: _guard_reads. Process-wide, like the shared drivers: the last store opened sets it.
_READ_TIMEOUT: list[float | None] = [None]
_READ_GUARD_INSTALLED = False


def _guard_reads(timeout: float | None) -> None:
    """Give every new Bolt connection a read timeout, so a server that stops answering
    mid-query (FalkorDB 4.16 can freeze with its port open) fails the call with "cannot
    reach" after ``timeout`` seconds of silence instead of hanging the ingest forever.

    The driver has no such option: it sets a read timeout only from the server's
    ``connection.recv_timeout_seconds`` hint, which then replaces this one. Installed on
    the driver's socket class (as :func:`_ack_replies_promptly`); if that class is not
    where driver 5/6 keeps it, reads wait as the driver decides."""
    global _READ_GUARD_INSTALLED
    _READ_TIMEOUT[0] = timeout if timeout and timeout > 0 else None
    BoltSocket = _bolt_socket_class()
    if _READ_GUARD_INSTALLED or BoltSocket is None:
        return
    original = getattr(BoltSocket.__dict__.get("connect"), "__func__", None)
    if original is None or not hasattr(BoltSocket, "set_read_timeout"):
        return

    def connect(cls, *args, **kwargs):
        sock, version = original(cls, *args, **kwargs)
        if _READ_TIMEOUT[0] is not None and sock.get_read_timeout() is None:
            sock.set_read_timeout(_READ_TIMEOUT[0])
        return sock, version

    BoltSocket.connect = classmethod(connect)
    _READ_GUARD_INSTALLED = True


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


class _FalkorDBRedis:
    """FalkorDB's own protocol (``GRAPH.QUERY`` on its Redis port) for the statements too
    long for its Bolt endpoint (see :data:`~ptgkg.graph.cypher.FALKORDB_BOLT_MESSAGE_BYTES`):
    the same server, graph and statement, so one write is one atomic statement either way.

    Replies come in FalkorDB's compact form, each value tagged with its type: what ptgkg's
    statements return (null, strings, integers, booleans, floats, lists, maps) is read
    back as the driver would give it."""

    def __init__(self, uri: str, password: str, timeout: float, graph: str, read_only: bool = False) -> None:
        import redis  # only FalkorDB users with a Redis port configured need it

        self._exceptions = redis.exceptions
        try:
            parts = urlsplit(uri.strip())
            port = parts.port or 6379
        except ValueError:
            parts, port = None, None
        if (parts is None or parts.scheme.lower() != "redis" or parts.username or parts.password
                or not parts.hostname):
            raise StoreError(f"PTGKG_FALKORDB_REDIS_URI must be redis://host:port without credentials "
                             f"(NEO4J_PASSWORD is the password), not {redact_uri(uri)}")
        self.location = f"redis://{parts.hostname}:{port}"
        self.graph = graph
        # a read-only handle's statements run as GRAPH.RO_QUERY: FalkorDB refuses any write
        self.command = "GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY"
        address = {"host": parts.hostname, "port": port, "password": password or None,
                   "socket_connect_timeout": 5.0}
        self._client = redis.Redis(**address, socket_timeout=timeout or None)
        self._probe = redis.Redis(**address, socket_timeout=2.0)
        self._connected = False

    def _connect(self) -> None:
        # FalkorDB (4.16) swallows the first connection it accepts after a Bolt client
        # disconnects, on either port: short PINGs take that place, then the pooled
        # connection of the real client opens (see tests/_bolt.py)
        for _ in range(3):
            try:
                self._probe.ping()
                break
            except (self._exceptions.ConnectionError, self._exceptions.TimeoutError):
                self._probe.connection_pool.disconnect()
        self._probe.close()
        self._client.ping()
        self._connected = True

    def run(self, query: str) -> list[neo4j.Record]:
        """The records of ``query`` (a statement with its parameter header). A lost
        connection raises ServiceUnavailable, retried like the driver's (writes are guarded)."""
        try:
            if not self._connected:
                self._connect()
            reply = self._client.execute_command(self.command, self.graph, query, "--compact")
        except (self._exceptions.ConnectionError, self._exceptions.TimeoutError) as exc:
            raise ServiceUnavailable(f"FalkorDB at {self.location}: {exc}") from None
        except self._exceptions.ResponseError as exc:
            raise StoreError(f"FalkorDB at {self.location} refused a query: {str(exc)[:300]}") from None
        if len(reply) != 3:  # [statistics] alone: the statement returns nothing
            return []
        names = [name.decode() for _, name in reply[0]]
        return [neo4j.Record(zip(names, map(_compact_value, row))) for row in reply[1]]

    def close(self) -> None:
        self._client.close()


def _compact_value(cell: list) -> Any:
    """A value of FalkorDB's compact reply (``[type, value]``) as the driver gives it.

    >>> _compact_value([6, [[3, 1], [2, b"x"], [10, [b"k", [4, b"true"]]], [1, None]]])
    [1, 'x', {'k': True}, None]
    """
    kind, value = cell
    if kind == 1:
        return None
    if kind == 2:
        return value.decode("utf-8", "replace")
    if kind == 3:
        return value
    if kind == 4:
        return value == b"true"
    if kind == 5:
        return float(value)
    if kind == 6:
        return [_compact_value(item) for item in value]
    if kind == 10:
        return {value[i].decode(): _compact_value(value[i + 1]) for i in range(0, len(value), 2)}
    raise StoreError(f"FalkorDB returned a value of type {kind}, which ptgkg's statements never return")


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




#: node columns of reads and the stored fields they hold (what a ``big`` row fetches)
_NODE_COLUMN_FIELDS = (("doc_props", "_doc_props"), ("name", "name"), ("aliases", "aliases"), ("text", "text"))
#: the columns of the read_document statement holding a Document's bookkeeping lists
_DOCUMENT_COLUMNS = tuple(f[1:] for f in cypher.DOCUMENT_FIELDS)


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


def _merge_position(entry: dict) -> tuple[str, int]:
    """Where a per-document entry stands in the merge (:func:`~.base.merge_order`)."""
    return entry.get("order", ""), entry["seq"]


def _merged_node(entries: Iterable[dict]) -> tuple[str, list[str], dict[str, Any]]:
    """(name, aliases, props) of a node from its per-document entries (merge rule of :mod:`.base`)."""
    ordered = sorted(entries, key=_merge_position)
    aliases: list[str] = []
    props: dict[str, Any] = {}
    for entry in ordered:
        aliases.extend(a for a in entry["aliases"] if a not in aliases)
        _merge_props(props, entry["props"])
    return ordered[-1]["name"], aliases, _public_props(props)


def _node_from(label: str, node_id: str, doc_props: str) -> Node:
    name, aliases, props = _merged_node(json.loads(doc_props).values())
    return Node(node_id, label, name, aliases, props)


def _edge_entries(doc_props: str | None, evidence: list | None) -> dict[str, dict]:
    """A relationship's per-document entries ``{doc: {seq, props, evidence}}`` as stored:
    each entry names its evidence by position in the ``ev_*`` lists (``evidence`` is
    those four lists), so quotes are stored once; entries written before that carry
    the items themselves."""
    if not doc_props:
        return {}
    entries = json.loads(doc_props)
    for entry in entries.values():
        positions = entry.pop("ev", None)
        if positions is not None:
            docs, quotes, starts, ends = evidence
            entry["evidence"] = [[docs[i], quotes[i], starts[i], ends[i]] if isinstance(i, int) else i
                                 for i in positions]
    return entries


def _merged_edge(entries: dict[str, dict]) -> tuple[dict[str, Any], list[tuple]]:
    """(props, evidence items) of a relationship: entries in merge order, evidence deduplicated."""
    props: dict[str, Any] = {}
    evidence: dict[tuple, None] = {}
    for entry in sorted(entries.values(), key=_merge_position):
        _merge_props(props, entry["props"])
        evidence.update(dict.fromkeys(map(tuple, entry["evidence"])))
    return props, list(evidence)


def _edge_from(key: _EdgeKey, doc_props: str, evidence: list | None) -> Edge:
    props, items = _merged_edge(_edge_entries(doc_props, evidence))
    return Edge(key[0], key[2], key[1], [Evidence(*item) for item in items], props)


def _ordered_json(value: Any) -> str:
    """JSON keeping the order of maps (a merged node's props as merged), like ``_doc_props``
    otherwise (unicode as is)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _merged_node_json(node_id: str, label: str, name: str, aliases: list[str], props: dict[str, Any]) -> str:
    """The ``_node`` property: the merged node, ``[id, label, name, aliases, props]``, what
    reads return instead of every document's entry (see :func:`_nodes_from_json`)."""
    return _ordered_json([node_id, label, name, aliases, props])


def _nodes_from_json(texts: list[str]) -> list[Node]:
    """Nodes from their ``_node`` properties: no merging, and one json decode for them
    all (:func:`_json_values`).

    >>> _nodes_from_json([_merged_node_json("project:kolla", "Project", "Kolla", ["kolla"], {"kind": "team"})])
    [Node(id='project:kolla', label='Project', name='Kolla', aliases=['kolla'], props={'kind': 'team'})]
    """
    return [Node(*value) for value in _json_values(texts)]


def _merged_edge_json(key: _EdgeKey, props: dict[str, Any], items: list) -> str:
    """The ``_edge`` property: the merged relationship, ``[source, type, target, props,
    evidence items]``, what reads return instead of its entries and four evidence lists."""
    return _ordered_json([key[0], key[1], key[2], props, items])


def _edges_from_json(texts: list[str]) -> list[Edge]:
    """Relationships from their ``_edge`` properties: no merging, one json decode for
    them all (:func:`_json_values`).

    >>> _edges_from_json([_merged_edge_json(("project:kolla", "DISCUSSED", "topic:ci"), {}, [["doc:1", "CI", 0, 2]])])
    [Edge(source='project:kolla', target='topic:ci', type='DISCUSSED', evidence=[Evidence(doc='doc:1', quote='CI', start=0, end=2)], props={})]
    """
    make = Evidence
    return [Edge(s, o, t, [make(*item) for item in items], props) for s, t, o, props, items in _json_values(texts)]


def _json_values(texts: list[str]) -> list[Any]:
    """The JSON values of many strings, decoded as one array: a single pass of the C
    decoder instead of a ``json.loads`` call each (11k relationships: 9 ms, not 17).

    >>> _json_values(['[1, "a"]', '{"b": null}'])
    [[1, 'a'], {'b': None}]
    """
    return json.loads("[" + ",".join(texts) + "]") if texts else []


def _node_properties(node_id: str, label: str, entries: dict[str, dict]) -> dict[str, Any]:
    """The node's whole stored property map, from its per-document entries."""
    stored = _dumps(entries)
    # every entry holds JSON types (see write_document), so ``_node`` is what merging the
    # stored entries on a read gives
    name, aliases, props = _merged_node(entries.values())
    name_key = normalize(name)
    alias_keys = sorted({normalize(a) for a in aliases} - {""})
    p = _visible_props(props)
    text = props.get("text")
    p.update({"id": node_id, "name": name, "aliases": aliases,
              "_keys": sorted({name_key, *alias_keys} - {""}), "_name_key": name_key,
              "_alias_keys": alias_keys, "_doc_props": stored,
              "_node": _merged_node_json(node_id, label, name, aliases, props)})
    if isinstance(text, str) and text:
        p["_text_key"] = normalize(text)
    return p


def _edge_properties(key: _EdgeKey, entries: dict[str, dict]) -> dict[str, Any]:
    """The relationship's whole stored property map: merged props, the evidence lists,
    normalized quotes for search, the entries with evidence by position, and the merged
    relationship as one JSON string (``_edge``) for reads."""
    props: dict[str, Any] = {}
    position: dict[tuple, int] = {}
    stored: dict[str, dict] = {}
    for doc, entry in sorted(entries.items(), key=lambda kv: _merge_position(kv[1])):
        _merge_props(props, entry["props"])
        # a quote with a NUL cannot be stored verbatim in a FalkorDB string: the entry keeps
        # it whole (JSON escapes it); the ev_* lists still hold it, NUL dropped, for search
        stored[doc] = {"seq": entry["seq"], **({"order": entry["order"]} if "order" in entry else {}),
                       "props": entry["props"],
                       "ev": [list(item) if "\x00" in item[1] else position.setdefault(tuple(item), len(position))
                              for item in entry["evidence"]]}
        for item in entry["evidence"]:
            position.setdefault(tuple(item), len(position))
    items = list(position)
    p = _visible_props(props)
    p.update({"weight": len(items), "ev_doc": [e[0] for e in items], "ev_quote": [e[1] for e in items],
              "ev_start": [e[2] for e in items], "ev_end": [e[3] for e in items],
              "_ev_key": [normalize(e[1]) for e in items], "_doc_props": _dumps(stored)})
    # merged as _merged_edge merges the stored entries (every entry holds JSON types, see
    # write_document): the same props and items, without merging them twice
    p["_edge"] = _merged_edge_json(key, props, items)
    return p


def _server_error(exc: BaseException) -> Neo4jError | None:
    """The server's refusal behind ``exc``: ``exc`` itself, or the failure a driver's
    ``ResultFailedError`` reports. The driver raises that instead when it learns of the
    failure only while closing the transaction (seen on FalkorDB, once in a few hundred
    concurrent opens: the store then failed to open on a refusal it expects)."""
    if isinstance(exc, Neo4jError):
        return exc
    if isinstance(exc, ResultFailedError) and isinstance(exc.__cause__, Neo4jError):
        return exc.__cause__
    return None


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
        _guard_reads(settings.neo4j_read_timeout_s)
        secret = settings.neo4j_password
        self._password = (secret.get_secret_value() if hasattr(secret, "get_secret_value")
                          else str(secret or ""))
        username = settings.neo4j_username or ("neo4j" if self._password else None)
        self._driver: neo4j.Driver | None = None
        self._redis: _FalkorDBRedis | None = None
        self._warned_long = False
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
                _ack_replies_promptly()
            self._degrees_kept = False
            if self.dialect is cypher.FALKORDB and settings.falkordb_redis_uri:
                # FalkorDB 4.16's Bolt endpoint names the graph after the first key of a
                # RUN's extra map: 'falkordb', or 'db' once a database is named (measured)
                self._redis = _FalkorDBRedis(settings.falkordb_redis_uri, self._password, settings.neo4j_read_timeout_s,
                                             "db" if self.database else "falkordb", read_only)
            if not read_only:
                self._ensure_schema()
            self._degrees_kept = self._degrees_kept or self._read_degrees_kept()
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

    def _session(self, write: bool = False, force: bool = False) -> neo4j.Session:
        if self._driver is None:
            raise StoreError(f"Neo4j store {self.location} is closed")
        mode = neo4j.WRITE_ACCESS if write and (force or not self.read_only) else neo4j.READ_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode,
                                    max_transaction_retry_time=self._retry_time,
                                    connection_acquisition_timeout=self._acquisition_timeout)

    def _run(self, tx, dialect: cypher.Dialect, query: str, params: dict | None = None) -> list[neo4j.Record]:
        query, params = dialect.prepare(query, params)
        if (dialect.name == "falkordb" and not params and len(query) * 4 > cypher.FALKORDB_BOLT_MESSAGE_BYTES
                and len(query.encode()) > cypher.FALKORDB_BOLT_MESSAGE_BYTES):
            # too long for FalkorDB's Bolt endpoint: its Redis port when configured
            if self._redis is not None:
                return self._redis.run(query)
            if not self._warned_long:
                self._warned_long = True
                _log.warning("FalkorDB at %s: statements over %d bytes go over Bolt, which FalkorDB 4.16 "
                             "can crash on; set PTGKG_FALKORDB_REDIS_URI to its Redis port to send them there",
                             self.location, cypher.FALKORDB_BOLT_MESSAGE_BYTES)
        return list(tx.run(query, params))

    def _read(self, query: str, params: dict | None = None) -> list[neo4j.Record]:
        return self._read_with(self._run, self.dialect, query, params)

    def _rows(self, tx, query: str, params: dict | None = None) -> list[dict[str, Any]]:
        """The rows of a read as dicts, with the large fields of ``big`` rows (FalkorDB:
        too large for one reply record) fetched in pieces: node rows (``labels`` or
        ``label``, ``id``) get ``doc_props``/``name``/``aliases``/``text``, relationship
        rows (``s``, ``t``, ``o``, ``big`` = the ends' labels) ``doc_props`` and ``ev``."""
        return self._complete(tx, [dict(r.items()) for r in self._run(tx, self.dialect, query, params)])

    def _by_label(self, tx, ids: Iterable[str]) -> dict[str, list[str]]:
        """``ids`` grouped by label: the label their id names (:func:`_label_of`), else the
        label they are found under, tried one statement (an index lookup) per label,
        Documents first; ids found under none are left out."""
        groups: dict[str, list[str]] = {}
        unknown: list[str] = []
        for nid in ids:
            label = _label_of(nid)
            if label is None:
                unknown.append(nid)
            else:
                groups.setdefault(label, []).append(nid)
        for label in cypher.UNPREFIXED_LABELS:
            if not unknown:
                break
            found = set(self._run(tx, self.dialect, cypher.existing_ids(label), {"ids": unknown})[0]["found"])
            if found:
                groups.setdefault(label, []).extend(nid for nid in unknown if nid in found)
                unknown = [nid for nid in unknown if nid not in found]
        return groups

    def _batch_values(self, tx, query: str, params: dict | None = None) -> list[Any]:
        """The rows of a :func:`~ptgkg.graph.cypher.batched` read, one value each."""
        return [value for record in self._run(tx, self.dialect, query, params) for value in record[0]]

    def _merged_read(self, tx, statement, params: dict) -> tuple[list[str], list[list]]:
        """(merged JSON strings, old-format rows) of a read shaped by ``cypher._merged``:
        ``statement(legacy)`` gives its text. Rows that came back as ``0`` (FalkorDB:
        written before the merged field existed, or too large for a record) are read again
        by the legacy statement, in the old columns."""
        values = self._batch_values(tx, statement(False), params)
        merged = [v for v in values if type(v) is str]
        old = [v for v in values if type(v) is list]
        if len(merged) + len(old) < len(values):
            old += self._batch_values(tx, statement(True), params)
        return merged, old

    def _merged_nodes(self, tx, merged: list[str], old: list[list]) -> list[Node]:
        """Nodes from :meth:`_merged_read` of :func:`~ptgkg.graph.cypher.get_nodes`."""
        nodes = _nodes_from_json(merged)
        if old:
            rows = self._complete(tx, [dict(zip(cypher.NODE_ROW, v)) for v in old])
            nodes += [_node_from(r["label"], r["id"], r["doc_props"]) for r in rows]
        return nodes

    def _merged_edges(self, tx, merged: list[str], old: list[list]) -> list[Edge]:
        """Relationships from :meth:`_merged_read` of :func:`~ptgkg.graph.cypher.edges_many`."""
        edges = _edges_from_json(merged)
        if old:
            rows = self._complete(tx, [dict(zip(cypher.EDGE_ROW, v)) for v in old])
            edges += [_edge_from((r["s"], r["t"], r["o"]), r["doc_props"], r["ev"]) for r in rows if r["doc_props"]]
        return edges

    def _complete(self, tx, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` with the large fields of their ``big`` ones fetched (see :meth:`_rows`)."""
        big_nodes: dict[tuple[str, str], tuple[str, ...]] = {}
        big_edges: list[tuple[_EdgeKey, str, str]] = []
        for row in rows:
            if row.get("big") is None:
                continue
            if "ev" in row:
                big_edges.append(((row["s"], row["t"], row["o"]), *row["big"]))
            else:
                label = row["labels"][0] if "labels" in row else row["label"]
                big_nodes[(label, row["id"])] = tuple(f for c, f in _NODE_COLUMN_FIELDS if c in row)
        if big_nodes or big_edges:
            fetched = self._fetch_large(lambda q, p: self._run(tx, self.dialect, q, p), big_nodes, big_edges)
            kept = []
            for row in rows:
                if row.get("big") is not None:
                    got = fetched.get((row["s"], row["t"], row["o"]) if "ev" in row else (row["id"],))
                    if not got:
                        continue  # removed by another writer in between
                    if "ev" in row:
                        row["doc_props"] = got.get("_doc_props")
                        row["ev"] = [got.get(f) for f in cypher.EDGE_READ_FIELDS[1:]]
                    for column, field in _NODE_COLUMN_FIELDS if "ev" not in row else ():
                        if column in row:
                            row[column] = got.get(field)
                kept.append(row)
            rows = kept
        return rows

    @staticmethod
    def _fetch_large(run, nodes: dict[tuple[str, str], tuple[str, ...]],
                     edges: Iterable[tuple[_EdgeKey, str, str]]) -> dict[tuple, dict[str, Any]]:
        """FalkorDB: the large fields of some nodes ((label, id) -> fields) and relationships
        ((key, source label, target label)), in pieces, one statement. Returns ``(id,)``
        or ``(s, t, o)`` -> {field: value}; a field that is not stored is missing."""
        node_groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for (label, nid), fields in nodes.items():
            node_groups.setdefault((label, fields), []).append(nid)
        edge_groups: dict[tuple[str, str, str], list[dict]] = {}
        for (s, t, o), source, target in edges:
            rows = edge_groups.setdefault((t, source, target), [])
            if {"s": s, "t": o} not in rows:
                rows.append({"s": s, "t": o})
        query = cypher.pieces(list(node_groups), list(edge_groups))
        params = {f"n{i}": ids for i, ids in enumerate(node_groups.values())}
        params.update({f"e{i}": rows for i, rows in enumerate(edge_groups.values())})
        parts: dict[tuple, dict[str, list]] = {}
        for key, field, at, piece in run(query, params):
            parts.setdefault(tuple(key), {}).setdefault(field, []).append((at, piece))
        out: dict[tuple, dict[str, Any]] = {}
        for key, fields in parts.items():
            values = out[key] = {}
            for field, got in fields.items():
                got.sort(key=lambda x: x[0])
                if cypher.FIELD_KINDS[field] == "str":
                    values[field] = "".join(piece for _, piece in got)
                    continue
                items: list = []
                for (_, offset), piece in got:
                    if offset < 0:  # a slice of the list
                        items.extend(piece)
                    elif offset == 0:  # the start of a long element
                        items.append(piece)
                    else:
                        items[-1] += piece
                values[field] = items
        return out

    def _read_with(self, work, *args):
        with self._errors():
            if not self.dialect.transactional:
                return self._autocommit(work, *args)
            with self._session() as session:
                return session.execute_read(work, *args)

    def _write_with(self, work, *args):
        """``work(tx, *args)`` in a managed write transaction, or auto-committed on
        FalkorDB, as reads and document writes are there: in a transaction FalkorDB runs
        the statement in its default graph even when a database is named (it names the
        graph after the RUN message's extra map, which the driver leaves empty after a
        BEGIN), so schema and bookkeeping landed in another graph than the data (measured,
        4.16: with ``NEO4J_DATABASE`` set, a second open then failed)."""
        if not self.dialect.transactional:
            return self._autocommit(work, *args)
        with self._session(write=True) as session:
            return session.execute_write(work, *args)

    def _autocommit(self, work, *args):
        """``work(session, *args)`` with auto-committed statements, for FalkorDB: its
        BEGIN/COMMIT are no-ops, and skipping them saves two of three messages per read
        (0.23 vs 0.37 ms a statement here). Lost connections are retried for
        ``retry_time`` like the driver's managed transactions; every write is guarded
        by the generation counter, so a retry after a lost reply is harmless."""
        deadline = time.monotonic() + self._retry_time
        delay = 0.05
        while True:
            try:
                # always WRITE access: FalkorDB answers auto-committed statements of a READ
                # session from an empty graph (measured, 4.16); read-only handles are
                # enforced here in the store (_refuse_if_read_only), as before
                with self._session(write=True, force=True) as session:
                    return work(session, *args)
            except (ServiceUnavailable, SessionExpired, TransientError):
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(1.0, 2 * delay)

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
        # FalkorDB's Bolt endpoint fails the handshake of every other new connection, and
        # after a client that read large replies exits, the next one can find its first
        # connection defunct (measured with 4.16.3): three attempts, each after a bare
        # handshake, are not a retry storm
        for attempt in (1, 2, 3):
            try:
                self._driver.verify_connectivity()
                return
            except (ServiceUnavailable, SessionExpired) as exc:
                if attempt == 3 or not any(word in str(exc) for word in ("handshake", "defunct")):
                    raise
                time.sleep(0.05 * attempt)
                self._preflight()

    def _detect_dialect(self) -> cypher.Dialect:
        # FalkorDB announces itself as "Neo4j/5.13.0"; it has no dbms.components()
        with self._session() as session:
            try:
                session.execute_read(self._run, cypher.NEO4J, cypher.PROBE_NEO4J)
                return cypher.NEO4J
            except (Neo4jError, ResultFailedError) as exc:
                refusal = _server_error(exc)
                if refusal is None or isinstance(refusal, ClientError):
                    raise  # a refusal Neo4j would give too (credentials, rights): not the probe's
            session.execute_read(self._run, cypher.FALKORDB, cypher.PROBE_FALKORDB)
            return cypher.FALKORDB

    def _ensure_schema(self) -> None:
        """Key indexes (FalkorDB) or uniqueness constraints (Neo4j), and the meta node.

        FalkorDB has no ``IF NOT EXISTS`` and answers a second ``CREATE INDEX`` with
        ``Neo.DatabaseError.General.UnknownError``: two processes opening an empty
        graph at once (``ptgkg ingest --shard 1/2`` and ``2/2``) both see no index and
        one of them failed. An error on an index that exists by then is that race."""
        existing = self._falkordb_indexes() if self.dialect is cypher.FALKORDB else set()
        for statement in self.dialect.schema_statements(existing):
            try:
                self._write_with(self._run, self.dialect, statement)
            except ClientError as exc:
                if "Forbidden" not in (exc.code or "") and "Unauthorized" not in (exc.code or ""):
                    raise
                break  # no schema rights: queries still work, only slower
            except (Neo4jError, ResultFailedError) as exc:
                if (_server_error(exc) is None or self.dialect is not cypher.FALKORDB
                        or statement in self.dialect.schema_statements(self._falkordb_indexes())):
                    raise  # not the race: the index is still missing
        with self._errors():
            # a write (MERGE): in a read transaction a Neo4j cluster (Aura) routes it to a
            # server that refuses writes
            self._write_with(self._run, self.dialect, cypher.ENSURE_META, {"store_id": self._store_id})
            self._keep_degrees()

    def _read_degrees_kept(self) -> bool:
        """Whether every node's degree is kept (the meta node says so). A failed read says
        no: ranking then counts degrees, slower, same answer."""
        try:
            rows = self._read(cypher.READ_DEGREES_KEPT)
        except (Neo4jError, DriverError, StoreError):
            return False
        return bool(rows and rows[0]["kept"])

    def _keep_degrees(self) -> None:
        """Give every node of a graph written before degrees were kept its degree, then
        say so on the meta node (writes keep them from then on)."""
        if not self._read_degrees_kept():
            for label in LABELS:
                self._write_with(self._run, self.dialect, cypher.keep_degrees(label, self.dialect))
            self._write_with(self._run, self.dialect, cypher.DEGREES_KEPT)
        self._degrees_kept = True  # kept before, or kept now: __init__ need not read the flag again

    def _falkordb_indexes(self) -> set[tuple[str, str]]:
        existing: set[tuple[str, str]] = set()
        for rec in self._read(cypher.FALKORDB_INDEXES):
            existing.update((rec["label"], p) for p in rec["properties"] or [])
        return existing

    def close(self) -> None:
        """Release this handle (the process-wide driver stays for other handles)."""
        self._driver = None
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r}{', read_only=True' if self.read_only else ''})"

    # -- writing -----------------------------------------------------------------
    def document_hash(self, doc_id: str) -> str | None:
        rows = self._read(cypher.read_document(self.dialect), {"doc": doc_id})
        return rows[0]["content_hash"] if rows else None

    def write_document(self, graph: DocumentGraph) -> WriteResult:
        self._refuse_if_read_only()
        graph.check()
        if not any(n.id == graph.doc_id and n.label == "Document" for n in graph.nodes):
            raise ValueError(f"document graph {graph.doc_id} lacks its Document node")
        nodes, edges = _document_rows(graph)
        rows = _dumps([list(nodes.items()), [[list(k), v] for k, v in edges.items()]])
        fingerprint = hashlib.sha256(rows.encode()).hexdigest()
        # the document's entries as JSON gives them back, like every other document's
        # entries read from the server: merging them here then gives what a read of the
        # stored entries would (``_node``, ``_edge``) without a JSON round trip of them all
        node_rows, edge_rows = json.loads(rows)
        nodes, edges = dict(node_rows), {tuple(k): v for k, v in edge_rows}
        return self._replace(graph.doc_id, graph.content_hash, fingerprint, nodes, edges, merge_order(graph))

    def remove_document(self, doc_id: str) -> WriteResult:
        self._refuse_if_read_only()
        return self._replace(doc_id, None, None, {}, {}, "")

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StoreError(f"Neo4j store {self.location} is open read-only; it cannot be written")

    def _replace(self, doc_id, content_hash, fingerprint, nodes, edges, order) -> WriteResult:
        try:
            with self._errors():
                if self.dialect.transactional:
                    return self._write_with(self._replace_work, doc_id, content_hash, fingerprint,
                                            nodes, edges, order)
                # FalkorDB: optimistic; another writer got in between our read and our write
                # (each write moves the generation), so read again. Someone's write lands in
                # every round, and the jitter keeps two writers from colliding in lockstep.
                for attempt in range(_MAX_CONFLICTS):
                    try:
                        return self._autocommit(self._replace_work, doc_id, content_hash, fingerprint,
                                                nodes, edges, order)
                    except _Conflict:
                        time.sleep(random.uniform(0.0, min(0.5, 0.005 * 2 ** attempt)))
                raise StoreError(f"Neo4j store {self.location}: {_MAX_CONFLICTS} attempts to write "
                                 f"{doc_id} met concurrent writers; gave up")
        except _Unchanged:
            return WriteResult(unchanged=True)

    def _read_state(self, run, doc_id: str | None, node_labels: dict[str, str],
                    edge_keys: Iterable[_EdgeKey], labels: dict[str, str], degrees: dict[str, int] | None = None):
        """(node entries by id, edge entries by key, meta row or None) in one statement;
        ``degrees``, when given, gets each existing node's degree."""
        node_groups: dict[str, list[str]] = {}
        for nid, label in node_labels.items():
            node_groups.setdefault(label, []).append(nid)
        edge_groups: dict[tuple[str, str, str], list[dict]] = {}
        for s, t, o in edge_keys:
            edge_groups.setdefault((t, labels[s], labels[o]), []).append({"s": s, "t": o})
        query, params = cypher.read_state(doc_id, node_groups, edge_groups, self.dialect, degrees is not None)
        rows = [list(r.values()) for r in run(query, params)] if query else []
        big_nodes = {("Document", doc_id) if kind == "meta" else (node_labels[key], key):
                     cypher.DOCUMENT_FIELDS if kind == "meta" else ("_doc_props",)
                     for kind, key, _, _, big in rows if big is not None and kind != "edge"}
        big_edges = [(tuple(key), labels[key[0]], labels[key[2]])
                     for kind, key, _, _, big in rows if big is not None and kind == "edge"]
        if big_nodes or big_edges:  # FalkorDB: fields too large for one reply record
            fetched = self._fetch_large(run, big_nodes, big_edges)
            for row in rows:
                kind, key, _, extra, big = row
                if big is None:
                    continue
                if kind == "edge":
                    got = fetched.get(tuple(key), {})
                    row[2], row[3] = got.get("_doc_props"), [got.get(f) for f in cypher.EDGE_READ_FIELDS[1:]]
                elif kind == "node":
                    row[2] = fetched.get((key,), {}).get("_doc_props")
                else:
                    got = fetched.get((doc_id,), {})
                    row[3] = [*extra[:2], *(got.get(f) for f in cypher.DOCUMENT_FIELDS), extra[-1]]
        node_state: dict[str, dict] = {}
        edge_state: dict[_EdgeKey, dict] = {}
        meta = None
        for kind, key, doc_props, extra, _ in rows:
            if kind == "node":
                node_state[key] = json.loads(doc_props) if doc_props else {}
                if degrees is not None:
                    degrees[key] = int(extra or 0)
            elif kind == "edge":
                edge_state[tuple(key)] = _edge_entries(doc_props, extra)
            else:
                meta = (key, doc_props, extra)
        return node_state, edge_state, meta

    def _replace_work(self, tx, doc_id, content_hash, fingerprint, nodes, edges, order) -> WriteResult:
        d = self.dialect
        run = lambda q, p=None: self._run(tx, d, q, p)  # noqa: E731
        if d.transactional:  # Neo4j: the meta node's write lock serialises writers
            generation = run(cypher.LOCK_META, {"store_id": self._store_id})[0]["generation"]
        new_labels = {nid: e["label"] for nid, e in nodes.items()}
        # the generation, what the document stored before, and the current state of what
        # it names now: one round trip (and on FalkorDB one consistent snapshot)
        degrees: dict[str, int] = {}
        node_state, edge_state, meta = self._read_state(run, doc_id, new_labels, edges, new_labels, degrees)
        if meta is None:  # the meta node is gone (the graph was wiped since we opened it)
            run(cypher.ENSURE_META, {"store_id": self._store_id})
            node_state, edge_state, meta = self._read_state(run, doc_id, new_labels, edges, new_labels, degrees)
        stored_generation, stored_hash, (exists, rows_hash, node_ids, node_labels, edge_src, edge_type,
                                         edge_tgt, _) = meta
        if not d.transactional:
            generation = stored_generation
        seq = generation if d.transactional else generation + 1
        if not exists and content_hash is None:
            raise _Unchanged
        if exists and stored_hash == content_hash and rows_hash == fingerprint:
            raise _Unchanged

        # what the document contributed before and no longer does: read too
        old_labels = dict(zip(node_ids or [], node_labels or []))
        labels = {**old_labels, **new_labels}
        old_edges = set(zip(edge_src or [], edge_type or [], edge_tgt or []))
        gone_nodes = {nid: label for nid, label in old_labels.items() if nid not in new_labels}
        gone_edges = [key for key in old_edges if key not in edges]
        if gone_nodes or gone_edges:
            more_nodes, more_edges, _ = self._read_state(run, None, gone_nodes, gone_edges, labels, degrees)
            node_state.update(more_nodes)
            edge_state.update(more_edges)
        # the relationships this write makes or removes move their ends' kept degrees
        # (read above, in the same snapshot), so ranking by degree reads a property
        moved: dict[str, int] = {}
        for key in old_edges | edges.keys():
            after = key in edges or any(other != doc_id for other in edge_state.get(key, {}))
            if after != (key in edge_state):
                step = 1 if after else -1
                moved[key[0]] = moved.get(key[0], 0) + step
                moved[key[2]] = moved.get(key[2], 0) + step  # a self-loop counts twice

        # new state, computed here (Cypher has no JSON): the document's entries replaced
        upserts: dict[str, list[dict]] = {}
        deletes: dict[str, list[dict]] = {}
        result = WriteResult()
        for nid, label in labels.items():
            entries = node_state.get(nid, {})
            entries.pop(doc_id, None)
            if nid in nodes:
                e = nodes[nid]
                entries[doc_id] = {"seq": seq, "order": order, "name": e["name"], "aliases": e["aliases"],
                                   "props": e["props"]}
            if entries:
                props = _node_properties(nid, label, entries)
                if nid == doc_id and content_hash is not None:
                    props.update({"content_hash": content_hash, "_rows_hash": fingerprint, "_seq": seq,
                                  "_ingested_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                  "_node_ids": list(nodes), "_node_labels": [new_labels[n] for n in nodes],
                                  "_edge_src": [k[0] for k in edges], "_edge_type": [k[1] for k in edges],
                                  "_edge_tgt": [k[2] for k in edges]})
                props["_degree"] = degrees.get(nid, 0) + moved.get(nid, 0)
                if d.record_bytes:  # FalkorDB: reads return these fields (or _node) whole only if they fit
                    props["_bytes"] = max(cypher.stored_bytes(props, _BYTES_NODE_FIELDS),
                                          cypher.stored_bytes(props, ("_node",)))
                upserts.setdefault(label, []).append({"id": nid, "p": props})
                result.nodes_added += nid not in node_state
            elif nid in node_state:
                deletes.setdefault(label, []).append({"id": nid})
                result.nodes_removed += 1
        edge_upserts: dict[tuple[str, str, str], list[dict]] = {}
        edge_deletes: dict[tuple[str, str, str], list[dict]] = {}
        for key in old_edges | edges.keys():
            s, t, o = key
            group = (t, labels[s], labels[o])
            entries = edge_state.get(key, {})
            entries.pop(doc_id, None)
            if key in edges:
                entries[doc_id] = {"seq": seq, "order": order, **edges[key]}
            if entries:
                props = _edge_properties(key, entries)
                if d.record_bytes:  # a bound of the entries and lists, and of _edge
                    props["_bytes"] = max(cypher.stored_bytes(props, cypher.EDGE_READ_FIELDS),
                                          cypher.stored_bytes(props, ("_edge",)))
                edge_upserts.setdefault(group, []).append({"s": s, "t": o, "p": props})
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
    def find_nodes(self, name: str, label: str | None = None, limit: int = 10) -> list[Node]:
        key = normalize(name)
        if not key:
            return []
        query = cypher.find_nodes(label, self.dialect)
        found = []
        for r in self._read_with(self._rows, query, {"ids": list({name, name.strip()}), "key": key}):
            node = _node_from(r["labels"][0], r["id"], r["doc_props"])
            rank = 0 if r["id"] in (name, name.strip()) else 1 if r["name_key"] == key else 2
            found.append((rank, -r["degree"], node.name, node.id, node))
        found.sort(key=lambda x: x[:4])
        return [x[4] for x in found[:limit]]

    def get_nodes(self, ids: Iterable[str]) -> list[Node]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []

        def work(tx):
            merged, old = [], []
            for label, group in self._by_label(tx, ids).items():
                got = self._merged_read(tx, lambda legacy: cypher.get_nodes(label, self.dialect, legacy),
                                        {"ids": group})
                merged += got[0]
                old += got[1]
            return self._merged_nodes(tx, merged, old)

        by_id = {n.id: n for n in self._read_with(work)}
        return [by_id[i] for i in ids if i in by_id]

    def edges(self, node_id: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be out, in or both, not {direction!r}")
        wanted = None if types is None else sorted({cypher.check_type(t) for t in types})
        if wanted == []:
            return []
        def work(tx):
            label = next(iter(self._by_label(tx, [node_id])), None)
            if label is None:
                return []
            return self._merged_edges(tx, *self._merged_read(
                tx, lambda legacy: cypher.node_edges(label, direction, self.dialect, wanted, legacy),
                {"id": node_id}))

        return _each_once(self._read_with(work))

    #: ids per ``edges_many`` statement (FalkorDB splices long parameter lists into text)
    EDGES_MANY_CHUNK = 500
    #: a path search whose next level has more relationships than this (kept degrees)
    #: first asks only for the neighbours the other side reached, when those are at most
    #: PATH_PROBE_IDS: on the full benchmark graph a third level reads ~10k rows (~80 ms)
    #: where the meeting rows are a handful
    PATH_PROBE_ROWS = 2000
    PATH_PROBE_IDS = 2000

    def edges_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                   direction: Direction = "both") -> dict[str, list[Edge]]:
        """:meth:`edges` of many nodes in one read: one statement per label among the
        ids (index lookups) and per :attr:`EDGES_MANY_CHUNK` ids, one round trip on
        FalkorDB. A relationship between two of the nodes is read and decoded once."""
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be out, in or both, not {direction!r}")
        wanted = None if types is None else [cypher.check_type(t) for t in sorted(set(types))]
        ids = list(dict.fromkeys(node_ids))
        out: dict[str, list[Edge]] = {nid: [] for nid in ids}
        if not ids or wanted == []:
            return out
        size = self.EDGES_MANY_CHUNK

        def work(tx):
            merged, old = [], []
            for label, chunk in [(label, group[i:i + size]) for label, group in self._by_label(tx, ids).items()
                                 for i in range(0, len(group), size)]:
                got = self._merged_read(tx, lambda legacy: cypher.edges_many(label, direction, self.dialect, wanted,
                                                                              legacy), {"ids": chunk})
                merged += got[0]
                old += got[1]
            return self._merged_edges(tx, merged, old)

        seen: set[_EdgeKey] = set()  # a relationship between ids of two statements comes twice
        for edge in self._read_with(work):
            key = _EDGE_KEY(edge)
            if key in seen:
                continue
            seen.add(key)
            _file_at_ends(out, edge.source, edge.target, edge, direction)
        for edges in out.values():
            edges.sort(key=_EDGE_KEY)
        return out

    def edge_keys(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                  direction: Direction = "both") -> dict[str, list[tuple[str, str, str]]]:
        """:meth:`edges_many`'s relationships with evidence, their ids and types only: no
        merged JSON or quotes cross the wire (statements as :meth:`edges_many`'s)."""
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be out, in or both, not {direction!r}")
        wanted = None if types is None else [cypher.check_type(t) for t in sorted(set(types))]
        ids = list(dict.fromkeys(node_ids))
        out: dict[str, list[tuple[str, str, str]]] = {nid: [] for nid in ids}
        if not ids or wanted == []:
            return out
        size = self.EDGES_MANY_CHUNK

        def work(tx):
            rows = []
            for label, group in self._by_label(tx, ids).items():
                statement = cypher.edge_keys(label, direction, self.dialect, wanted)
                for i in range(0, len(group), size):
                    rows += self._batch_values(tx, statement, {"ids": group[i:i + size]})
            return rows

        for key in dict.fromkeys(tuple(row) for row in self._read_with(work)):
            _file_at_ends(out, key[0], key[2], key, direction)
        for keys in out.values():
            keys.sort()
        return out

    def search(self, text: str, limit: int = 20) -> list[tuple[Node, str]]:
        query = normalize(text)
        if not query or limit <= 0:
            return []
        def work(tx):
            rows = self._rows(tx, cypher.search(self.dialect), {"q": query, "limit": int(limit)})
            if len(rows) < limit:  # then nodes matched by a quote only
                rows += self._rows(tx, cypher.search_quotes(self.dialect), {"q": query, "limit": limit - len(rows)})
            return rows

        out = []
        for r in self._read_with(work):
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
        rows = self._read_with(self._rows, cypher.top_nodes(label, self.dialect, self._degrees_kept),
                               {"limit": int(limit)})
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
        if query is None:
            found = self._breadth_first(source_id, target_id, types, max_hops)
            if found is None:
                return None
            ids, rel_types = found
        else:
            rows = self._read(query, {"source": source_id, "target": target_id, "types": types})
            if not rows or not rows[0]["ids"]:
                return None
            ids, rel_types = rows[0]["ids"], rows[0]["types"]
        nodes = {n.id: n for n in self.get_nodes(ids)}
        return PathResult([nodes[i] for i in ids], list(rel_types))

    def _breadth_first(self, source: str, target: str, types: list[str],
                       max_hops: int) -> tuple[list[str], list[str]] | None:
        """(ids, types) of a shortest undirected path that passes through no Document,
        searched level by level from both ends: one round trip per level, ids only. The
        side expanded next is the one whose frontier has fewer relationships (the kept
        degrees; where the graph keeps none, fewer nodes): a frontier holding a busy
        project reads tens of thousands of rows, and expanding the other side first often
        meets it sooner. Ties go to the smallest ids and types, so the answer is stable."""
        ends = {source, target}
        reached = ({source: None}, {target: None})  # node -> (previous node, type) per side
        frontiers = ([source], [target])
        # the frontiers' relationships, summed (the ends': unknown, so equal)
        weights = [0, 0]
        links: dict[tuple[str, str], str] = {}  # the smallest type between two nodes
        depth = 0
        while frontiers[0] and frontiers[1] and depth < max_hops:
            side = 0 if (weights[0], len(frontiers[0])) <= (weights[1], len(frontiers[1])) else 1
            parents, others = reached[side], reached[1 - side]
            nxt: dict[str, tuple[str, str]] = {}
            weight = 0
            rows = None
            if weights[side] > self.PATH_PROBE_ROWS and len(others) <= self.PATH_PROBE_IDS:
                # a level of thousands of rows: first ask only for the neighbours the other
                # side reached (the rows that end the search); all of them only if none
                rows = self._neighbour_rows(frontiers[side], types, among=list(others))
                if not any(b not in parents for _, _, b, label, _ in rows
                           if label != "Document" or b in ends):
                    rows = None
            if rows is None:
                rows = self._neighbour_rows(frontiers[side], types)
            for a, t, b, label, degree in sorted(rows):
                if label == "Document" and b not in ends:
                    continue  # paths do not go through documents
                pair = (a, b) if a < b else (b, a)
                links[pair] = min(t, links.get(pair, t))
                if b not in parents and b not in nxt:
                    nxt[b] = (a, t)
                    weight += degree or 0
            weights[side] = weight if self._degrees_kept else 0
            parents.update(nxt)
            depth += 1
            meeting = sorted(b for b in nxt if b in others)
            if meeting:
                middle = meeting[0]
                half = [middle]
                while reached[0][half[-1]] is not None:
                    half.append(reached[0][half[-1]][0])
                ids = half[::-1]
                node = middle
                while reached[1][node] is not None:
                    node = reached[1][node][0]
                    ids.append(node)
                return ids, [links[(x, y) if x < y else (y, x)] for x, y in zip(ids, ids[1:])]
            frontiers = (list(nxt), frontiers[1]) if side == 0 else (frontiers[0], list(nxt))
        return None

    def edges_between(self, pairs: Iterable[tuple[str, str]], types: Iterable[str] | None = None
                      ) -> dict[tuple[str, str], list[Edge]]:
        """One statement per pair (a path has a few), each finding both ends by index."""
        wanted = None if types is None else [cypher.check_type(t) for t in sorted(set(types))]
        pairs = list(dict.fromkeys(pairs))
        out: dict[tuple[str, str], list[Edge]] = {pair: [] for pair in pairs}
        if not pairs or wanted == []:
            return out

        def work(tx):
            label_of = {nid: label for label, ids in self._by_label(tx, {n for pair in pairs for n in pair}).items()
                        for nid in ids}
            return {(a, b): self._merged_edges(tx, *self._merged_read(
                        tx, lambda legacy: cypher.edges_between(label_of[a], label_of[b], self.dialect, wanted, legacy),
                        {"a": a, "b": b}))
                    for a, b in pairs if a in label_of and b in label_of}

        for pair, edges in self._read_with(work).items():
            out[pair] = _each_once(edges)
        return out

    def _neighbour_rows(self, ids: list[str], types: list[str], among: list[str] | None = None
                        ) -> list[tuple[str, str, str, str, int | None]]:
        size = self.EDGES_MANY_CHUNK
        if not types:
            return []
        extra = {} if among is None else {"among": among}

        def work(tx):
            return [tuple(row) for label, group in self._by_label(tx, ids).items() for i in range(0, len(group), size)
                    for row in self._batch_values(tx, cypher.neighbours(label, self.dialect, types, among is not None),
                                                  {"ids": group[i:i + size], **extra})]

        return self._read_with(work)

    def counts(self) -> dict[str, dict[str, int]]:
        counted = {"nodes": dict.fromkeys(LABELS, 0), "edges": dict.fromkeys(REL_TYPES, 0)}

        def work(tx):
            run = lambda query: self._run(tx, self.dialect, query)  # noqa: E731
            return ([(r["name"], r["c"]) for r in run(cypher.COUNT_NODES)],
                    [(t, r["c"]) for t in REL_TYPES for r in run(cypher.count_relationships(t))])

        nodes, edges = self._read_with(work)
        counted["nodes"].update(nodes)
        counted["edges"].update(edges)
        return counted

    def event_counts(self) -> dict[str, tuple[int, int]]:
        # two aggregations on the server: one row per event, not one per Document
        def work(tx):
            return (self._run(tx, self.dialect, cypher.label_ids("Event")),
                    self._run(tx, self.dialect, cypher.EVENT_SESSIONS),
                    self._run(tx, self.dialect, cypher.EVENT_DOCUMENTS))

        event_rows, session_rows, document_rows = self._read_with(work)
        documents = {r["event"]: r["documents"] for r in document_rows}
        out = {r["id"]: (0, 0) for r in event_rows}
        out.update({r["event"]: (r["sessions"], documents.get(r["event"], 0)) for r in session_rows})
        return out

    def export(self) -> GraphExport:
        def work(tx):
            return (self._rows(tx, cypher.export_nodes(self.dialect)),
                    self._rows(tx, cypher.export_edges(self.dialect)))

        node_rows, edge_rows = self._read_with(work)
        nodes = [_node_from(r["labels"][0], r["id"], r["doc_props"]) for r in node_rows
                 if r["labels"] and r["labels"][0] in LABELS]
        edges = [_edge_from((r["s"], r["t"], r["o"]), r["doc_props"], r["ev"]) for r in edge_rows
                 if r["t"] in REL_TYPES]
        return GraphExport(nodes, edges)

    def document_graphs(self) -> Iterator[DocumentGraph]:
        doc_ids = [r["id"] for r in self._read(cypher.LIST_DOCUMENTS)]
        for doc_id in doc_ids:
            graph = self.document_graph(doc_id)
            if graph is not None:
                yield graph

    def document_graph(self, doc_id: str) -> DocumentGraph | None:
        return self._read_with(self._document_graph_work, doc_id)

    def node_entries(self, label: str) -> list[tuple[str, Node]]:
        rows = self._read_with(self._rows, cypher.node_entries(label, self.dialect))
        kept = []
        for r in rows:
            for doc_id, e in json.loads(r["doc_props"]).items():
                kept.append((_merge_position(e), doc_id, Node(r["id"], label, e["name"], e["aliases"], e["props"])))
        kept.sort(key=lambda k: (k[0], k[1], k[2].id))
        return [(doc_id, n) for _, doc_id, n in kept]

    def _document_graph_work(self, tx, doc_id: str) -> DocumentGraph | None:
        run = lambda q, p=None: self._run(tx, self.dialect, q, p)  # noqa: E731
        stored = [dict(r.items()) for r in run(cypher.read_document(self.dialect), {"doc": doc_id})]
        if not stored:
            return None  # removed while we iterated
        d = stored[0]
        if d["big"] is not None:  # FalkorDB: its bookkeeping is too large for one reply record
            got = self._fetch_large(run, {("Document", doc_id): cypher.DOCUMENT_FIELDS}, []).get((doc_id,), {})
            d.update({column: got.get(field) for column, field in zip(_DOCUMENT_COLUMNS, cypher.DOCUMENT_FIELDS)})
        labels = dict(zip(d["node_ids"] or [], d["node_labels"] or []))
        keys = list(zip(d["edge_src"] or [], d["edge_type"] or [], d["edge_tgt"] or []))
        node_state, edge_state, _ = self._read_state(run, None, labels, keys, labels)
        entries = {nid: e[doc_id] for nid, e in node_state.items() if doc_id in e}
        nodes = [Node(nid, labels[nid], entries[nid]["name"], entries[nid]["aliases"], entries[nid]["props"])
                 for nid in labels if nid in entries]
        edge_entries = {key: e[doc_id] for key, e in edge_state.items() if doc_id in e}
        edges = [Edge(s, o, t, [Evidence(*ev) for ev in edge_entries[(s, t, o)]["evidence"]],
                      edge_entries[(s, t, o)]["props"]) for s, t, o in keys if (s, t, o) in edge_entries]
        return DocumentGraph(doc_id, d["content_hash"], nodes, edges)

    def generation(self) -> str:
        rows = self._read(cypher.READ_META)
        return f"{rows[0]['store_id']}:{rows[0]['generation']}" if rows else "empty"

    # -- test support ------------------------------------------------------------
    def wipe(self) -> None:
        """Delete everything in the database (tests only; refuses when read-only)."""
        self._refuse_if_read_only()
        with self._errors():
            self._write_with(self._run, self.dialect, cypher.WIPE)
            # an empty graph has every degree kept
            self._write_with(self._run, self.dialect, cypher.ENSURE_META, {"store_id": self._store_id})
            self._write_with(self._run, self.dialect, cypher.DEGREES_KEPT)
        self._degrees_kept = True
