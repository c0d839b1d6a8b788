"""The embedded store: durable in SQLite (one folder), queried from networkx in memory.

Every document's contribution is kept apart (``node_support`` / ``edge_support``
rows keyed by document), so replacing or removing a document touches only its
own rows, in one ``BEGIN IMMEDIATE`` transaction whose cost is proportional to
the document. The merged graph (see :mod:`.base`) is computed from those rows
into an ``nx.MultiDiGraph`` on first read and reloaded only when the store's
generation counter moved; this handle's own writes update it in place. A writer
counts the documents holding each relationship in memory (:class:`_EdgeSupport`), to
report what a write adds and removes without an index by relationship, whose random keys
cost a written page per row once the store is large.

Evidence quotes are also kept folded in a trigram full-text index (``quote_rows`` /
``quote_fts``), written in the same transaction as the document's rows, so a search
that reaches the quotes asks SQLite instead of folding a million quotes in memory.

SQLite runs in WAL mode, so readers keep a consistent snapshot while an ingest
writes, and a process killed at any moment leaves every committed document
whole (an uncommitted one is simply absent).

Example
-------
>>> import tempfile
>>> from ptgkg.graph.model import DocumentGraph, Node
>>> with EmbeddedStore(tempfile.mkdtemp()) as store:
...     doc = Node("doc:1", "Document", "Kolla notes")
...     r = store.write_document(DocumentGraph("doc:1", "h1", [doc], []))
...     [n.name for n in store.find_nodes("kolla notes")]
['Kolla notes']
"""
from __future__ import annotations

import functools
import gc
import heapq
import itertools
import json
import operator
import sqlite3
import threading
import uuid
from bisect import bisect_right
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import networkx as nx

from ..model import LABELS, REL_TYPES, DocumentGraph, Edge, Evidence, GraphExport, Node, normalize, normalize_many
from .base import Direction, GraphStore, PathResult, StoreError, WriteResult, merge_order, merge_order_key
# the merge rule and snippets are the contract's, shared by every store
from .base import canonical_json as _dumps, merge_props as _merge_props, public_props as _public_props, search_snippet as _snippet

__all__ = ["EmbeddedStore", "STORE_FILE", "FORMAT"]

STORE_FILE = "graph.sqlite"
FORMAT = "ptgkg-embedded"
SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    seq INTEGER NOT NULL,          -- ingest order (listing documents, resuming)
    ingested_at TEXT NOT NULL,
    merge_order TEXT               -- base.merge_order: the later document wins on conflicts
);
CREATE TABLE IF NOT EXISTS node_support (
    doc_id TEXT NOT NULL,
    ord INTEGER NOT NULL,          -- position in the document graph (for document_graphs)
    node_id TEXT NOT NULL,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,         -- JSON list
    props TEXT NOT NULL,           -- JSON object
    PRIMARY KEY (doc_id, node_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_support_node ON node_support (node_id);
CREATE TABLE IF NOT EXISTS edge_support (
    doc_id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    target TEXT NOT NULL,
    props TEXT NOT NULL,           -- JSON object
    evidence TEXT NOT NULL,        -- JSON list of [doc, quote, start, end]
    PRIMARY KEY (doc_id, source, type, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS documents_seq ON documents (seq);
"""
# Indexes added after stores were first written: created when such a store is opened for writing.
_LATER_INDEXES = ("CREATE INDEX IF NOT EXISTS documents_seq ON documents (seq)",)
# Indexes earlier stores have and this one does without, dropped when opened for writing.
# ``edge_support_key`` (relationship -> its rows): its keys are random, so once it had
# more pages than a commit has rows every row wrote a page of its own, and a commit cost
# 1.3-1.4x more at 10,000 documents than at the first. What it answered is now kept in
# memory by the writer (:class:`_EdgeSupport`, the loaded graph's own rows).
_DROPPED_INDEXES = ("DROP INDEX IF EXISTS edge_support_key",)
# Every evidence quote, folded (:func:`normalize`): one row per distinct folded quote of a
# document (``quote_rows``), the relationships it supports (``quote_edges``; ``pos``: its
# first place in the relationship's evidence list), and a trigram index over the quotes
# (detail=none: the smallest; a candidate is checked against its folded text): the quote
# rank of a search is a query, not a build. A quote supports several relationships of its
# note (a line naming three people and a topic): indexing it once, not once per
# relationship, keeps the index a third of the cost of a commit smaller. Kept in the same
# transaction as the document's rows; ``meta.quotes_indexed`` names the generation it is
# current for, so a store written by a ptgkg without it is seen as stale, never trusted.
_QUOTE_DDL = (
    "CREATE TABLE quote_rows (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, folded TEXT NOT NULL)",
    "CREATE INDEX quote_rows_doc ON quote_rows (doc_id)",  # a document's rows, to delete them
    "CREATE TABLE quote_edges (quote_id INTEGER NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL, "
    "target TEXT NOT NULL, pos INTEGER NOT NULL, PRIMARY KEY (quote_id, source, type, target)) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE quote_fts USING fts5(folded, content='quote_rows', content_rowid='id', "
    "tokenize='trigram case_sensitive 1', detail=none, columnsize=0)",
)
_QUOTES_INDEXED = "quotes_indexed"  # meta key: the generation the quote index is current for
# trigram queries need 3 characters: shorter ones scan the folded quotes instead
_TRIGRAM = 3
# SQLite's default page cache is 2 MB: a large store's indexes then come from the OS for
# every commit, and commit cost grows with the store. 64 MB keeps their upper levels hot.
_CACHE_KIB = 65536

_EdgeKey = tuple[str, str, str]
_NodeRow = tuple[int, str, str, str, str, str]            # ord, id, label, name, aliases, props
_EdgeRow = tuple[int, str, str, str, str, str]            # ord, source, type, target, props, evidence


class _EdgeSupport:
    """How many stored documents hold each relationship, for one handle's writes: whether
    a write adds or removes a relationship of the merged graph (:class:`WriteResult`).

    Counted by one scan of the rows when the handle first writes, and again when another
    handle or process has written since (the store's generation moved), then kept
    current by this handle's own commits. An index by relationship answered this before,
    at the price of a page written per row (see ``_DROPPED_INDEXES``).
    """

    def __init__(self, conn: sqlite3.Connection, generation: str) -> None:
        self.generation = generation
        ids: dict[str, str] = {}  # one string per node id, shared by its keys
        intern = ids.setdefault
        counts: dict[_EdgeKey, int] = {}
        get = counts.get
        for s, t, d in conn.execute("SELECT source, type, target FROM edge_support"):
            key = (intern(s, s), intern(t, t), intern(d, d))
            counts[key] = get(key, 0) + 1
        self.counts = counts

    def held_elsewhere(self, key: _EdgeKey) -> bool:
        """True if a document other than the one being written holds ``key`` (call with
        keys the written document did not hold before)."""
        return key in self.counts

    def held_only_here(self, key: _EdgeKey) -> bool:
        """True if the document being written was the only one holding ``key``."""
        return self.counts.get(key) == 1

    def commit(self, generation: str, dropped: Iterable[_EdgeKey], added: Iterable[_EdgeKey]) -> None:
        """Bring the counts to ``generation``, which one document's write made."""
        counts = self.counts
        for key in dropped:
            left = counts[key] - 1
            if left:
                counts[key] = left
            else:
                del counts[key]
        for key in added:
            counts[key] = counts.get(key, 0) + 1
        self.generation = generation


def _quote_rows(doc_id: str, items: Iterable[tuple[str, str, str, int, Any]], first_id: int
                ) -> tuple[list[tuple[int, str, str]], list[tuple[int, str, str, str, int]]]:
    """The quote index rows of one document from its (source, type, target, position,
    quote) items: each distinct folded quote once, numbered from ``first_id``, and the
    relationships it supports at its first position in each. Empty quotes are left out.

    >>> _quote_rows("d", [("a", "T", "b", 0, "Kolla  CI"), ("a", "T", "b", 1, "kolla ci"),
    ...                   ("c", "T", "b", 0, "Kolla CI")], 7)
    ([(7, 'd', 'kolla ci')], [(7, 'a', 'T', 'b', 0), (7, 'c', 'T', 'b', 0)])
    """
    items = list(items)
    ids: dict[str, int] = {}
    texts: list[tuple[int, str, str]] = []
    links: dict[tuple[int, str, str, str], int] = {}
    for (s, t, d, pos, _), folded in zip(items, normalize_many([q if isinstance(q, str) else "" for *_, q in items])):
        if not folded:
            continue
        qid = ids.get(folded)
        if qid is None:
            qid = ids[folded] = first_id + len(texts)
            texts.append((qid, doc_id, folded))
        links.setdefault((qid, s, t, d), pos)
    return texts, [(*key, pos) for key, pos in links.items()]


def _insert_quote_rows(conn: sqlite3.Connection, texts: list[tuple[int, str, str]],
                       links: list[tuple[int, str, str, str, int]]) -> None:
    conn.executemany("INSERT INTO quote_rows(id, doc_id, folded) VALUES (?, ?, ?)", texts)
    conn.executemany("INSERT INTO quote_edges(quote_id, source, type, target, pos) VALUES (?, ?, ?, ?, ?)", links)


def _trigram_match(query: str) -> str:
    """An FTS5 query for every trigram of ``query``, each a quoted string: the text is
    never FTS syntax (``"a" OR b*`` is searched for as it is)."""
    grams = dict.fromkeys(query[i:i + _TRIGRAM] for i in range(len(query) - _TRIGRAM + 1))
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def _merge_node(node_id: str, rows: list[tuple[str, str, str, str]]) -> Node:
    """rows: (label, name, aliases json, props json), oldest document first."""
    aliases: list[str] = []
    props: dict[str, Any] = {}
    for _, _, aliases_json, props_json in rows:
        aliases.extend(a for a in json.loads(aliases_json) if a not in aliases)
        _merge_props(props, json.loads(props_json))
    label, name = rows[-1][0], rows[-1][1]
    return Node(node_id, label, name, aliases, _public_props(props))


def _merge_edge(key: _EdgeKey, rows: list[tuple[str, ...]], _new=object.__new__) -> Edge:
    """rows: (props json, evidence json[, doc id]), oldest document first.

    Built like :func:`_evidence`, without the dataclass's ``__init__`` (the same value at
    a third of the cost; its type check still runs): a decision log merges a hundred
    thousand relationships at once."""
    props: dict[str, Any] = {}
    for row in rows:
        props_json = row[0]
        if props_json != _NO_PROPS:  # most relationships have none: skip the decoder
            _merge_props(props, json.loads(props_json))
    edge = _new(Edge)
    edge.__dict__.update(source=key[0], target=key[2], type=key[1],
                         evidence=_merged_evidence([row[1] for row in rows]), props=props)
    edge.__post_init__()
    return edge


_NO_PROPS = _dumps({})
_EDGE_ORDER = operator.attrgetter("source", "type", "target")  # Edge.key, without a Python call per edge


def _merged_evidence(texts: list[str], _scan=json.JSONDecoder().scan_once) -> list[Evidence]:
    """The distinct evidence items of a relationship's support rows, in row order.

    Rows hold canonical JSON (:func:`canonical_json`: no whitespace around it), so json's
    C scanner alone decodes them, without ``json.loads``' whitespace checks around it (60%
    of its cost); any other text goes through ``json.loads``."""
    items: list = []
    for text in texts:
        try:
            found, end = _scan(text, 0)
        except StopIteration:
            found, end = json.loads(text), len(text)
        items.extend(found if end == len(text) else json.loads(text))
    if len(items) == 1:  # the common case (one document, one quote): nothing to merge
        return [_evidence(*items[0])]
    evidence: list[Evidence] = []
    seen: set[tuple] = set()
    for doc, quote, start, end in items:
        if (doc, quote, start, end) not in seen:
            seen.add((doc, quote, start, end))
            evidence.append(_evidence(doc, quote, start, end))
    return evidence


def _evidence(doc: str, quote: str, start: int, end: int, _new=object.__new__) -> Evidence:
    """``Evidence(doc, quote, start, end)`` without the frozen dataclass's checked
    ``__init__`` (four ``object.__setattr__`` calls): the same value at 60% of the
    cost, for the tens of thousands of items a hub's relationships hold."""
    ev = _new(Evidence)
    ev.__dict__.update(doc=doc, quote=quote, start=start, end=end)
    return ev


#: relationships merged (and kept) since the loaded graph was last frozen out of the
#: garbage collector; see EmbeddedStore.snapshot
_merged_since_freeze = [0]
_REFREEZE_AFTER = 2000


def _edge_in(source: str, target: str, type_: str, data: dict) -> Edge:
    """The merged edge of one entry of the loaded graph, merged from its support rows
    on first use. Callers hold the store's lock."""
    edge = data.get("edge")
    if edge is None:
        # a writable handle's entries keep their rows (_KEEP_ROWS): its writes merge their
        # own rows with them. Elsewhere they go: +19% memory once every edge is merged
        rows = data["rows"] if _KEEP_ROWS in data else data.pop("rows")
        edge = data["edge"] = _merge_edge((source, type_, target), rows)
        _merged_since_freeze[0] += 1
    return edge


_KEEP_ROWS = "keep_rows"  # the key marking them: an entry's dict is no larger with it


def _has_evidence(data: dict) -> bool:
    """True if an entry of the loaded graph has evidence, without merging it: its support
    rows keep evidence as canonical JSON, ``[]`` when there is none."""
    edge = data.get("edge")
    if edge is not None:
        return bool(edge.evidence)
    for row in data["rows"]:  # a loop, not any() over a generator: called per relationship
        if row[1] != "[]":
            return True
    return False


class _Census:
    """Node ids and degrees by label, and relationship counts by type, of one loaded graph."""

    def __init__(self, g: nx.MultiDiGraph) -> None:
        self.ids: dict[str, list[str]] = {}
        self.degrees: dict[str, list[int]] = {}
        # map() chains over the adjacency dicts themselves: the loops run in C (a Python
        # loop over 900k relationships, or networkx's views, cost several times more)
        ids = list(g._node)
        lengths = functools.partial(map, len)

        def sizes(adjacency: dict) -> Iterator[int]:  # relationships at each node, one direction
            return map(sum, map(lengths, map(dict.values, map(adjacency.__getitem__, ids))))

        degrees = map(operator.add, sizes(g._succ), sizes(g._pred))
        for nid, data, degree in zip(ids, g._node.values(), degrees):
            label = data["node"].label
            found = self.ids.get(label)
            if found is None:
                found = self.ids[label] = []
                self.degrees[label] = []
            found.append(nid)
            self.degrees[label].append(degree)
        # every relationship once, as a key of its source's out-adjacency
        self.edges: dict[str, int] = dict(Counter(itertools.chain.from_iterable(
            itertools.chain.from_iterable(map(dict.values, g._succ.values())))))


def _own_rows(conn: sqlite3.Connection, doc_id: str) -> tuple[list[_NodeRow], list[_EdgeRow]]:
    """One document's support rows as :func:`_rows_of` makes them, in their order."""
    return (conn.execute("SELECT ord, node_id, label, name, aliases, props FROM node_support "
                         "WHERE doc_id=? ORDER BY ord", (doc_id,)).fetchall(),
            conn.execute("SELECT ord, source, type, target, props, evidence FROM edge_support "
                         "WHERE doc_id=? ORDER BY ord", (doc_id,)).fetchall())


def _copy_node(n: Node) -> Node:
    return Node(n.id, n.label, n.name, list(n.aliases),
                {k: list(v) if isinstance(v, list) else v for k, v in n.props.items()})


def _copy_edge(e: Edge) -> Edge:
    return Edge(e.source, e.target, e.type, list(e.evidence),
                {k: list(v) if isinstance(v, list) else v for k, v in e.props.items()})


def _rows_of(graph: DocumentGraph) -> tuple[list[_NodeRow], list[_EdgeRow]]:
    """The document graph as support rows; repeated nodes/edges within one document are merged."""
    nodes: dict[str, tuple[str, str, list[str], dict[str, Any]]] = {}
    for n in graph.nodes:
        _, _, aliases, props = nodes.get(n.id, ("", "", [], {}))
        aliases.extend(a for a in n.aliases if a not in aliases)
        _merge_props(props, n.props)
        nodes[n.id] = (n.label, n.name, aliases, props)
    edges: dict[_EdgeKey, tuple[dict[str, Any], list[list[Any]]]] = {}
    for e in graph.edges:
        props, evidence = edges.setdefault(e.key, ({}, []))
        _merge_props(props, e.props)
        for ev in e.evidence:
            item = [ev.doc, ev.quote, int(ev.start), int(ev.end)]
            if item not in evidence:
                evidence.append(item)
    node_rows = [(i, nid, label, name, _dumps(aliases), _dumps(props))
                 for i, (nid, (label, name, aliases, props)) in enumerate(nodes.items())]
    edge_rows = [(i, s, t, d, _dumps(props), _dumps(ev))
                 for i, ((s, t, d), (props, ev)) in enumerate(edges.items())]
    return node_rows, edge_rows


class _SearchSegment:
    """Searchable strings of one rank, folded (:func:`normalize`) and joined into one text,
    so a substring search is ``str.find`` over the whole segment (C speed), not a Python
    loop over a million quotes. Folded strings hold no newline: it separates entries."""

    def __init__(self) -> None:
        self.originals: list[str] = []
        self.ids: list[tuple[str, ...]] = []
        self._parts: list[str] = []
        self._seen: set[tuple[str, tuple[str, ...]]] = set()
        self.text = ""
        self.starts: list[int] = []

    def extend(self, originals: list[str], ids: list[tuple[str, ...]]) -> None:
        seen = self._seen
        for original, folded, where in zip(originals, normalize_many(originals), ids):
            if folded and (folded, where) not in seen:  # one quote often supports several edges
                seen.add((folded, where))
                self.originals.append(original)
                self.ids.append(where)
                self._parts.append(folded)

    def seal(self) -> None:
        at, starts = 0, []
        for part in self._parts:
            starts.append(at)
            at += len(part) + 1
        self.text, self.starts = "\n".join(self._parts), starts
        self._parts, self._seen = [], set()

    def folded(self, entry: int) -> str:
        end = self.starts[entry + 1] - 1 if entry + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[entry]:end]

    def matches(self, query: str) -> Iterator[int]:
        """Entries containing ``query``, each once, in order."""
        starts, find = self.starts, self.text.find
        at = find(query)
        while at >= 0:
            entry = bisect_right(starts, at) - 1
            yield entry
            # go on from the next entry: one hit per entry is enough
            at = find(query, starts[entry + 1]) if entry + 1 < len(starts) else -1


class EmbeddedStore(GraphStore):
    """A graph store in one folder (``<path>/graph.sqlite``).

    ``busy_timeout`` is how long a writer waits for another ingest's
    transaction before giving up with a :class:`StoreError`.
    """

    def __init__(self, path: Path | str, read_only: bool = False, busy_timeout: float = 10.0) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._memo: dict = {}  # answers computed once per graph version (cleared on any change)
        # in-memory merged graph, valid for generation self._loaded_gen
        self._g: nx.MultiDiGraph | None = None
        self._loaded_gen: str | None = None
        self._by_name: dict[str, set[str]] = {}
        self._by_alias: dict[str, set[str]] = {}
        self._search_index: list[_SearchSegment] | None = None
        self._pinned = 0  # > 0 inside snapshot(): the loaded version is not re-checked
        # the loaded graph's documents in merge order (their rows' sort key), and the
        # relationship counts this handle's writes keep (built on its first write)
        self._doc_rank: dict[str, tuple] = {}
        self._edge_support: _EdgeSupport | None = None
        self._open()

    # -- opening ---------------------------------------------------------------
    def _open(self) -> None:
        db = self.path / STORE_FILE
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"store {self.path} is not a folder")
        if self.read_only:
            if not db.is_file():
                raise StoreError(f"no ptgkg store at {self.path} (no {STORE_FILE})")
        elif not db.exists():
            if self.path.is_dir() and any(self.path.iterdir()):
                raise StoreError(f"{self.path} is not a ptgkg store (the folder has other files and no {STORE_FILE})")
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create store {self.path}: {exc.strerror or exc}") from None
        try:
            if self.read_only:
                uri = db.resolve().as_uri() + "?mode=ro"
                conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(db, timeout=self.busy_timeout,
                                       isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from None
        self._conn = conn
        try:
            with self._errors():
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                conn.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
                if not self.read_only:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.execute("PRAGMA wal_autocheckpoint = 10000")
                    self._initialise()
                self._check_format()
                if not self.read_only:
                    for statement in (*_LATER_INDEXES, *_DROPPED_INDEXES):
                        conn.execute(statement)
                    self._add_merge_order(conn)
                    self._add_quote_index(conn)
                self._order = self._order_column(conn)
        except BaseException:
            conn.close()
            self._conn = None
            raise

    def _initialise(self) -> None:
        conn = self._conn
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone():
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            has_meta = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
            if not has_meta:  # another process may have created it while we waited
                if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise StoreError(f"{self.path} is not a ptgkg store ({STORE_FILE} holds other tables)")
                for statement in _DDL.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO meta(key, value) VALUES (?, ?)", [
                    ("format", FORMAT), ("version", str(SCHEMA_VERSION)),
                    ("store_id", uuid.uuid4().hex), ("generation", "0")])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _order_column(conn: sqlite3.Connection) -> str:
        """What per-document rows are merged in: ``merge_order``, or, in a store written
        before it existed and opened read-only, the ingest order it was written in."""
        columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        return "d.merge_order" if "merge_order" in columns else "d.seq"

    @staticmethod
    def _add_merge_order(conn: sqlite3.Connection) -> None:
        """Stores written before documents were merged by date get the column, filled
        from each document's own rows (its date, its PTG's start), in one transaction."""
        if EmbeddedStore._order_column(conn) == "d.merge_order":
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if EmbeddedStore._order_column(conn) != "d.merge_order":  # another process may have done it
                conn.execute("ALTER TABLE documents ADD COLUMN merge_order TEXT")
                dates = {doc: json.loads(props).get("date") for doc, props in conn.execute(
                    "SELECT doc_id, props FROM node_support WHERE node_id = doc_id")}
                starts: dict[str, list] = {}
                for doc, props in conn.execute("SELECT doc_id, props FROM node_support WHERE label = 'Event'"):
                    starts.setdefault(doc, []).append(json.loads(props).get("start"))
                conn.executemany("UPDATE documents SET merge_order=? WHERE id=?", [
                    (merge_order_key(doc, dates.get(doc), starts.get(doc, ())), doc)
                    for (doc,) in conn.execute("SELECT id FROM documents").fetchall()])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @staticmethod
    def _quote_index_generation(conn: sqlite3.Connection) -> tuple[str, str | None]:
        """The store's generation and the one its quote index is current for (None: no index)."""
        found = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('generation', ?)", (_QUOTES_INDEXED,)))
        return found["generation"], found.get(_QUOTES_INDEXED)

    @staticmethod
    def _add_quote_index(conn: sqlite3.Connection) -> None:
        """Stores written before the quote index (or since by a ptgkg without it) get it,
        built from every relationship's evidence in one transaction. Without FTS5 in this
        SQLite the store keeps none and search folds the quotes in memory."""
        gen, indexed = EmbeddedStore._quote_index_generation(conn)
        if indexed == gen:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            gen, indexed = EmbeddedStore._quote_index_generation(conn)
            if indexed != gen:  # another process may have built it while we waited
                for table in ("quote_fts", "quote_edges", "quote_rows"):
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
                conn.execute("DELETE FROM meta WHERE key = 'quote_index'")  # a first version's marker
                for statement in _QUOTE_DDL:
                    conn.execute(statement)
                # primary-key order: each document's rows together, and json_each keeps
                # each list's order (a quote's first position)
                items = conn.execute(
                    "SELECT es.doc_id, es.source, es.type, es.target, q.key, json_extract(q.value, '$[1]') "
                    "FROM edge_support es, json_each(es.evidence) q")
                next_id = 1
                for doc_id, rows in itertools.groupby(items, key=operator.itemgetter(0)):
                    texts, links = _quote_rows(doc_id, (row[1:] for row in rows), next_id)
                    _insert_quote_rows(conn, texts, links)
                    next_id += len(texts)
                conn.execute("INSERT INTO quote_fts(quote_fts) VALUES ('rebuild')")
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (_QUOTES_INDEXED, gen))
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "fts5" not in str(exc):
                raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _check_format(self) -> None:
        try:
            rows = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise StoreError(f"{self.path} is not a ptgkg store (no meta table in {STORE_FILE})") from None
            raise
        if rows.get("format") != FORMAT:
            raise StoreError(f"{self.path} is not a ptgkg store (format {rows.get('format')!r})")
        if int(rows.get("version", "0")) > SCHEMA_VERSION:
            raise StoreError(f"store {self.path} was written by a newer ptgkg (schema {rows['version']})")
        self._store_id = rows.get("store_id", "")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite errors into one-line StoreErrors naming the store."""
        try:
            yield
        except StoreError:
            raise
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise StoreError(f"store {self.path} is locked by another ingest; "
                                 "try again when it finishes") from None
            if "readonly" in text or "read-only" in text:
                raise StoreError(f"store {self.path} is read-only") from None
            raise StoreError(f"store {self.path}: {text}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"store {self.path} is corrupt or not a ptgkg store: {exc}") from None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"store {self.path} is closed")
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._edge_support = None
            if self._g is not None:  # frozen when loaded: hand it back to the collector
                self._g, self._search_index, self._memo, self._doc_rank = None, None, {}, {}
                gc.unfreeze()

    # -- generation --------------------------------------------------------------
    def _read_gen(self, conn: sqlite3.Connection) -> str:
        return conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]

    def generation(self) -> str:
        with self._lock, self._errors():
            return f"{self._store_id}:{self._read_gen(self._connection())}"

    # -- writing ---------------------------------------------------------------
    def document_hash(self, doc_id: str) -> str | None:
        with self._lock, self._errors():
            row = self._connection().execute(
                "SELECT content_hash FROM documents WHERE id=?", (doc_id,)).fetchone()
            return row[0] if row else None

    def write_document(self, graph: DocumentGraph) -> WriteResult:
        self._refuse_if_read_only()
        graph.check()
        node_rows, edge_rows = _rows_of(graph)
        return self._replace(graph.doc_id, graph.content_hash, node_rows, edge_rows, merge_order(graph))

    def remove_document(self, doc_id: str) -> WriteResult:
        self._refuse_if_read_only()
        return self._replace(doc_id, None, [], [], "")

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only; it cannot be written")

    def _replace(self, doc_id: str, content_hash: str | None,
                 node_rows: list[_NodeRow], edge_rows: list[_EdgeRow], order: str) -> WriteResult:
        """Replace (content_hash given) or remove (None) one document's rows in one transaction."""
        with self._lock, self._errors():
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                result, refresh, gen, support = self._replace_in_txn(
                    conn, doc_id, content_hash, node_rows, edge_rows, order)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if support is not None:  # only once committed: a rolled-back write changed nothing
                self._edge_support.commit(gen, *support)
            if refresh is not None:
                self._apply(*refresh)
                self._loaded_gen = gen
            return result

    def _replace_in_txn(self, conn, doc_id, content_hash, node_rows, edge_rows, order):
        gen_before = self._read_gen(conn)
        stored = conn.execute("SELECT content_hash, merge_order FROM documents WHERE id=?", (doc_id,)).fetchone()
        if stored is None and content_hash is None:
            return WriteResult(unchanged=True), None, gen_before, None
        if stored is not None and tuple(stored) == (content_hash, order):
            if _own_rows(conn, doc_id) == (node_rows, edge_rows):
                return WriteResult(unchanged=True), None, gen_before, None

        old_node_ids = {r[0] for r in conn.execute(
            "SELECT node_id FROM node_support WHERE doc_id=?", (doc_id,))}
        old_edge_keys = set(conn.execute(
            "SELECT source, type, target FROM edge_support WHERE doc_id=?", (doc_id,)).fetchall())
        new_node_ids = {r[1] for r in node_rows}
        new_edge_keys = {(r[1], r[2], r[3]) for r in edge_rows}

        def node_exists(nid: str) -> bool:
            return conn.execute("SELECT 1 FROM node_support WHERE node_id=? LIMIT 1", (nid,)).fetchone() is not None

        support = self._edge_support
        if support is None or support.generation != gen_before:
            support = self._edge_support = _EdgeSupport(conn, gen_before)
        edges_dropped, edges_new = old_edge_keys - new_edge_keys, new_edge_keys - old_edge_keys

        nodes_added = sum(1 for n in new_node_ids - old_node_ids if not node_exists(n))
        edges_added = sum(1 for k in edges_new if not support.held_elsewhere(k))
        edges_removed = sum(1 for k in edges_dropped if support.held_only_here(k))

        conn.execute("DELETE FROM node_support WHERE doc_id=?", (doc_id,))
        conn.execute("DELETE FROM edge_support WHERE doc_id=?", (doc_id,))
        # the quote index follows only while it is current (a store written by a ptgkg
        # without it is rebuilt on the next writable open)
        _, indexed = self._quote_index_generation(conn)
        index_quotes = indexed == gen_before
        if index_quotes:
            # an external-content FTS5 row is deleted by its indexed text
            conn.execute("INSERT INTO quote_fts(quote_fts, rowid, folded) "
                         "SELECT 'delete', id, folded FROM quote_rows WHERE doc_id=?", (doc_id,))
            conn.execute("DELETE FROM quote_edges WHERE quote_id IN (SELECT id FROM quote_rows WHERE doc_id=?)",
                         (doc_id,))
            conn.execute("DELETE FROM quote_rows WHERE doc_id=?", (doc_id,))
        if content_hash is None:
            conn.execute("DELETE FROM documents WHERE id=?", (doc_id,))
        else:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents").fetchone()[0]
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            conn.execute("INSERT INTO documents(id, content_hash, seq, ingested_at, merge_order) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET content_hash=excluded.content_hash, "
                         "seq=excluded.seq, ingested_at=excluded.ingested_at, merge_order=excluded.merge_order",
                         (doc_id, content_hash, seq, now, order))
            conn.executemany("INSERT INTO node_support(doc_id, ord, node_id, label, name, aliases, props) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", [(doc_id, *r) for r in node_rows])
            conn.executemany("INSERT INTO edge_support(doc_id, ord, source, type, target, props, evidence) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", [(doc_id, *r) for r in edge_rows])
            if index_quotes:
                first_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM quote_rows").fetchone()[0]
                texts, links = _quote_rows(doc_id, (
                    (s, t, d, pos, item[1])
                    for _, s, t, d, _, evidence in edge_rows for pos, item in enumerate(json.loads(evidence))), first_id)
                _insert_quote_rows(conn, texts, links)
                conn.executemany("INSERT INTO quote_fts(rowid, folded) VALUES (?, ?)",
                                 [(qid, folded) for qid, _, folded in texts])

        nodes_removed = sum(1 for n in old_node_ids - new_node_ids if not node_exists(n))
        gen = str(int(gen_before) + 1)
        conn.execute("UPDATE meta SET value=? WHERE key='generation'", (gen,))
        if index_quotes:
            conn.execute("UPDATE meta SET value=? WHERE key=?", (gen, _QUOTES_INDEXED))

        refresh = None
        if self._g is not None and self._loaded_gen == gen_before:
            # this handle's cache was current: bring it forward with just the touched keys
            # where the document now stands among the others (None: removed); the loaded
            # graph's own ranks change with the graph, once committed (_apply)
            doc_rank = None if content_hash is None else (1, order, doc_id)
            refresh = (self._read_nodes(conn, old_node_ids | new_node_ids),
                       self._rows_after(doc_id, doc_rank, old_edge_keys, edge_rows), (doc_id, doc_rank))
        result = WriteResult(nodes_added=nodes_added, edges_added=edges_added,
                             nodes_removed=nodes_removed, edges_removed=edges_removed)
        return result, refresh, gen, (edges_dropped, edges_new)

    # -- loading the merged graph ------------------------------------------------
    def _read_nodes(self, conn, ids: Iterable[str]) -> dict[str, Node | None]:
        out: dict[str, Node | None] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows = conn.execute(
                "SELECT ns.node_id, ns.label, ns.name, ns.aliases, ns.props FROM node_support ns "
                "JOIN documents d ON d.id = ns.doc_id "
                f"WHERE ns.node_id IN ({','.join('?' * len(chunk))}) ORDER BY ns.node_id, {self._order}", chunk)
            for nid, group in itertools.groupby(rows, key=lambda r: r[0]):
                out[nid] = _merge_node(nid, [r[1:] for r in group])
            for nid in chunk:
                out.setdefault(nid, None)
        return out

    def _rows_after(self, doc_id: str, doc_rank: tuple | None, old_keys: set[_EdgeKey],
                    edge_rows: list[_EdgeRow]) -> dict[_EdgeKey, list[tuple[str, str, str]]]:
        """The support rows of the relationships one write touches, as it leaves them: the
        loaded graph's rows (all of them: it is current) without the document's old ones,
        with its new ones in merge order (``doc_rank``; None: the document is removed)."""
        ranks = self._doc_rank

        def rank(row: tuple[str, str, str]) -> tuple:
            return doc_rank if row[2] == doc_id else ranks[row[2]]

        succ = self._g._succ
        new = {(s, t, d): (props, evidence, doc_id) for _, s, t, d, props, evidence in edge_rows}
        out: dict[_EdgeKey, list[tuple[str, str, str]]] = {}
        for key in old_keys | new.keys():
            s, t, d = key
            data = succ.get(s, {}).get(d, {}).get(t)
            rows = [row for row in data["rows"] if row[2] != doc_id] if data else []
            if key in new:
                rows.append(new[key])
                rows.sort(key=rank)
            out[key] = rows
        return out

    def _ensure_loaded(self) -> nx.MultiDiGraph:
        """The merged graph, (re)loaded when another handle or process changed the store."""
        conn = self._connection()
        if self._g is not None and (self._pinned or self._read_gen(conn) == self._loaded_gen):
            return self._g
        if self._g is not None:
            # the previous graph was frozen (below): let the collector reclaim it again
            self._g = None
            gc.unfreeze()
        conn.execute("BEGIN")  # one snapshot for the generation and all rows
        try:
            gen = self._read_gen(conn)
            g = nx.MultiDiGraph()
            self._g, self._by_name, self._by_alias, self._search_index = g, {}, {}, None
            self._memo = {}
            rows = conn.execute(
                "SELECT ns.node_id, ns.label, ns.name, ns.aliases, ns.props FROM node_support ns "
                f"JOIN documents d ON d.id = ns.doc_id ORDER BY ns.node_id, {self._order}")
            for nid, group in itertools.groupby(rows, key=lambda r: r[0]):
                self._put_node(_merge_node(nid, [r[1:] for r in group]))
            self._load_edges(conn, g)
            conn.execute("COMMIT")
        except BaseException:
            self._g = None
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._loaded_gen = gen
        # millions of long-lived objects: keep them out of every garbage collection, which
        # otherwise scans them again and again and doubles the time of a large answer
        gc.freeze()
        _merged_since_freeze[0] = 0
        return g

    def _load_edges(self, conn: sqlite3.Connection, g: nx.MultiDiGraph) -> None:
        """Every relationship's support rows into the loaded graph, merged on first use
        (:func:`_edge_in`: most answers touch a small part of the graph).

        One scan of the table in its stored order, grouped by relationship in the graph's
        own adjacency dicts, built as ``MultiDiGraph.add_edge`` builds them (one key dict
        shared by both directions); the few relationships several documents hold put their
        rows in merge order afterwards. Sorting the rows by relationship in SQLite (a join
        and a temporary B-tree) and ``add_edge`` per relationship made loading 898k
        relationships take 11.7-12.2 s instead of 8.2-8.7 s."""
        rank = self._doc_rank = {  # NULLs first, as ORDER BY puts them
            doc: (0, 0, doc) if at is None else (1, at, doc)
            for doc, at in conn.execute(f"SELECT d.id, {self._order} FROM documents d")}
        stored = {doc: doc for doc in rank}  # one string per document, not one per row kept
        keep = {} if self.read_only else {_KEEP_ROWS: True}
        succ, pred = g._succ, g._pred
        shared: list[list[tuple[str, str, str]]] = []  # row lists of relationships several documents hold
        for source, type_, target, props, evidence, doc in conn.execute(
                "SELECT source, type, target, props, evidence, doc_id FROM edge_support"):
            doc = stored.get(doc)
            if doc is None:
                continue  # rows of no stored document (never written so; the join left them out)
            adjacent = succ.get(source)
            if adjacent is None:
                g.add_node(source)
                adjacent = succ[source]
            keyed = adjacent.get(target)
            if keyed is None:
                if target not in succ:
                    g.add_node(target)
                keyed = adjacent[target] = pred[target][source] = {}
            data = keyed.get(type_)
            if data is None:
                keyed[type_] = {"rows": [(props, evidence, doc)], **keep}
            else:
                rows = data["rows"]
                if len(rows) == 1:
                    shared.append(rows)
                rows.append((props, evidence, doc))
        for rows in shared:  # oldest document first (merge order, then document id)
            rows.sort(key=lambda row: rank[row[2]])
        clear = getattr(nx, "_clear_cache", None)  # as add_edge does after each change (networkx >= 3.3)
        if clear is not None:
            clear(g)

    def _put_node(self, node: Node) -> None:
        g = self._g
        if node.id in g:
            self._unindex(g.nodes[node.id]["node"])
            g.nodes[node.id]["node"] = node
        else:
            g.add_node(node.id, node=node)
        self._by_name.setdefault(normalize(node.name), set()).add(node.id)
        for alias in node.aliases:
            self._by_alias.setdefault(normalize(alias), set()).add(node.id)

    def _unindex(self, node: Node) -> None:
        self._by_name.get(normalize(node.name), set()).discard(node.id)
        for alias in node.aliases:
            self._by_alias.get(normalize(alias), set()).discard(node.id)

    def _apply(self, nodes: dict[str, Node | None], edges: dict[_EdgeKey, list[tuple[str, str, str]]],
               ranked: tuple[str, tuple | None]) -> None:
        g = self._g
        doc_id, doc_rank = ranked
        if doc_rank is None:
            self._doc_rank.pop(doc_id, None)
        else:
            self._doc_rank[doc_id] = doc_rank
        self._search_index = None
        self._memo = {}
        for node in nodes.values():
            if node is not None:
                self._put_node(node)
        for (s, t, d), rows in edges.items():
            if g.has_edge(s, d, key=t):
                g.remove_edge(s, d, key=t)
            if rows:  # merged on first use, as loaded ones are
                g.add_edge(s, d, key=t, rows=rows, **{_KEEP_ROWS: True})
        for nid, node in nodes.items():
            if node is None and nid in g:
                self._unindex(g.nodes[nid]["node"])
                g.remove_node(nid)

    @contextmanager
    def _reading(self) -> Iterator[nx.MultiDiGraph]:
        with self._lock, self._errors():
            yield self._ensure_loaded()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        # holding the lock keeps this handle's own writes (other threads) out of the answer
        with self._lock:
            with self._reading():
                self._pinned += 1
            try:
                yield
            finally:
                self._pinned -= 1
                if not self._pinned and _merged_since_freeze[0] >= _REFREEZE_AFTER and self._g is not None:
                    # merged relationships stay, like the loaded graph: freeze them too, or
                    # every full collection rescans them (pauses of up to a second on a
                    # large graph, seen as the p95 of first answers)
                    _merged_since_freeze[0] = 0
                    gc.freeze()

    # -- reading primitives ----------------------------------------------------
    def _node(self, g: nx.MultiDiGraph, nid: str) -> Node:
        return g.nodes[nid]["node"]

    def find_nodes(self, name: str, label: str | None = None, limit: int = 10) -> list[Node]:
        key = normalize(name)
        if not key:
            return []
        with self._reading() as g:
            rank: dict[str, int] = {}
            for nid in (name, name.strip()):
                if nid in g:
                    rank[nid] = 0
            for nid in self._by_name.get(key, ()):
                rank.setdefault(nid, 1)
            for nid in self._by_alias.get(key, ()):
                rank.setdefault(nid, 2)
            found = [(r, nid) for nid, r in rank.items()
                     if label is None or self._node(g, nid).label == label]
            found.sort(key=lambda x: (x[0], -g.degree(x[1]), self._node(g, x[1]).name, x[1]))
            return [self._node(g, nid) for _, nid in found[:limit]]

    def get_nodes(self, ids: Iterable[str]) -> list[Node]:
        with self._reading() as g:
            out, seen = [], set()
            for nid in ids:
                if nid in g and nid not in seen:
                    seen.add(nid)
                    out.append(self._node(g, nid))  # shared, read-only by contract
            return out

    def edges(self, node_id: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        wanted = None if types is None else set(types)
        with self._reading() as g:
            return self._edges_at(g, node_id, wanted, direction)

    def edges_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                   direction: Direction = "both") -> dict[str, list[Edge]]:
        wanted = None if types is None else set(types)
        with self._reading() as g:
            return {nid: self._edges_at(g, nid, wanted, direction) for nid in dict.fromkeys(node_ids)}

    def edge_keys(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                  direction: Direction = "both") -> dict[str, list[tuple[str, str, str]]]:
        # the adjacency dicts and the support rows' evidence text alone: nothing merged
        # (the collaboration network reads 80k relationships this way: 1.0 -> 0.1 s)
        wanted = None if types is None else set(types)
        out: dict[str, list[tuple[str, str, str]]] = {}
        with self._reading() as g:
            succ, pred = g._succ, g._pred
            only = next(iter(wanted)) if wanted is not None and len(wanted) == 1 else None
            for nid in dict.fromkeys(node_ids):
                keys: list[tuple[str, str, str]] = []
                if nid in succ and only is not None:
                    # one type (INVOLVES at every project): a dict look-up per neighbour
                    if direction in ("out", "both"):
                        keys += [(nid, only, other) for other, keyed in succ[nid].items()
                                 if only in keyed and _has_evidence(keyed[only])]
                    if direction in ("in", "both"):
                        keys += [(other, only, nid) for other, keyed in pred[nid].items()
                                 if only in keyed and (direction == "in" or other != nid) and _has_evidence(keyed[only])]
                    keys.sort()
                elif nid in succ:
                    if direction in ("out", "both"):
                        keys += [(nid, k, other) for other, keyed in succ[nid].items() for k, d in keyed.items()
                                 if (wanted is None or k in wanted) and _has_evidence(d)]
                    if direction in ("in", "both"):
                        keys += [(other, k, nid) for other, keyed in pred[nid].items() for k, d in keyed.items()
                                 if (wanted is None or k in wanted) and (direction == "in" or other != nid)
                                 and _has_evidence(d)]
                    keys.sort()
                out[nid] = keys
        return out

    def edges_between(self, pairs: Iterable[tuple[str, str]], types: Iterable[str] | None = None
                      ) -> dict[tuple[str, str], list[Edge]]:
        wanted = None if types is None else set(types)
        out: dict[tuple[str, str], list[Edge]] = {}
        with self._reading() as g:
            succ = g._succ
            for a, b in dict.fromkeys(pairs):
                found = []
                for s, t in ((a, b), (b, a)) if a != b else ((a, b),):
                    for k, d in (succ.get(s, {}).get(t) or {}).items():
                        if wanted is None or k in wanted:
                            found.append(d.get("edge") or _edge_in(s, t, k, d))
                found.sort(key=_EDGE_ORDER)
                out[(a, b)] = found
        return out

    @staticmethod
    def _edges_at(g: nx.MultiDiGraph, node_id: str, wanted: set[str] | None, direction: Direction) -> list[Edge]:
        if node_id not in g:
            return []
        found: list[Edge] = []
        add = found.append
        # the adjacency dicts directly: networkx's edge views cost more than the lookups;
        # and one plain loop with the merged edge read inline (a hub's answer walks tens of
        # thousands of entries, most merged already): half the cost of a generator per neighbour
        if wanted is not None and len(wanted) == 1:
            # one type (a project's members, a session's people): a dict look-up per neighbour
            (only,) = wanted
            if direction in ("out", "both"):
                for other, keyed in g._succ[node_id].items():
                    d = keyed.get(only)
                    if d is not None:
                        add(d.get("edge") or _edge_in(node_id, other, only, d))
            if direction in ("in", "both"):
                for other, keyed in g._pred[node_id].items():
                    d = keyed.get(only)
                    if d is not None and (direction == "in" or other != node_id):
                        add(d.get("edge") or _edge_in(other, node_id, only, d))
            if len(found) > 1:
                found.sort(key=_EDGE_ORDER)
            return found
        if direction in ("out", "both"):
            for other, keyed in g._succ[node_id].items():
                for k, d in keyed.items():
                    if wanted is None or k in wanted:
                        add(d.get("edge") or _edge_in(node_id, other, k, d))
        if direction in ("in", "both"):
            for other, keyed in g._pred[node_id].items():
                if direction == "both" and other == node_id:
                    continue  # a self-loop is already in the out-edges
                for k, d in keyed.items():
                    if wanted is None or k in wanted:
                        add(d.get("edge") or _edge_in(other, node_id, k, d))
        if len(found) > 1:
            found.sort(key=_EDGE_ORDER)
        return found  # shared with the cache, read-only by contract: copying cost more than the lookup

    def _build_search_index(self, g: nx.MultiDiGraph) -> list["_SearchSegment | None"]:
        """One segment per rank: names, aliases, decision texts, and evidence quotes. The
        quotes come from the store's quote index (:meth:`_indexed_quotes`); a store without
        a current one has :meth:`_build_quote_segment` add them when a search first needs
        them (most of the cost: a million quotes on a large graph)."""
        segments = [_SearchSegment() for _ in range(3)]
        texts: list[tuple[list[str], list[tuple[str, ...]]]] = [([], []) for _ in range(3)]
        for nid, data in g.nodes(data=True):
            node: Node = data["node"]
            found = [(0, node.name)] + [(1, alias) for alias in node.aliases]
            text = node.props.get("text")
            if isinstance(text, str) and text:
                found.append((2, text))
            for rank, string in found:
                texts[rank][0].append(string)
                texts[rank][1].append((nid,))
        for segment, (strings, where) in zip(segments, texts):
            segment.extend(strings, where)
            segment.seal()
        return [*segments, None]

    def _build_quote_segment(self, g: nx.MultiDiGraph) -> "_SearchSegment":
        # quotes straight from the support rows, unpacked by SQLite's JSON functions: merging
        # every edge in Python first would cost more than the whole search. The rows come in
        # primary-key order and json_each keeps each list's order: no sort needed
        quotes, ends_of = _SearchSegment(), {}
        documents = set(self._census(g).ids.get("Document", ()))
        rows = self._connection().execute(
            "SELECT es.source, es.target, json_extract(q.value, '$[1]') FROM edge_support es, "
            "json_each(es.evidence) q ORDER BY es.doc_id, es.source, es.type, es.target")
        nodes = g._node  # the node dict itself: this loop runs once per quote
        texts, where = [], []
        for s, t, quote in rows:
            ends = ends_of.get((s, t))
            if ends is None:
                if s not in nodes or t not in nodes:
                    continue  # written by another process since this handle loaded the graph
                ends = ends_of[(s, t)] = tuple(n for n in (s, t) if n not in documents) or (s,)
            if isinstance(quote, str):
                texts.append(quote)
                where.append(ends)
        quotes.extend(texts, where)
        quotes.seal()
        return quotes

    def _indexed_quotes(self, conn: sqlite3.Connection, g: nx.MultiDiGraph,
                        query: str) -> dict[str, tuple[str, str, str, str, int, int]] | None:
        """Each node with a quote containing ``query``: the first such quote in the quote
        segment's order, as (document, source, type, target, position, quote row id); from
        the quote index, in the caller's read transaction. None when the index cannot answer
        for the loaded graph (no index, stale, or the store moved on while this handle's
        graph is pinned): the caller folds the quotes in memory instead."""
        gen, indexed = self._quote_index_generation(conn)
        if indexed is None or indexed != gen or gen != self._loaded_gen:
            return None
        recent = self._memo.setdefault("quote_hits", {})  # the dashboard reruns a page's search
        hits = recent.get(query)
        if hits is not None:
            return hits
        # the trigram index gives rows holding every trigram of the query; instr keeps those
        # holding the query itself (and alone serves queries too short for trigrams)
        candidates = ("qr.id IN (SELECT rowid FROM quote_fts WHERE quote_fts MATCH ?) AND "
                      if len(query) >= _TRIGRAM else "")
        rows = conn.execute(
            "SELECT qr.doc_id, qe.source, qe.type, qe.target, qe.pos, qr.id FROM quote_rows qr "
            f"JOIN quote_edges qe ON qe.quote_id = qr.id WHERE {candidates}instr(qr.folded, ?) > 0",
            (_trigram_match(query), query) if candidates else (query,)).fetchall()
        rows.sort()  # the segment's order: a relationship's first matching quote comes first
        nodes = g._node
        documents = set(self._census(g).ids.get("Document", ()))
        hits, seen = {}, set()
        for row in rows:
            ends = (row[1], row[3])
            if ends in seen:
                continue  # a later quote of a relationship already counted
            seen.add(ends)
            s, d = ends
            if s not in nodes or d not in nodes:
                continue
            for nid in tuple(n for n in ends if n not in documents) or (s,):
                hits.setdefault(nid, row)
        if len(recent) >= 16:
            del recent[next(iter(recent))]
        recent[query] = hits
        return hits

    def search(self, text: str, limit: int = 20) -> list[tuple[Node, str]]:
        query = normalize(text)
        if not query or limit <= 0:
            return []
        with self._reading() as g:
            if self._search_index is None:
                self._search_index = self._build_search_index(g)
            best: dict[str, tuple[int, Any]] = {}  # node id -> (rank, where in that rank)
            for rank, segment in enumerate(self._search_index[:3]):
                for entry in segment.matches(query):
                    for nid in segment.ids[entry]:
                        best.setdefault(nid, (rank, entry))
                if len(best) >= limit:
                    break  # ranks go first: later segments cannot reach the top ``limit``
            conn = self._connection()
            conn.execute("BEGIN")  # the quote index and the quotes shown, read at one version
            try:
                quotes = None
                if len(best) < limit:  # names, aliases and decisions did not fill the page
                    quotes = self._indexed_quotes(conn, g, query)
                    if quotes is None:
                        segment = self._search_index[3]
                        if segment is None:
                            segment = self._search_index[3] = self._build_quote_segment(g)
                        for entry in segment.matches(query):
                            for nid in segment.ids[entry]:
                                best.setdefault(nid, (3, entry))
                    else:
                        for nid, hit in quotes.items():
                            best.setdefault(nid, (3, hit))
                degree = self._memo.get("degree")
                if degree is None:  # a common word's quotes reach tens of thousands of nodes
                    census = self._census(g)
                    degree = self._memo["degree"] = {nid: d for label, ids in census.ids.items()
                                                     for nid, d in zip(ids, census.degrees[label])}
                nodes = g._node
                ordered = heapq.nsmallest(limit, best.items(), key=lambda kv: (
                    kv[1][0], -degree[kv[0]], nodes[kv[0]]["node"].name, kv[0]))
                out = []
                for nid, (rank, entry) in ordered:
                    if rank == 3 and quotes is not None:
                        doc, s, t, d, pos, row_id = entry
                        folded = conn.execute("SELECT folded FROM quote_rows WHERE id=?", (row_id,)).fetchone()[0]
                        evidence = conn.execute("SELECT evidence FROM edge_support WHERE doc_id=? AND source=? "
                                                "AND type=? AND target=?", (doc, s, t, d)).fetchone()[0]
                        original = json.loads(evidence)[pos][1]
                    else:
                        segment = self._search_index[rank]
                        original, folded = segment.originals[entry], segment.folded(entry)
                    out.append((self._node(g, nid), _snippet(original, folded, query)))
            finally:
                conn.execute("COMMIT")
            return out

    def _census(self, g: nx.MultiDiGraph) -> "_Census":
        """Every node's label and degree and every type's count, in one pass per graph
        version (callers hold the lock): what counts, rankings and the overview need."""
        census = self._memo.get("census")
        if census is None:
            census = self._memo["census"] = _Census(g)
        return census

    def top_nodes(self, label: str, limit: int = 10) -> list[tuple[Node, int]]:
        with self._reading() as g:
            census = self._census(g)
            ids, degrees = census.ids.get(label, []), census.degrees.get(label, [])
            limit = min(max(0, int(limit)), len(ids))
            # ranked once per graph version and limit: the overview asks on every page view
            ranked = self._memo.get(("top", label, limit))
            if ranked is None:
                # the top 10 of 60k people without sorting them all: only nodes at least as
                # connected as the limit-th most connected can be in it (ties included)
                floor = heapq.nlargest(limit, degrees)[-1] if 0 < limit < len(ids) else 0
                nodes = g._node
                ranked = [(nodes[nid]["node"], d) for nid, d in zip(ids, degrees) if d >= floor] if limit else []
                ranked.sort(key=lambda x: (-x[1], x[0].name, x[0].id))
                ranked = self._memo[("top", label, limit)] = ranked[:limit]
            return list(ranked)

    def event_counts(self) -> dict[str, tuple[int, int]]:
        with self._reading() as g:
            found = self._memo.get("event_counts")
            if found is None:
                found = self._memo["event_counts"] = self._count_events(g)
            return dict(found)

    def _count_events(self, g: nx.MultiDiGraph) -> dict[str, tuple[int, int]]:
        """From the adjacency and the support rows' evidence text: no edge is merged."""
        census = self._census(g)
        succ, pred = g._succ, g._pred
        sessions: dict[str, int] = {}
        events_of: dict[str, list[str]] = {}  # session -> its events
        for event in census.ids.get("Event", ()):
            n = 0
            for session, keyed in pred[event].items():
                data = keyed.get("PART_OF")
                if data is not None and _has_evidence(data):
                    n += 1
                    events_of.setdefault(session, []).append(event)
            sessions[event] = n
        documents: dict[str, set[str]] = {event: set() for event in sessions}
        for doc in census.ids.get("Document", ()):
            for session, keyed in succ[doc].items():
                data = keyed.get("RECORDS")
                if data is not None and session in events_of and _has_evidence(data):
                    for event in events_of[session]:
                        documents[event].add(doc)
        return {event: (n, len(documents[event])) for event, n in sessions.items()}

    def shortest_path(self, source_id: str, target_id: str, max_hops: int = 6) -> PathResult | None:
        with self._reading() as g:
            if source_id not in g or target_id not in g:
                return None
            ends = {source_id, target_id}
            view = nx.subgraph_view(
                g.to_undirected(as_view=True),
                filter_node=lambda n: n in ends or g.nodes[n]["node"].label != "Document")
            try:
                ids = nx.shortest_path(view, source_id, target_id)
            except nx.NetworkXNoPath:
                return None
            if len(ids) - 1 > max_hops:
                return None
            types = [min(set(g.get_edge_data(a, b, default={})) | set(g.get_edge_data(b, a, default={})))
                     for a, b in zip(ids, ids[1:])]
            return PathResult([self._node(g, n) for n in ids], types)

    def counts(self) -> dict[str, dict[str, int]]:
        with self._reading() as g:
            census = self._census(g)
            nodes = dict.fromkeys(LABELS, 0)
            nodes.update((label, len(ids)) for label, ids in census.ids.items())
            edges = dict.fromkeys(REL_TYPES, 0)
            edges.update(census.edges)
            return {"nodes": nodes, "edges": edges}

    def export(self) -> GraphExport:
        with self._reading() as g:
            return GraphExport([_copy_node(d["node"]) for _, d in g.nodes(data=True)],
                               [_copy_edge(_edge_in(u, v, k, d)) for u, v, k, d in g.edges(keys=True, data=True)])

    def document_graphs(self) -> Iterator[DocumentGraph]:
        with self._lock, self._errors():
            docs = self._connection().execute("SELECT id FROM documents ORDER BY seq").fetchall()
        for (doc_id,) in docs:
            graph = self.document_graph(doc_id)
            if graph is not None:  # else removed while we iterated
                yield graph

    def document_graph(self, doc_id: str) -> DocumentGraph | None:
        with self._lock, self._errors():
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                still = conn.execute("SELECT content_hash FROM documents WHERE id=?", (doc_id,)).fetchone()
                node_rows, edge_rows = _own_rows(conn, doc_id)
            finally:
                conn.execute("COMMIT")
        if still is None:
            return None
        nodes = [Node(nid, label, name, json.loads(a), json.loads(p))
                 for _, nid, label, name, a, p in node_rows]
        edges = [Edge(s, d, t, [Evidence(*ev) for ev in json.loads(evj)], json.loads(p))
                 for _, s, t, d, p, evj in edge_rows]
        return DocumentGraph(doc_id, still[0], nodes, edges)

    def node_entries(self, label: str) -> list[tuple[str, Node]]:
        with self._lock, self._errors():
            rows = self._connection().execute(
                f"SELECT s.doc_id, s.node_id, s.label, s.name, s.aliases, s.props FROM node_support s "
                f"JOIN documents d ON d.id = s.doc_id WHERE s.label = ? ORDER BY {self._order}, s.ord",
                (label,)).fetchall()
        return [(doc_id, Node(nid, lab, name, json.loads(a), json.loads(p))) for doc_id, nid, lab, name, a, p in rows]

    def __repr__(self) -> str:
        return f"EmbeddedStore({self.location!r}{', read_only=True' if self.read_only else ''})"
