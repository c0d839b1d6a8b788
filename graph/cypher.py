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
    "falkordb_literal", "label_pattern",
    "PROBE_NEO4J", "PROBE_FALKORDB", "FALKORDB_INDEXES", "ENSURE_META", "LOCK_META", "READ_META",
    "READ_DOCUMENT", "LIST_DOCUMENTS", "read_state", "edges_many", "neighbours", "BOLT_PARAMETER_BUDGET",
    "delete_edges", "delete_nodes", "upsert_nodes", "upsert_edges",
    "FIND_NODES", "find_nodes", "GET_NODES_ANY", "get_nodes", "node_edges", "SEARCH", "top_nodes",
    "COUNTS", "EXPORT_NODES", "EXPORT_EDGES", "ALIAS_TABLE", "WIPE", "WriteStep",
    "relationship_types_except",
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
            _literal_parts(v, out)
        out.append("}")
    elif kind is list or kind is tuple:
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


@dataclass(frozen=True)
class Dialect:
    """What differs between Bolt servers. ``transactional``: BEGIN/COMMIT are real.
    ``inline_parameters``: parameters that Bolt would mangle go in FalkorDB's header."""

    name: str
    transactional: bool
    inline_parameters: bool

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
        out = ["CYPHER"]
        for name, value in params.items():
            if not _IDENT.match(name):
                raise ValueError(f"bad parameter name {name!r}")
            out.append(f" {name}=")
            _literal_parts(value, out)
        out.append(" ")
        out.append(query)
        return "".join(out), {}

    def schema_statements(self, existing: set[tuple[str, str]] = frozenset()) -> list[str]:
        """Uniqueness (Neo4j) or an index (FalkorDB) on every label's key."""
        keys = [(label, "id") for label in LABELS] + [(META_LABEL, "key")]
        if self.name == "neo4j":
            return [f"CREATE CONSTRAINT ptgkg_{label.lower()}_{prop} IF NOT EXISTS "
                    f"FOR (n:`{check_label(label)}`) REQUIRE n.`{prop}` IS UNIQUE" for label, prop in keys]
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


NEO4J = Dialect("neo4j", transactional=True, inline_parameters=False)
FALKORDB = Dialect("falkordb", transactional=False, inline_parameters=True)


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
READ_DOCUMENT = (
    "MATCH (d:Document {id: $doc}) "
    "RETURN d.content_hash AS content_hash, d._rows_hash AS rows_hash, d._seq AS seq, "
    "d._node_ids AS node_ids, d._node_labels AS node_labels, "
    "d._edge_src AS edge_src, d._edge_type AS edge_type, d._edge_tgt AS edge_tgt")
LIST_DOCUMENTS = "MATCH (d:Document) WHERE d._seq IS NOT NULL RETURN d.id AS id ORDER BY d._seq"


#: the evidence of relationship ``r`` as four parallel lists (doc, quote, start, end)
_EVIDENCE = "[r.ev_doc, r.ev_quote, r.ev_start, r.ev_end]"


def read_state(doc_id: str | None, node_groups: dict[str, list[str]],
               edge_groups: dict[tuple[str, str, str], list[dict]]) -> tuple[str, dict[str, Any]]:
    """ONE statement reading what replacing a document needs (one round trip, one
    consistent snapshot on FalkorDB): with ``doc_id``, a ``meta`` row (``key`` the
    generation, ``doc_props`` the stored content hash, ``extra`` the document's
    bookkeeping, or no row when the meta node is missing); a ``node`` row per existing
    node of ``node_groups`` (label -> ids); an ``edge`` row per existing relationship
    of ``edge_groups`` ((type, source label, target label) -> ``{s, t}`` rows), with
    its evidence lists in ``extra``. Index lookups by label throughout.

    Returns ``(query, params)``; an empty query when there is nothing to read."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if doc_id is not None:
        params["doc"] = doc_id
        parts.append(f"MATCH (g:`{META_LABEL}` {{key: 'graph'}}) OPTIONAL MATCH (d:Document {{id: $doc}}) "
                     "RETURN 'meta' AS kind, g.generation AS key, d.content_hash AS doc_props, "
                     "[d IS NOT NULL, d._rows_hash, d._node_ids, d._node_labels, d._edge_src, d._edge_type, d._edge_tgt, "
                     "g.store_id] AS extra")
    for i, (label, ids) in enumerate(sorted(node_groups.items())):
        if ids:
            params[f"n{i}"] = ids
            parts.append(f"UNWIND $n{i} AS id MATCH (n:`{check_label(label)}` {{id: id}}) "
                         "RETURN 'node' AS kind, id AS key, n._doc_props AS doc_props, null AS extra")
    for i, ((rel_type, source, target), rows) in enumerate(sorted(edge_groups.items())):
        if rows:
            t = check_type(rel_type)
            params[f"e{i}"] = rows
            parts.append(f"UNWIND $e{i} AS row MATCH (a:`{check_label(source)}` {{id: row.s}})"
                         f"-[r:`{t}`]->(b:`{check_label(target)}` {{id: row.t}}) "
                         f"RETURN 'edge' AS kind, [row.s, '{t}', row.t] AS key, r._doc_props AS doc_props, "
                         f"{_EVIDENCE} AS extra")
    return " UNION ALL ".join(parts), params


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
_NODE_COLUMNS = ("labels(n) AS labels, n.id AS id, n._doc_props AS doc_props, "
                 "size([(n)--() | 1]) AS degree")


def find_nodes(label: str | None) -> str:
    """Parameters: ``$ids`` (exact ids), ``$key`` (normalized name)."""
    return (f"MATCH ({label_pattern('n', label)}) WHERE n._doc_props IS NOT NULL "
            f"AND (n.id IN $ids OR $key IN n._keys) RETURN n._name_key AS name_key, {_NODE_COLUMNS}")


FIND_NODES = find_nodes(None)
GET_NODES_ANY = f"MATCH (n) WHERE n._doc_props IS NOT NULL AND n.id IN $ids RETURN {_NODE_COLUMNS}"


def get_nodes(label: str) -> str:
    return f"UNWIND $ids AS id MATCH (n:`{check_label(label)}` {{id: id}}) RETURN {_NODE_COLUMNS}"


def node_edges(label: str | None, direction: str) -> str:
    """Parameters: ``$id``, ``$types`` (None for all). Each relationship once."""
    arrow = {"out": "-[r]->", "in": "<-[r]-", "both": "-[r]-"}[direction]
    return (f"MATCH ({label_pattern('n', label)} {{id: $id}}){arrow}() "
            "WHERE $types IS NULL OR type(r) IN $types WITH DISTINCT r "
            "RETURN startNode(r).id AS s, type(r) AS t, endNode(r).id AS o, r._doc_props AS doc_props, "
            f"{_EVIDENCE} AS ev")


def edges_many(label: str | None, direction: str) -> str:
    """Parameters: ``$ids`` (nodes of ``label``, or of any label when None), ``$types``
    (None for all). One row per (node, relationship at it); a self-loop once."""
    arrow = {"out": "-[r]->", "in": "<-[r]-", "both": "-[r]-"}[direction]
    match = (f"UNWIND $ids AS id MATCH ({label_pattern('n', label)} {{id: id}}){arrow}()" if label else
             f"MATCH (n){arrow}() WHERE n.id IN $ids")
    return (f"{match} {'AND' if not label else 'WHERE'} ($types IS NULL OR type(r) IN $types) "
            "WITH DISTINCT n.id AS at, r "
            "RETURN at, startNode(r).id AS s, type(r) AS t, endNode(r).id AS o, r._doc_props AS doc_props, "
            f"{_EVIDENCE} AS ev")


def neighbours(label: str | None) -> str:
    """Parameters: ``$ids`` (nodes of ``label``, any label when None), ``$types``. One row per
    (node, relationship type, neighbour): ids and the neighbour's label only."""
    match = (f"UNWIND $ids AS id MATCH ({label_pattern('n', label)} {{id: id}})-[r]-(m)" if label else
             "MATCH (n)-[r]-(m) WHERE n.id IN $ids")
    return (f"{match} {'WHERE' if label else 'AND'} type(r) IN $types "
            "RETURN DISTINCT n.id AS a, type(r) AS t, m.id AS b, labels(m)[0] AS label")


#: Parameters ``$q`` (normalized text), ``$limit``. Rank: 0 name, 1 alias, 2 decision
#: text, 3 an evidence quote on one of the node's relationships (not for Documents).
SEARCH = (
    "MATCH (n) WHERE n._doc_props IS NOT NULL "
    "WITH n, CASE WHEN n._name_key CONTAINS $q THEN 0 "
    "WHEN any(k IN n._alias_keys WHERE k CONTAINS $q) THEN 1 "
    "WHEN n._text_key IS NOT NULL AND n._text_key CONTAINS $q THEN 2 ELSE 3 END AS rank "
    "WITH n, rank, CASE WHEN rank = 3 AND NOT n:Document THEN "
    "head([(n)-[r]-() WHERE any(k IN r._ev_key WHERE k CONTAINS $q) | "
    "[i IN range(0, size(r._ev_key) - 1) WHERE r._ev_key[i] CONTAINS $q | r.ev_quote[i]][0]]) "
    "END AS quote "
    "WHERE rank < 3 OR quote IS NOT NULL "
    "WITH n, rank, quote, size([(n)--() | 1]) AS degree "
    "RETURN labels(n) AS labels, n.id AS id, n._doc_props AS doc_props, degree, rank, quote, "
    "n.name AS name, n.aliases AS aliases, n.text AS text "
    "ORDER BY rank, degree DESC, n.name, n.id LIMIT $limit")


def top_nodes(label: str) -> str:
    """Parameters: ``$limit``."""
    return (f"MATCH (n:`{check_label(label)}`) WITH n, size([(n)--() | 1]) AS degree "
            "RETURN labels(n) AS labels, n.id AS id, n._doc_props AS doc_props, degree "
            "ORDER BY degree DESC, n.name, n.id LIMIT $limit")


COUNTS = ("MATCH (n) WITH labels(n)[0] AS label, count(*) AS c WITH collect([label, c]) AS nodes "
          "OPTIONAL MATCH ()-[r]->() WITH nodes, type(r) AS t, count(r) AS c "
          "RETURN nodes, collect([t, c]) AS edges")
EXPORT_NODES = "MATCH (n) WHERE n._doc_props IS NOT NULL RETURN labels(n) AS labels, n.id AS id, n._doc_props AS doc_props"
EXPORT_EDGES = ("MATCH (a)-[r]->(b) WHERE r._doc_props IS NOT NULL "
                f"RETURN a.id AS s, type(r) AS t, b.id AS o, r._doc_props AS doc_props, {_EVIDENCE} AS ev")
#: Parameters ``$labels``.
ALIAS_TABLE = ("MATCH (n) WHERE n._doc_props IS NOT NULL AND labels(n)[0] IN $labels "
               "RETURN n.id AS id, labels(n)[0] AS label, n.name AS name, n.aliases AS aliases")


def relationship_types_except(excluded: Iterable[str]) -> list[str]:
    skip = set(excluded)
    return [t for t in REL_TYPES if t not in skip]
