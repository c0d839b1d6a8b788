"""Every Cypher statement ptgkg sends over Bolt, and the :class:`Dialect` that adapts
them to the server (Neo4j 5, or FalkorDB's Bolt endpoint).

Labels and relationship types cannot be query parameters, so they are only ever
formatted from :data:`ptgkg.graph.model.SCHEMA` after :func:`check_label` /
:func:`check_type`; every other value travels as a parameter.

Write statements are *bodies* over one ``row``; a dialect turns a list of
``(body, rows)`` steps into statements:

* Neo4j runs ``UNWIND $rows AS row <body>`` in batches inside one managed
  transaction per document.
* FalkorDB's Bolt endpoint treats BEGIN/COMMIT/ROLLBACK as no-ops (every
  statement commits on its own, a failing statement is undone whole), so one
  document is written as ONE statement chaining ``FOREACH (row IN $rowsN | <body>)``
  behind a generation guard.

FalkorDB's Bolt parameters (4.16, measured; ``tests/test_neo4j_store.py`` keeps the
evidence): its Bolt layer turns them into a ``CYPHER name=value ...`` text header
spliced in front of the query in a fixed buffer of about 4 KiB, without escaping. A
string with ``'`` fails the query (``Neo.DatabaseError.General.UnknownError``), a
``\\`` is read as an escape (``'a\\b'`` comes back as ``'a\\x08'``), floats come back
with six decimals (``1e-300`` -> ``0.0``), and header plus query beyond ~4 KiB crash the
server. Lists, maps, nested values, unicode, newlines, ints, booleans and null are
fine. So :meth:`Dialect.prepare` sends real Bolt parameters when every value is of a
safe kind and the statement fits well inside the buffer (typical reads), and otherwise
FalkorDB's own parameter header with escaped literals (every write of a document):
either way values stay parameters, never query text.

FalkorDB's reply records (4.16, measured with ``RETURN substring(...)``): each RECORD
message must fit ONE Bolt chunk, 65,535 bytes (one 65,528-byte string passes, 65,536
hangs the connection; two strings of 32,763 bytes pass, 32,767 do not). So on FalkorDB a
read returns the large stored fields of a node or relationship (``_doc_props``, the
``ev_*`` lists, a Document's bookkeeping) only when they fit (the store keeps their size
in ``_bytes`` when it writes); otherwise the row comes back with those columns null and
``big`` set, and :func:`pieces` fetches the fields in pieces of at most
:data:`PIECE_CHARS` characters (substrings of strings, slices of lists), one piece per
record, reassembled by the store.

>>> falkordb_literal("it's")
"'it\\\\'s'"
>>> FALKORDB.prepare("RETURN $x AS x", {"x": [1, "a"]})
('RETURN $x AS x', {'x': [1, 'a']})
>>> FALKORDB.prepare("RETURN $x AS x", {"x": "it's"})
("CYPHER x='it\\\\'s' RETURN $x AS x", {})
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .model import LABELS, REL_TYPES, SCHEMA

__all__ = [
    "META_LABEL", "Dialect", "NEO4J", "FALKORDB", "check_label", "check_type",
    "falkordb_literal", "with_parameter_header", "FALKORDB_BOLT_MESSAGE_BYTES", "label_pattern",
    "PROBE_NEO4J", "PROBE_FALKORDB", "FALKORDB_INDEXES", "ENSURE_META", "LOCK_META", "READ_META",
    "read_document", "LIST_DOCUMENTS", "read_state", "edges_many", "edge_keys", "edges_between", "neighbours",
    "KEEP_DEGREES", "READ_DEGREES_KEPT", "DEGREES_KEPT", "keep_degrees",
    "BOLT_PARAMETER_BUDGET",
    "batched", "BATCH_ROWS", "BATCH_ROW_BYTES", "NODE_ROW", "EDGE_ROW", "NEIGHBOUR_ROW",
    "delete_edges", "delete_nodes", "upsert_nodes", "upsert_edges",
    "find_nodes", "existing_ids", "UNPREFIXED_LABELS", "get_nodes", "node_edges", "search", "search_quotes", "top_nodes",
    "COUNT_NODES", "count_relationships", "EVENT_SESSIONS", "EVENT_DOCUMENTS", "label_ids",
    "export_nodes", "export_edges", "node_entries", "WIPE", "WriteStep",
    "relationship_types_except", "FALKORDB_RECORD_BYTES", "ROW_BYTES", "PIECE_CHARS", "FIELD_KINDS",
    "NODE_READ_FIELDS", "DOCUMENT_FIELDS", "EDGE_READ_FIELDS", "stored_bytes", "pieces",
]

#: the one internal label: a single node holding the store's generation counter
META_LABEL = "PtgkgMeta"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_label(label: str) -> str:
    """``label`` if it is a schema label (or the internal meta label), else ValueError."""
    if label not in LABELS and label != META_LABEL:
        raise ValueError(f"unknown label {label!r}")
    return label


def check_type(rel_type: str) -> str:
    if rel_type not in SCHEMA:
        raise ValueError(f"unknown relationship type {rel_type!r}")
    return rel_type


def label_pattern(var: str, label: str | None) -> str:
    """``(n:`Project` {id: ...`` prefix pieces: ``n:`Project``` or ``n`` when the label is unknown."""
    return f"{var}:`{check_label(label)}`" if label else var


# -- FalkorDB parameters ------------------------------------------------------
def _escape(text: str) -> str:
    if "\\" in text or "'" in text or "\x00" in text:
        text = text.replace("\\", "\\\\").replace("'", "\\'").replace("\x00", "")
    return f"'{text}'"


def _literal_parts(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(_escape(value))
    elif kind is dict:
        out.append("{")
        first = True
        for key, v in value.items():
            if not isinstance(key, str) or not _IDENT.match(key):
                raise ValueError(f"map key {key!r} cannot be sent to FalkorDB")
            out.append(f"`{key}`: " if first else f", `{key}`: ")
            first = False
            if type(v) is str:  # most values: no call for them
                out.append(_escape(v))
            else:
                _literal_parts(v, out)
        out.append("}")
    elif kind is list or kind is tuple:
        # the common lists (quotes, keys, positions) in one join, not a call per item
        if all(type(v) is str for v in value):
            out.append(f"[{', '.join(map(_escape, value))}]")
            return
        if all(type(v) is int for v in value):
            out.append(f"[{', '.join(map(str, value))}]")
            return
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(", ")
            _literal_parts(v, out)
        out.append("]")
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(str(value))
    elif kind is float:
        if not math.isfinite(value):
            raise ValueError(f"cannot send {value!r} to FalkorDB")
        out.append(repr(value))
    elif isinstance(value, (bool, int, float, str, list, tuple, dict)):  # subclasses
        base = next(t for t in (bool, int, float, str, list, dict) if isinstance(value, t))
        _literal_parts(base(value), out)
    else:
        raise TypeError(f"cannot send a {type(value).__name__} to FalkorDB")


def falkordb_literal(value: Any) -> str:
    """A Cypher literal FalkorDB parses back to ``value`` (strings escaped; NUL dropped,
    as FalkorDB strings are C strings)."""
    out: list[str] = []
    _literal_parts(value, out)
    return "".join(out)


#: bytes of query text plus parameters FalkorDB's Bolt layer splices safely (its buffer
#: is ~4 KiB; the margin covers its own ``CYPHER``/quote overhead)
BOLT_PARAMETER_BUDGET = 3072


def _bolt_safe(params: dict[str, Any], budget: int) -> bool:
    """True if FalkorDB reads these Bolt parameters back unchanged within ``budget`` bytes:
    no floats, no string with a quote, backslash or NUL, identifier map keys."""
    stack: list[Any] = list(params.values())
    used = 0
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            if "'" in value or "\\" in value or "\x00" in value:
                return False
            used += len(value.encode()) + 3
        elif kind is int:
            used += 21
        elif value is None or kind is bool:
            used += 5
        elif kind is list or kind is tuple:
            stack.extend(value)
            used += 2 + len(value)
        elif kind is dict:
            for key in value:
                if not isinstance(key, str) or not _IDENT.match(key):
                    return False
                used += len(key) + 3
            stack.extend(value.values())
        else:  # floats lose digits; anything else goes through the literal encoder
            return False
        if used > budget:
            return False
    return True


#: the longest Bolt message FalkorDB (4.16) reads safely. On every read from a socket it
#: scans the buffered messages for a RESET, taking bytes 3-4 of each message for a chunk
#: size; for a RUN with a long query those are the string's marker, 0xD1xx or 0xD200
#: (53,504-53,760). Past that size, the scan hops through the query text, reading pairs of
#: text bytes as sizes, and when a hop ends exactly where the received data ends it reads
#: past it: a segfault in ``bolt_read_structure_type`` or a dropped connection, after
#: some hundreds of large writes (FalkorDB's ``src/bolt/bolt_api.c``, ``BoltReadHandler``).
#: Messages below it are never walked into. The margin covers the RUN message's
#: framing and extra map.
FALKORDB_BOLT_MESSAGE_BYTES = 53_000


def with_parameter_header(query: str, params: dict[str, Any]) -> str:
    """``query`` behind FalkorDB's ``CYPHER name=value ...`` header, the values as escaped
    literals: what FalkorDB's Redis command ``GRAPH.QUERY`` takes, and its Bolt endpoint
    when Bolt parameters would be mangled (see :meth:`Dialect.prepare`).

    >>> with_parameter_header("RETURN $x AS x", {"x": ["it's", 2]})
    "CYPHER x=['it\\\\'s', 2] RETURN $x AS x"
    """
    out = ["CYPHER"]
    for name, value in params.items():
        if not _IDENT.match(name):
            raise ValueError(f"bad parameter name {name!r}")
        out.append(f" {name}=")
        _literal_parts(value, out)
    out.append(" ")
    out.append(query)
    return "".join(out)


@dataclass(frozen=True)
class Dialect:
    """What differs between Bolt servers. ``transactional``: BEGIN/COMMIT are real.
    ``inline_parameters``: parameters that Bolt would mangle go in FalkorDB's header."""

    name: str
    transactional: bool
    inline_parameters: bool
    #: the largest reply record the server sends (None: no limit), see module docstring
    record_bytes: int | None = None

    def fits(self, var: str) -> str:
        """Cypher: true if ``var``'s large stored fields fit one reply record. ``_bytes``
        (written by the store) bounds their encoded size; a node or relationship written
        before it existed counts as too large (read in pieces: slower, still whole).
        FalkorDB evaluates every branch of a CASE, so this only reads properties."""
        return f"coalesce({var}._bytes, CASE WHEN {var} IS NULL THEN 0 ELSE {ROW_BYTES + 1} END) <= {ROW_BYTES}"

    def large(self, var: str, expr: str) -> str:
        """``expr`` (a large field of ``var``), or on FalkorDB null when ``var``'s fields
        would not fit a record (the row's :meth:`big` column then says so)."""
        return expr if self.record_bytes is None else f"CASE WHEN {self.fits(var)} THEN {expr} END"

    def big(self, var: str, ref: str = "true") -> str:
        """The ``big`` column: null, or ``ref`` when :meth:`large` left ``var``'s fields out."""
        return "null" if self.record_bytes is None else f"CASE WHEN {self.fits(var)} THEN null ELSE {ref} END"

    def degree(self, var: str, label: str | None = None) -> str:
        """Cypher: the number of relationships at node ``var``, out plus in (a self-loop
        counts twice, as in the embedded store; an undirected pattern counts it once).
        FalkorDB keeps them in its adjacency matrices (``indegree``/``outdegree``: 24 ms
        ranking 7,500 people by degree, 204 ms with a pattern comprehension). Given the
        node's ``label``, FalkorDB counts only the relationship types the schema allows at
        it (ptgkg writes no others): one matrix per type, not all of them (50k people:
        39 ms instead of 89)."""
        if self.name != "falkordb":
            return f"(size([({var})-->() | 1]) + size([({var})<--() | 1]))"
        if label is None:
            return f"(indegree({var}) + outdegree({var}))"
        check_label(label)
        terms = []
        for direction, side in (("outdegree", 0), ("indegree", 1)):
            types = [t for t, pairs in SCHEMA.items() if any(pair[side] == label for pair in pairs)]
            if types:
                quoted = ", ".join(f"'{check_type(t)}'" for t in types)
                terms.append(f"{direction}({var}, {quoted})")
        return f"({' + '.join(terms) or '0'})"

    def prepare(self, query: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """The (query, parameters) to send: unchanged for Neo4j, and for FalkorDB when
        Bolt carries them safely; otherwise FalkorDB's ``CYPHER name=value`` header
        (see module docstring)."""
        params = params or {}
        if not self.inline_parameters or not params:
            return query, params
        budget = BOLT_PARAMETER_BUDGET - len(query.encode()) - 8 * len(params)
        if budget > 0 and _bolt_safe(params, budget):
            return query, params
        return with_parameter_header(query, params), {}

    def schema_statements(self, existing: set[tuple[str, str]] = frozenset()) -> list[str]:
        """Uniqueness (Neo4j) or an index (FalkorDB) on every label's key."""
        keys = [(label, "id") for label in LABELS] + [(META_LABEL, "key")]
        if self.name == "neo4j":
            return [f"CREATE CONSTRAINT ptgkg_{label.lower()}_{prop} IF NOT EXISTS "
                    f"FOR (n:`{check_label(label)}`) REQUIRE n.`{prop}` IS UNIQUE" for label, prop in keys]
        # FalkorDB's range indexes hold arrays of strings too: the name and alias keys
        # find_nodes matches (`$key IN n._keys`) are then a lookup, not a label scan
        # (50k people: 24 -> 1.3 ms). Neo4j's range indexes do not serve list membership.
        keys += [(label, "_keys") for label in LABELS]
        return [f"CREATE INDEX FOR (n:`{check_label(label)}`) ON (n.`{prop}`)"
                for label, prop in keys if (label, prop) not in existing]

    def shortest_path(self, source_label: str | None, target_label: str | None, max_hops: int) -> str | None:
        """Parameters: ``$source``, ``$target``, ``$types`` (allowed relationship types).
        Returns ``ids`` and ``types`` along one shortest undirected path.

        None for FalkorDB: its ``shortestPath()`` is directed only (undirected fails with
        UnknownError) and ``algo.SPpaths`` enumerates paths (4.8 s between two people on
        2,750 nodes / 15,773 relationships, even with ``pathCount: 1``), so the store
        walks :func:`neighbours` breadth-first from both ends instead."""
        if self.name != "neo4j":
            return None
        hops = int(max_hops)
        return (f"MATCH ({label_pattern('a', source_label)} {{id: $source}}), "
                f"({label_pattern('b', target_label)} {{id: $target}}) "
                f"MATCH p = shortestPath((a)-[*..{hops}]-(b)) "
                "WHERE all(r IN relationships(p) WHERE type(r) IN $types) "
                "AND none(x IN nodes(p)[1..-1] WHERE x:Document) "
                "RETURN [x IN nodes(p) | x.id] AS ids, [r IN relationships(p) | type(r)] AS types")

    # -- writes ---------------------------------------------------------------
    def write_statements(self, steps: Sequence["WriteStep"], batch_size: int,
                         generation: int) -> list[tuple[str, dict[str, Any]]]:
        """The statements writing ``steps`` (already in dependency order).

        Neo4j: batches of ``UNWIND``; the caller holds the meta lock in the same transaction.
        FalkorDB: one guarded statement, returning a row only if the generation was still
        ``generation`` (otherwise nothing is written and the caller retries)."""
        steps = [s for s in steps if s.rows]
        if self.transactional:
            size = max(1, int(batch_size))
            return [(f"UNWIND $rows AS row {s.unwind_body}", {"rows": s.rows[i:i + size]})
                    for s in steps for i in range(0, len(s.rows), size)]
        params: dict[str, Any] = {"generation": generation}
        clauses = [f"MATCH (g:`{META_LABEL}` {{key: 'graph'}}) WHERE g.generation = $generation "
                   "SET g.generation = $generation + 1"]
        for i, s in enumerate(steps):
            params[f"rows{i}"] = s.rows
            clauses.append(f"FOREACH (row IN $rows{i} | {s.foreach_body})")
        clauses.append("RETURN g.generation AS generation")
        return [(" ".join(clauses), params)]


#: FalkorDB sends each reply record as one Bolt chunk (measured, 4.16)
FALKORDB_RECORD_BYTES = 65535
#: the most a row's large fields may take to be returned whole; the rest of a row (ids,
#: labels, a quote) must fit in what is left of FALKORDB_RECORD_BYTES
ROW_BYTES = 48000
#: characters per piece of a large field: UTF-8 takes at most 4 bytes a character
PIECE_CHARS = ROW_BYTES // 4

NEO4J = Dialect("neo4j", transactional=True, inline_parameters=False)
FALKORDB = Dialect("falkordb", transactional=False, inline_parameters=True, record_bytes=FALKORDB_RECORD_BYTES)


@dataclass(frozen=True)
class WriteStep:
    """One kind of write over rows: ``unwind_body`` may MATCH; ``foreach_body`` may only
    update (FOREACH allows no MATCH), so it MERGEs entities the plan knows exist."""

    unwind_body: str
    foreach_body: str
    rows: list[dict[str, Any]]


# -- probing and schema ---------------------------------------------------------
PROBE_NEO4J = "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
PROBE_FALKORDB = "RETURN toJSON(1) AS json"
FALKORDB_INDEXES = "CALL db.indexes() YIELD label, properties RETURN label, properties"
WIPE = "MATCH (n) DETACH DELETE n"

# -- generation counter -----------------------------------------------------------
ENSURE_META = (f"MERGE (g:`{META_LABEL}` {{key: 'graph'}}) "
               "ON CREATE SET g.generation = 0, g.store_id = $store_id "
               "RETURN g.generation AS generation, g.store_id AS store_id")
#: Neo4j: taking the meta node's write lock serialises writers, like SQLite's BEGIN IMMEDIATE
LOCK_META = (f"MERGE (g:`{META_LABEL}` {{key: 'graph'}}) "
             "ON CREATE SET g.generation = 0, g.store_id = $store_id "
             "SET g.generation = g.generation + 1 "
             "RETURN g.generation AS generation, g.store_id AS store_id")
READ_META = f"MATCH (g:`{META_LABEL}` {{key: 'graph'}}) RETURN g.generation AS generation, g.store_id AS store_id"

# -- per-document bookkeeping (on the Document node) --------------------------------
#: how :func:`pieces` splits a field: one string, a list of strings, a list of integers
FIELD_KINDS = {"_doc_props": "str", "name": "str", "text": "str", "aliases": "strs",
               "_node_ids": "strs", "_node_labels": "strs", "_edge_src": "strs", "_edge_type": "strs",
               "_edge_tgt": "strs", "ev_doc": "strs", "ev_quote": "strs", "ev_start": "ints", "ev_end": "ints"}
#: the large fields reads return: of every node, of a Document node too, of every relationship
NODE_READ_FIELDS = ("_doc_props", "name", "aliases", "text")
DOCUMENT_FIELDS = ("_node_ids", "_node_labels", "_edge_src", "_edge_type", "_edge_tgt")
EDGE_READ_FIELDS = ("_doc_props", "ev_doc", "ev_quote", "ev_start", "ev_end")


def stored_bytes(props: dict[str, Any], fields: Iterable[str]) -> int:
    """An upper bound of the Bolt (PackStream) size of ``fields`` of ``props``: what
    :meth:`Dialect.fits` compares with :data:`ROW_BYTES` (kept as ``_bytes``).

    >>> stored_bytes({"name": "Kolla", "aliases": ["kolla", "Ünï"]}, ("name", "aliases", "text"))
    36
    """
    total = 0
    for field in fields:
        stack = [props.get(field)]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                total += len(value.encode("utf-8", "surrogatepass")) + 5
            elif isinstance(value, (list, tuple)):
                total += 5
                stack.extend(value)
            else:  # int, float (9 bytes at most), bool, null
                total += 9 if value is not None else 1
    return total


def read_document(dialect: Dialect | None = None) -> str:
    """Parameters ``$doc``. The Document's hash and what it contributed (or ``big``)."""
    d = dialect or NEO4J
    lists = ", ".join(f"{d.large('d', f'd.{f}')} AS {f[1:]}" for f in DOCUMENT_FIELDS)
    return ("MATCH (d:Document {id: $doc}) "
            f"RETURN d.content_hash AS content_hash, d._rows_hash AS rows_hash, d._seq AS seq, {lists}, "
            f"{d.big('d')} AS big")


LIST_DOCUMENTS = "MATCH (d:Document) WHERE d._seq IS NOT NULL RETURN d.id AS id ORDER BY d._seq"


#: the evidence of relationship ``r`` as four parallel lists (doc, quote, start, end)
_EVIDENCE = "[r.ev_doc, r.ev_quote, r.ev_start, r.ev_end]"


def read_state(doc_id: str | None, node_groups: dict[str, list[str]],
               edge_groups: dict[tuple[str, str, str], list[dict]],
               dialect: Dialect | None = None, degrees: bool = False) -> tuple[str, dict[str, Any]]:
    """ONE statement reading what replacing a document needs (one round trip, one
    consistent snapshot on FalkorDB): with ``doc_id``, a ``meta`` row (``key`` the
    generation, ``doc_props`` the stored content hash, ``extra`` the document's
    bookkeeping, or no row when the meta node is missing); a ``node`` row per existing
    node of ``node_groups`` (label -> ids), with its degree in ``extra`` when ``degrees``
    (what a write adds its changes to, see :data:`KEEP_DEGREES`); an ``edge`` row per existing relationship
    of ``edge_groups`` ((type, source label, target label) -> ``{s, t}`` rows), with
    its evidence lists in ``extra``. Index lookups by label throughout. ``big`` is true
    where the dialect left large fields out (fetch them with :func:`pieces`).

    Returns ``(query, params)``; an empty query when there is nothing to read."""
    d = dialect or NEO4J
    parts: list[str] = []
    params: dict[str, Any] = {}
    if doc_id is not None:
        params["doc"] = doc_id
        lists = ", ".join(d.large("d", f"d.{f}") for f in DOCUMENT_FIELDS)
        parts.append(f"MATCH (g:`{META_LABEL}` {{key: 'graph'}}) OPTIONAL MATCH (d:Document {{id: $doc}}) "
                     "RETURN 'meta' AS kind, g.generation AS key, d.content_hash AS doc_props, "
                     f"[d IS NOT NULL, d._rows_hash, {lists}, g.store_id] AS extra, {d.big('d')} AS big")
    for i, (label, ids) in enumerate(sorted(node_groups.items())):
        if ids:
            params[f"n{i}"] = ids
            parts.append(f"UNWIND $n{i} AS id MATCH (n:`{check_label(label)}` {{id: id}}) "
                         f"RETURN 'node' AS kind, id AS key, {d.large('n', 'n._doc_props')} AS doc_props, "
                         f"{d.degree('n', label) if degrees else 'null'} AS extra, {d.big('n')} AS big")
    for i, ((rel_type, source, target), rows) in enumerate(sorted(edge_groups.items())):
        if rows:
            t = check_type(rel_type)
            params[f"e{i}"] = rows
            parts.append(f"UNWIND $e{i} AS row MATCH (a:`{check_label(source)}` {{id: row.s}})"
                         f"-[r:`{t}`]->(b:`{check_label(target)}` {{id: row.t}}) "
                         f"RETURN 'edge' AS kind, [row.s, '{t}', row.t] AS key, "
                         f"{d.large('r', 'r._doc_props')} AS doc_props, {d.large('r', _EVIDENCE)} AS extra, "
                         f"{d.big('r')} AS big")
    return " UNION ALL ".join(parts), params


def _up_to(expr: str, limit: int) -> str:
    """Cypher: ``expr`` capped at ``limit`` (and at least 0)."""
    return f"CASE WHEN {expr} < 0 THEN 0 WHEN {expr} > {limit} THEN {limit} ELSE {expr} END"


def _piece_branch(match: str, key: str, var: str, field: str) -> str:
    """Records ``key, field, at, piece`` of one field of the entities ``match`` binds to
    ``var``: a string in substrings of :data:`PIECE_CHARS` characters (``at`` = [offset,
    -1]); a list in slices that fit (``at`` = [index, -1]), or, when one of its strings is
    longer than a piece, element by element in substrings (``at`` = [index, offset])."""
    # FalkorDB evaluates every branch of a CASE: no branch may fail (substring of a
    # number, a negative offset) even when it is not the one taken. Its substring()
    # drops characters when asked for more than are left after a multi-byte character
    # (measured, 4.16): lengths never reach past the end
    size = PIECE_CHARS
    head = f"{match} WITH {key} AS key, {var}.`{field}` AS v WHERE v IS NOT NULL "
    tail = f"RETURN key, '{field}' AS field, "
    kind = FIELD_KINDS[field]
    if kind == "str":
        return (head + f"UNWIND range(0, CASE WHEN size(v) > 0 THEN size(v) - 1 ELSE 0 END, {size}) AS o "
                + tail + f"[o, -1] AS at, substring(v, o, {_up_to('size(v) - o', size)}) AS piece")
    if kind == "ints":  # at most 9 bytes each
        step = size // 3
        return (head + f"UNWIND CASE WHEN size(v) = 0 THEN [0] ELSE range(0, size(v) - 1, {step}) END AS o "
                + tail + f"[o, -1] AS at, v[o..o + {step}] AS piece")
    return (head + "WITH key, v, reduce(m = 0, x IN v | CASE WHEN size(x) > m THEN size(x) ELSE m END) + 3 AS w "
            f"WITH key, v, w > {size} AS split, CASE WHEN w > {size} THEN 1 ELSE {size} / w END AS k "
            "UNWIND CASE WHEN size(v) = 0 THEN [0] ELSE range(0, size(v) - 1, k) END AS o "
            f"UNWIND CASE WHEN split THEN range(0, CASE WHEN size(v[o]) > 0 THEN size(v[o]) - 1 ELSE 0 END, "
            f"{size}) ELSE [-1] END AS c "
            + tail + f"[o, c] AS at, CASE WHEN c < 0 THEN v[o..o + k] "
            f"ELSE substring(v[o], CASE WHEN c < 0 THEN 0 ELSE c END, {_up_to('size(v[o]) - c', size)}) END AS piece")


def pieces(node_groups: Sequence[tuple[str, Sequence[str]]],
           edge_groups: Sequence[tuple[str, str, str]]) -> str:
    """FalkorDB: ONE statement returning the large fields of some nodes and relationships
    in pieces that each fit a reply record (see :func:`_piece_branch`). ``node_groups``:
    (label, fields) with ids in ``$n<i>``, key ``[id]``; ``edge_groups``: (type, source
    label, target label) with ``{s, t}`` rows in ``$e<i>``, key ``[s, type, t]``, fields
    :data:`EDGE_READ_FIELDS`."""
    branches = []
    for i, (label, fields) in enumerate(node_groups):
        match = f"UNWIND $n{i} AS id MATCH (n:`{check_label(label)}` {{id: id}})"
        branches.extend(_piece_branch(match, "[id]", "n", f) for f in fields)
    for i, (rel_type, source, target) in enumerate(edge_groups):
        t = check_type(rel_type)
        match = (f"UNWIND $e{i} AS row MATCH (a:`{check_label(source)}` {{id: row.s}})"
                 f"-[r:`{t}`]->(b:`{check_label(target)}` {{id: row.t}})")
        branches.extend(_piece_branch(match, f"[row.s, '{t}', row.t]", "r", f) for f in EDGE_READ_FIELDS)
    return " UNION ALL ".join(branches)


# -- write steps ------------------------------------------------------------------
def delete_edges(rel_type: str, source_label: str, target_label: str, rows: list[dict]) -> WriteStep:
    t, a, b = check_type(rel_type), check_label(source_label), check_label(target_label)
    return WriteStep(
        f"MATCH (a:`{a}` {{id: row.s}})-[r:`{t}`]->(b:`{b}` {{id: row.t}}) DELETE r",
        f"MERGE (a:`{a}` {{id: row.s}}) MERGE (b:`{b}` {{id: row.t}}) MERGE (a)-[r:`{t}`]->(b) DELETE r",
        rows)


def delete_nodes(label: str, rows: list[dict]) -> WriteStep:
    lab = check_label(label)
    return WriteStep(f"MATCH (n:`{lab}` {{id: row.id}}) DETACH DELETE n",
                     f"MERGE (n:`{lab}` {{id: row.id}}) DETACH DELETE n", rows)


def upsert_nodes(label: str, rows: list[dict]) -> WriteStep:
    """Rows ``{id, p}``: ``p`` is the node's whole property map (replaces the old one)."""
    body = f"MERGE (n:`{check_label(label)}` {{id: row.id}}) SET n = row.p"
    return WriteStep(body, body, rows)


def upsert_edges(rel_type: str, source_label: str, target_label: str, rows: list[dict]) -> WriteStep:
    """Rows ``{s, t, p}``; both ends already exist (upserted before)."""
    t, a, b = check_type(rel_type), check_label(source_label), check_label(target_label)
    return WriteStep(
        f"MATCH (a:`{a}` {{id: row.s}}), (b:`{b}` {{id: row.t}}) MERGE (a)-[r:`{t}`]->(b) SET r = row.p",
        f"MERGE (a:`{a}` {{id: row.s}}) MERGE (b:`{b}` {{id: row.t}}) MERGE (a)-[r:`{t}`]->(b) SET r = row.p",
        rows)


# -- reads ----------------------------------------------------------------------------
def _node_columns(d: Dialect, label: str | None = None) -> str:
    return (f"labels(n) AS labels, n.id AS id, {d.large('n', 'n._doc_props')} AS doc_props, "
            f"{d.degree('n', label)} AS degree, {d.big('n')} AS big")


#: ``big`` of a relationship row: the labels of its ends, to fetch it with :func:`pieces`
_EDGE_REF = "[labels(startNode(r))[0], labels(endNode(r))[0]]"


def _edge_columns(d: Dialect) -> str:
    return (f"{d.large('r', 'r._doc_props')} AS doc_props, {d.large('r', _EVIDENCE)} AS ev, "
            f"{d.big('r', _EDGE_REF)} AS big")


def find_nodes(label: str | None, dialect: Dialect | None = None) -> str:
    """Parameters: ``$ids`` (exact ids), ``$key`` (normalized name). Without a label, on
    FalkorDB, one branch per label: its indexes are per label, and a pattern without one
    scans every node."""
    dialect = dialect or NEO4J
    if label is None and dialect.name != "neo4j":
        return " UNION ALL ".join(find_nodes(each, dialect) for each in LABELS)
    return (f"MATCH ({label_pattern('n', label)}) WHERE n._doc_props IS NOT NULL "
            f"AND (n.id IN $ids OR $key IN n._keys) RETURN n._name_key AS name_key, "
            f"{_node_columns(dialect, label)}")


#: rows per reply record of a batched read (:func:`batched`)
BATCH_ROWS = 32
#: FalkorDB: the most one row of a batch may take (BATCH_ROWS of them fit one record); a
#: wider row travels alone, as a batch of one
BATCH_ROW_BYTES = 1536
#: a row of :func:`get_nodes` is the node's ``_node`` (JSON) or,
#: for a node written before ``_node`` existed or too large for a record, these columns
NODE_ROW = ("label", "id", "doc_props", "big")
#: a row of :func:`node_edges` / :func:`edges_many` is the relationship's ``_edge`` (JSON)
#: or, written before ``_edge`` existed or too large for a record, these columns
EDGE_ROW = ("s", "t", "o", "doc_props", "ev", "big")
#: a row of :func:`neighbours`
NEIGHBOUR_ROW = ("a", "t", "b", "label", "degree")


def batched(head: str, carry: str, row: str, width: str | None, key: str, dialect: Dialect | None = None) -> str:
    """``head`` (``MATCH ...``, binding the variables ``carry`` lists) then its rows, each
    the Cypher value ``row``, :data:`BATCH_ROWS` to a reply record in one column
    ``batch``. FalkorDB sends each record as a message the driver takes ~20 µs to
    receive and unpack whatever its size (measured, 4.16): 11,200 relationships took
    305 ms one per record, 120 ms in batches. On FalkorDB a row whose ``width`` (a bound
    of its encoded bytes) exceeds :data:`BATCH_ROW_BYTES` goes alone, grouped by
    ``key`` (unique per row), so every record fits one Bolt chunk. (``width`` gets its own
    ``WITH``: FalkorDB 4.16 drops the connection on ``CASE WHEN CASE ... END <= n`` when
    the parameters travel in its ``CYPHER`` header, measured.)"""
    d = dialect or NEO4J
    if d.record_bytes is None or width is None:
        group = f"WITH collect({row}) AS rows "
    else:
        group = (f"WITH {carry}, {width} AS width "
                 f"WITH CASE WHEN width <= {BATCH_ROW_BYTES} THEN null ELSE {key} END AS alone, {row} AS row "
                 "WITH alone, collect(row) AS rows ")
    return (f"{head} {group}UNWIND range(0, size(rows) - 1, {BATCH_ROWS}) AS i "
            f"RETURN rows[i..i + {BATCH_ROWS}] AS batch")


#: the labels :func:`existing_ids` tries for ids that do not name theirs, most likely first
#: (ingest's Document ids are ``doc:<hash>``)
UNPREFIXED_LABELS = ("Document",) + tuple(label for label in LABELS if label != "Document")


def existing_ids(label: str) -> str:
    """Parameters: ``$ids``. One row ``found``: those of the ids that are nodes of ``label``
    (an index lookup; what the store asks, label by label, for ids that do not name their
    label, instead of a pattern without a label, which scans every node: 355 documents
    among 82k nodes, 216 ms that way, 11 ms by label on FalkorDB)."""
    return f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}) RETURN collect(n.id) AS found"


def _merged(d: Dialect, var: str, field: str, head: str, old: str, old_width: str, key: str,
            legacy: bool, sized: bool = False) -> str:
    """A batched read of the entities ``head`` binds to ``var``, each as its merged JSON
    ``field`` (``_node``, ``_edge``: one string, decoded by json in C, instead of every
    document's entry and four evidence lists).

    Neo4j: the string, or where it is not stored (written before it existed) the list of
    columns ``old``. FalkorDB evaluates every branch of a CASE (the columns cost ~20 ms per
    11k relationships even when not taken), so there an entity without the string, or
    too large for a record, comes back as ``0``; the same read with ``legacy`` then
    returns just those, as ``old`` (large fields left to :func:`pieces`).

    ``sized``: on FalkorDB, measure the string itself (``size``, in characters: at most
    4 bytes each) instead of ``_bytes``, which also bounds the per-document entries: a
    hub node's ``_node`` is a few dozen characters while its entries take tens of
    kilobytes, and by ``_bytes`` it went alone in a record, or through the legacy read
    and :func:`pieces` (a hub profile read 1,500 nodes one per record: ~30 ms)."""
    if d.record_bytes is None:
        return batched(head, var, f"CASE WHEN {var}.{field} IS NULL THEN {old} ELSE {var}.{field} END", None, key, d)
    if sized:
        whole = f"{var}.{field} IS NOT NULL AND size({var}.{field}) <= {PIECE_CHARS}"
        width = f"CASE WHEN whole THEN 4 * size({var}.{field}) + 8 ELSE 0 END"
    else:
        whole = f"{var}.{field} IS NOT NULL AND coalesce({var}._bytes, {ROW_BYTES + 1}) <= {ROW_BYTES}"
        width = f"CASE WHEN whole THEN {var}._bytes ELSE 0 END"
    if legacy:
        return batched(f"{head} WITH {var} WHERE NOT ({whole})", var, old, old_width, key, d)
    return batched(f"{head} WITH {var}, {whole} AS whole", f"{var}, whole",
                   f"CASE WHEN whole THEN {var}.{field} ELSE 0 END", width, key, d)


def _node_rows(label: str, d: Dialect, legacy: bool) -> str:
    return _merged(d, "n", "_node",
                   f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}) WHERE n._doc_props IS NOT NULL",
                   f"['{label}', n.id, {d.large('n', 'n._doc_props')}, {d.big('n')}]",
                   f"coalesce(n._bytes, {ROW_BYTES + 1}) + 4 * size(n.id) + 64", "n.id", legacy, sized=True)


def get_nodes(label: str, dialect: Dialect | None = None, legacy: bool = False) -> str:
    """Parameters: ``$ids`` (of ``label``). Batches (:func:`batched`) of rows: ``_node``,
    ``0`` (read it with ``legacy``) or :data:`NODE_ROW` (see :func:`_merged`). No degree:
    FalkorDB's indegree/outdegree took 60 ms for 1,400 topics."""
    return _node_rows(label, dialect or NEO4J, legacy)


def _relationships(direction: str, types: Sequence[str] | None) -> str:
    """``-[r]-`` in ``direction``, of ``types`` (None: all). Types in the pattern, not in a
    ``WHERE type(r) IN``: FalkorDB then walks only their matrices (11,200 relationships
    of one type at 700 sessions: 21 ms instead of 37)."""
    kinds = "" if types is None else ":" + "|".join(f"`{check_type(t)}`" for t in types)
    return {"out": f"-[r{kinds}]->", "in": f"<-[r{kinds}]-", "both": f"-[r{kinds}]-"}[direction]


def _edge_rows(d: Dialect, head: str, legacy: bool) -> str:
    return _merged(d, "r", "_edge", head,
                   f"[startNode(r).id, type(r), endNode(r).id, {d.large('r', 'r._doc_props')}, "
                   f"{d.large('r', _EVIDENCE)}, {d.big('r', _EDGE_REF)}]",
                   f"coalesce(r._bytes, {ROW_BYTES + 1}) + 4 * (size(startNode(r).id) + size(endNode(r).id)) + 64",
                   "id(r)", legacy)


def node_edges(label: str, direction: str, dialect: Dialect | None = None,
               types: Sequence[str] | None = None, legacy: bool = False) -> str:
    """Parameters: ``$id`` (a node of ``label``). The relationships of ``types`` (None: all;
    not empty) at the node, in batches of rows as :func:`edges_many`'s."""
    arrow = _relationships(direction, types)
    return _edge_rows(dialect or NEO4J, f"MATCH (n:`{check_label(label)}` {{id: $id}}){arrow}()", legacy)


def edges_many(label: str, direction: str, dialect: Dialect | None = None,
               types: Sequence[str] | None = None, legacy: bool = False) -> str:
    """Parameters: ``$ids`` (nodes of ``label``). Every relationship of ``types`` (None:
    all; not empty) at those nodes, in batches of rows: ``_edge``, ``0`` (read it with
    ``legacy``) or :data:`EDGE_ROW` (see :func:`_merged`). A relationship between two of
    the nodes comes once from each (the caller tells which of the ids it is at from its
    ends)."""
    arrow = _relationships(direction, types)
    return _edge_rows(dialect or NEO4J, f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}){arrow}()",
                      legacy)


def edge_keys(label: str, direction: str, dialect: Dialect | None = None, types: Sequence[str] | None = None) -> str:
    """Parameters: ``$ids`` (nodes of ``label``). Batches of ``[source id, type, target id]``
    rows, one per relationship of ``types`` (None: all; not empty) with evidence at those
    nodes: ids only, no quotes or properties. A relationship between two of the nodes
    comes once from each."""
    arrow = _relationships(direction, types)
    return batched(
        f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}){arrow}() WHERE " + _EVIDENCED.format(var="r") + " "
        "WITH startNode(r).id AS s, type(r) AS t, endNode(r).id AS o",
        "s, t, o", "[s, t, o]", "4 * (size(s) + size(o) + size(t)) + 32", "[s, t, o]", dialect or NEO4J)


def edges_between(source_label: str, target_label: str, dialect: Dialect | None = None,
                  types: Sequence[str] | None = None, legacy: bool = False) -> str:
    """Parameters: ``$a`` (a node of ``source_label``), ``$b`` (of ``target_label``). The
    relationships of ``types`` (None: all; not empty) joining them, either direction, in
    batches of rows as :func:`edges_many`'s: both ends by index, not a walk of a busy one."""
    arrow = _relationships("both", types)
    return _edge_rows(dialect or NEO4J, f"MATCH (a:`{check_label(source_label)}` {{id: $a}}){arrow}"
                      f"(b:`{check_label(target_label)}` {{id: $b}})", legacy)


def neighbours(label: str, dialect: Dialect | None = None, types: Sequence[str] | None = None,
               among: bool = False) -> str:
    """Parameters: ``$ids`` (nodes of ``label``), and with ``among`` ``$among`` (ids: only
    neighbours among them). Batches of :data:`NEIGHBOUR_ROW` rows, one
    per (node, relationship type, neighbour) over relationships of ``types`` (None: all;
    not empty): ids, the neighbour's label and its kept degree (null where the graph
    keeps none, see :data:`KEEP_DEGREES`), what a search picks its next side by."""
    arrow = _relationships("both", types)
    only = "WHERE m.id IN $among " if among else ""
    return batched(
        f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}){arrow}(m) {only}"
        "WITH DISTINCT n.id AS a, type(r) AS t, m.id AS b, labels(m)[0] AS label, m._degree AS degree",
        "a, t, b, label, degree", "[a, t, b, label, degree]",
        "4 * (size(a) + size(b) + size(label) + size(t)) + 48", "[a, t, b]", dialect or NEO4J)


def _search_columns(d: Dialect) -> str:
    return (f"labels(n) AS labels, n.id AS id, {d.large('n', 'n._doc_props')} AS doc_props, degree, rank, "
            f"quote, {d.large('n', 'n.name')} AS name, {d.large('n', 'n.aliases')} AS aliases, "
            f"{d.large('n', 'n.text')} AS text, {d.big('n')} AS big")


#: a node whose name, an alias or its decision text contains ``$q``
_NAMED = ("(n._name_key CONTAINS $q OR any(k IN n._alias_keys WHERE k CONTAINS $q) "
          "OR coalesce(n._text_key CONTAINS $q, false))")


def search(dialect: Dialect | None = None) -> str:
    """Parameters ``$q`` (normalized text), ``$limit``. Nodes by rank: 0 name, 1 alias,
    2 decision text, then by degree. ``name``, ``aliases`` and ``text`` are null on a
    ``big`` row (the node has them). Rank 3 is :func:`search_quotes`."""
    d = dialect or NEO4J
    return (
        f"MATCH (n) WHERE n._doc_props IS NOT NULL AND {_NAMED} "
        "WITH n, CASE WHEN n._name_key CONTAINS $q THEN 0 "
        "WHEN any(k IN n._alias_keys WHERE k CONTAINS $q) THEN 1 ELSE 2 END AS rank, null AS quote "
        f"WITH n, rank, quote, {d.degree('n')} AS degree "
        f"RETURN {_search_columns(d)} ORDER BY rank, degree DESC, n.name, n.id LIMIT $limit")


def search_quotes(dialect: Dialect | None = None) -> str:
    """Parameters ``$q``, ``$limit``: rank 3 of :func:`search`, the nodes (not Documents)
    that only an evidence quote on one of their relationships matches, with that quote.
    One pass over the relationships (a pattern per node took five times longer on
    FalkorDB, which also evaluates every branch of a CASE)."""
    d = dialect or NEO4J
    return (
        "MATCH (a)-[r]->(b) WHERE any(k IN r._ev_key WHERE k CONTAINS $q) "
        "UNWIND [a, b] AS n WITH n, r "
        f"WHERE n._doc_props IS NOT NULL AND NOT n:Document AND NOT {_NAMED} "
        "WITH n, head(collect(r)) AS r "
        "WITH n, 3 AS rank, [i IN range(0, size(r._ev_key) - 1) WHERE r._ev_key[i] CONTAINS $q | r.ev_quote[i]][0] "
        f"AS quote, {d.degree('n')} AS degree "
        f"RETURN {_search_columns(d)} ORDER BY degree DESC, n.name, n.id LIMIT $limit")


def top_nodes(label: str, dialect: Dialect | None = None, kept: bool = False) -> str:
    """Parameters: ``$limit``. Ranked before the columns are computed: a RETURN before its
    ORDER BY computes them for every node (42k people on FalkorDB: 66 -> 41 ms). ``kept``:
    every node's degree is kept in ``_degree`` (:data:`KEEP_DEGREES`), read instead of
    counted (2.7k topics on FalkorDB: 45 ms counted)."""
    d = dialect or NEO4J
    degree = "coalesce(n._degree, 0)" if kept else d.degree("n", label)
    return (f"MATCH (n:`{check_label(label)}`) WITH n, {degree} AS degree "
            "ORDER BY degree DESC, n.name, n.id LIMIT $limit "
            f"RETURN labels(n) AS labels, n.id AS id, {d.large('n', 'n._doc_props')} AS doc_props, degree, "
            f"{d.big('n')} AS big")


#: every write keeps each node's degree (its relationships, out plus in, a self-loop
#: twice) in ``_degree``: the degree read before the write plus the relationships it makes,
#: less those it removes. A graph written before that gets it when opened for writing
#: (:func:`keep_degrees` per label), then ``degrees`` on the meta node says all nodes have it
KEEP_DEGREES = "degrees"
READ_DEGREES_KEPT = f"MATCH (g:`{META_LABEL}` {{key: 'graph'}}) RETURN g.{KEEP_DEGREES} AS kept"
DEGREES_KEPT = f"MERGE (g:`{META_LABEL}` {{key: 'graph'}}) SET g.{KEEP_DEGREES} = true"


def keep_degrees(label: str, dialect: Dialect | None = None) -> str:
    """The degree of every node of ``label`` written by ptgkg that has none kept yet."""
    d = dialect or NEO4J
    return (f"MATCH (n:`{check_label(label)}`) WHERE n._doc_props IS NOT NULL AND n._degree IS NULL "
            f"SET n._degree = {d.degree('n', label)}")


def label_ids(label: str) -> str:
    """Rows ``id``: every node of ``label`` written by ptgkg (ids only)."""
    return f"MATCH (n:`{check_label(label)}`) WHERE n._doc_props IS NOT NULL RETURN n.id AS id"


#: a relationship written by ptgkg that has evidence (``weight``: its evidence items)
_EVIDENCED = "{var}._doc_props IS NOT NULL AND {var}.weight > 0"

#: rows ``event``, ``sessions``: the sessions PART_OF each event (relationships with evidence)
EVENT_SESSIONS = ("MATCH (s)-[p:PART_OF]->(e:Event) WHERE " + _EVIDENCED.format(var="p")
                  + " RETURN e.id AS event, count(p) AS sessions")
#: rows ``event``, ``documents``: the Documents RECORDING those sessions, each once per event
EVENT_DOCUMENTS = ("MATCH (d:Document)-[r:RECORDS]->(s)-[p:PART_OF]->(e:Event) WHERE "
                   + _EVIDENCED.format(var="r") + " AND " + _EVIDENCED.format(var="p")
                   + " RETURN e.id AS event, count(DISTINCT d) AS documents")


#: rows ``name`` (a label), ``c``: one count per label, from the server's statistics (a
#: scan of every node and relationship took 140 ms on 13k nodes / 91k relationships on FalkorDB)
COUNT_NODES = " UNION ALL ".join(f"MATCH (n:`{label}`) RETURN '{label}' AS name, count(n) AS c" for label in LABELS)


def count_relationships(rel_type: str) -> str:
    """One row ``c``: how many relationships of ``rel_type``. FalkorDB answers exactly this
    shape from its statistics (0.4 ms); with any other column, or inside a UNION, it
    counts them one by one (10 ms per type on 91k relationships, 110 ms for all)."""
    return f"MATCH ()-[r:`{check_type(rel_type)}`]->() RETURN count(r) AS c"


def export_nodes(dialect: Dialect | None = None) -> str:
    d = dialect or NEO4J
    return ("MATCH (n) WHERE n._doc_props IS NOT NULL RETURN labels(n) AS labels, n.id AS id, "
            f"{d.large('n', 'n._doc_props')} AS doc_props, {d.big('n')} AS big")


def export_edges(dialect: Dialect | None = None) -> str:
    return ("MATCH (a)-[r]->(b) WHERE r._doc_props IS NOT NULL "
            f"RETURN a.id AS s, type(r) AS t, b.id AS o, {_edge_columns(dialect or NEO4J)}")


def node_entries(label: str, dialect: Dialect | None = None) -> str:
    """Every node of ``label`` with its per-document entries (``doc_props``)."""
    d = dialect or NEO4J
    return (f"MATCH (n:{check_label(label)}) WHERE n._doc_props IS NOT NULL RETURN labels(n) AS labels, "
            f"n.id AS id, {d.large('n', 'n._doc_props')} AS doc_props, {d.big('n')} AS big")


def relationship_types_except(excluded: Iterable[str]) -> list[str]:
    skip = set(excluded)
    return [t for t in REL_TYPES if t not in skip]
