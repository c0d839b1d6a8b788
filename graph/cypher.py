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
  behind a generation guard. Its Bolt layer also splices parameters into a
  fixed 4 KiB buffer without escaping quotes, so :meth:`Dialect.prepare` sends
  FalkorDB's own parameter syntax (a ``CYPHER name=<literal> ...`` header, with
  strings escaped) instead of Bolt parameters: values stay parameters.

>>> falkordb_literal("it's")
"'it\\\\'s'"
>>> FALKORDB.prepare("RETURN $x AS x", {"x": [1, "a"]})
("CYPHER x=[1, 'a'] RETURN $x AS x", {})
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
    "READ_DOCUMENT", "LIST_DOCUMENTS", "read_nodes", "read_edges",
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
def falkordb_literal(value: Any) -> str:
    """A Cypher literal FalkorDB parses back to ``value`` (strings escaped; NUL dropped,
    as FalkorDB strings are C strings)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot send {value!r} to FalkorDB")
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\x00", "")
        return f"'{escaped}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(falkordb_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = []
        for key, v in value.items():
            if not isinstance(key, str) or not _IDENT.match(key):
                raise ValueError(f"map key {key!r} cannot be sent to FalkorDB")
            items.append(f"`{key}`: {falkordb_literal(v)}")
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"cannot send a {type(value).__name__} to FalkorDB")


@dataclass(frozen=True)
class Dialect:
    """What differs between Bolt servers. ``transactional``: BEGIN/COMMIT are real."""

    name: str
    transactional: bool
    inline_parameters: bool

    def prepare(self, query: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """The (query, parameters) to send: unchanged for Neo4j; for FalkorDB the
        parameters move into its ``CYPHER name=value`` header (see module docstring)."""
        params = params or {}
        if not self.inline_parameters or not params:
            return query, params
        header = []
        for name, value in params.items():
            if not _IDENT.match(name):
                raise ValueError(f"bad parameter name {name!r}")
            header.append(f"{name}={falkordb_literal(value)}")
        return "CYPHER " + " ".join(header) + " " + query, {}

    def schema_statements(self, existing: set[tuple[str, str]] = frozenset()) -> list[str]:
        """Uniqueness (Neo4j) or an index (FalkorDB) on every label's key."""
        keys = [(label, "id") for label in LABELS] + [(META_LABEL, "key")]
        if self.name == "neo4j":
            return [f"CREATE CONSTRAINT ptgkg_{label.lower()}_{prop} IF NOT EXISTS "
                    f"FOR (n:`{check_label(label)}`) REQUIRE n.`{prop}` IS UNIQUE" for label, prop in keys]
        return [f"CREATE INDEX FOR (n:`{check_label(label)}`) ON (n.`{prop}`)"
                for label, prop in keys if (label, prop) not in existing]

    def shortest_path(self, source_label: str | None, target_label: str | None, max_hops: int) -> str:
        """Parameters: ``$source``, ``$target``, ``$types`` (allowed relationship types).
        Returns ``ids`` and ``types`` along one shortest undirected path."""
        hops = int(max_hops)
        head = (f"MATCH ({label_pattern('a', source_label)} {{id: $source}}), "
                f"({label_pattern('b', target_label)} {{id: $target}}) ")
        if self.name == "neo4j":
            return (head + f"MATCH p = shortestPath((a)-[*..{hops}]-(b)) "
                    "WHERE all(r IN relationships(p) WHERE type(r) IN $types) "
                    "AND none(x IN nodes(p)[1..-1] WHERE x:Document) "
                    "RETURN [x IN nodes(p) | x.id] AS ids, [r IN relationships(p) | type(r)] AS types")
        # FalkorDB: shortestPath() is directed-only; its algo.SPpaths walks both directions
        return (head + "CALL algo.SPpaths({sourceNode: a, targetNode: b, relTypes: $types, "
                f"relDirection: 'both', maxLen: {hops}}}) YIELD path "
                "RETURN [x IN nodes(path) | x.id] AS ids, [r IN relationships(path) | type(r)] AS types")

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


def read_nodes(label: str | None) -> str:
    """Parameters: ``$ids``. Per node: its per-document entries and degree."""
    return (f"UNWIND $ids AS id MATCH ({label_pattern('n', label)} {{id: id}}) "
            "RETURN labels(n) AS labels, n.id AS id, n._doc_props AS doc_props, "
            "size([(n)--() | 1]) AS degree")


def read_edges(rel_type: str, source_label: str, target_label: str) -> str:
    """Parameters: ``$rows`` of ``{s, t}``."""
    return (f"UNWIND $rows AS row MATCH (a:`{check_label(source_label)}` {{id: row.s}})"
            f"-[r:`{check_type(rel_type)}`]->(b:`{check_label(target_label)}` {{id: row.t}}) "
            "RETURN row.s AS s, row.t AS t, r._doc_props AS doc_props")


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
            "RETURN startNode(r).id AS s, type(r) AS t, endNode(r).id AS o, r._doc_props AS doc_props")


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
                "RETURN a.id AS s, type(r) AS t, b.id AS o, r._doc_props AS doc_props")
#: Parameters ``$labels``.
ALIAS_TABLE = ("MATCH (n) WHERE n._doc_props IS NOT NULL AND labels(n)[0] IN $labels "
               "RETURN n.id AS id, labels(n)[0] AS label, n.name AS name, n.aliases AS aliases")


def relationship_types_except(excluded: Iterable[str]) -> list[str]:
    skip = set(excluded)
    return [t for t in REL_TYPES if t not in skip]
