"""The one interface every graph store implements (embedded SQLite+networkx, Neo4j over Bolt).

Semantics every store must share (checked by ``tests/test_store_contract.py``):

* ``write_document(g)`` replaces document ``g.doc_id``'s whole contribution in
  one transaction: its evidence, its per-document node/edge properties and
  aliases go, the new ones come. An edge or node survives while any document
  still supports it. Writing the same graph twice changes nothing.
* Node properties are merged over supporting documents in :func:`merge_order`
  (the document's date, then its id; not the order they were ingested in), the
  later document winning on conflicts; ``aliases`` are the union. Edge ``props``
  lists (such as ``topics``) are unions in that order; scalars take the latest
  document's value. So the merged graph is the same however the documents
  arrived: in one run, in shards on several machines, or an old note ingested late.
* A node is supported by a document when the document's graph lists it; nodes
  no document supports any more are deleted with their edges.
* Per-document properties whose names start with ``_`` are bookkeeping: kept in
  :meth:`GraphStore.document_graphs`, left out of merged nodes (:func:`public_props`).
* Names are matched case-, diacritic- and whitespace-insensitively
  (:func:`ptgkg.graph.model.normalize`) against ``name`` and ``aliases``.
* Nodes and edges returned by the reading methods are read-only: a store may share
  them with its cache (callers copy before changing them).
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal

from ..model import Edge, GraphExport, Node, DocumentGraph

__all__ = ["GraphStore", "WriteResult", "StoreError", "PathResult", "Direction",
           "merge_props", "public_props", "merge_order", "merge_order_key", "search_snippet", "canonical_json"]

Direction = Literal["out", "in", "both"]


def canonical_json(value) -> str:
    """The JSON both stores keep per-document rows in (stable, so equal rows compare equal)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def merge_props(target: dict, props: dict) -> None:
    """Fold one document's props into ``target``, the merge rule every store shares:
    lists union, scalars latest-wins, ``None`` never erases a value another document gave.

    >>> merged = {"topics": ["health checks"], "role": "core"}
    >>> merge_props(merged, {"topics": ["CI", "health checks"], "role": None})
    >>> merged
    {'topics': ['health checks', 'CI'], 'role': 'core'}
    """
    for key, value in props.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            old = target.get(key)
            merged = list(old) if isinstance(old, list) else []
            merged.extend(v for v in value if v not in merged)
            target[key] = merged
        else:
            target[key] = value


def merge_order_key(doc_id: str, date: object = None, event_starts: Iterable[object] = ()) -> str:
    """The sort key :func:`merge_order` computes, from its parts (stores migrating old
    rows call this directly): the note's date, else its PTG's start, then the id.
    Undated notes come first, so a dated one wins over them.

    >>> merge_order_key("doc:b", "2024-04-10T09:00:00Z") < merge_order_key("doc:a", "2024-10-21")
    True
    >>> merge_order_key("doc:a", None, ["2018-09-10"])
    '2018-09-10 doc:a'
    """
    when = str(date or "")[:10] or min((str(s)[:10] for s in event_starts if s), default="")
    return f"{when} {doc_id}"


def merge_order(graph: DocumentGraph) -> str:
    """Where a document stands among the others when their facts conflict (the later
    wins): its date, or the start of the PTG it records, then its id. Every store merges
    in this order, so concurrent shards, resumed runs and old notes ingested late all
    give the graph one run over the whole corpus gives.

    >>> from ..model import Node
    >>> g = DocumentGraph("doc:1", "h", [Node("doc:1", "Document", "Kolla", [], {"date": "2024-10-21"})], [])
    >>> merge_order(g)
    '2024-10-21 doc:1'
    """
    doc = next((n for n in graph.nodes if n.id == graph.doc_id), None)
    starts = [n.props.get("start") for n in graph.nodes if n.label == "Event"]
    return merge_order_key(graph.doc_id, doc.props.get("date") if doc else None, starts)


def public_props(props: dict) -> dict:
    """A merged node's properties without the per-document bookkeeping ones (names
    starting with ``_``, such as :data:`ptgkg.graph.resolve.SEEN_AS`): those stay in
    the document's own entry (:meth:`GraphStore.document_graphs`), never in answers.

    >>> public_props({"irc": "tengu", "_seen_as": ["tengu"]})
    {'irc': 'tengu'}
    """
    return {k: v for k, v in props.items() if not k.startswith("_")}


def search_snippet(original: str, folded: str, query: str, width: int = 160) -> str:
    """The matching text, or a window of it around the match when it is long."""
    if len(original) <= width:
        return original
    at = original.casefold().find(query)
    if at < 0:  # diacritics or spacing differ: the folded position is close enough
        at = min(folded.find(query), len(original) - 1)
    start = max(0, at - width // 3)
    end = min(len(original), start + width)
    return ("…" if start else "") + original[start:end].strip() + ("…" if end < len(original) else "")


class StoreError(Exception):
    """A store could not be opened or written; ``str(exc)`` is one line for the user
    (it names the store, never a password)."""


@dataclass
class WriteResult:
    nodes_added: int = 0
    edges_added: int = 0
    nodes_removed: int = 0
    edges_removed: int = 0
    unchanged: bool = False


@dataclass
class PathResult:
    """Alternating nodes and relationship types: nodes[i] -[types[i]]- nodes[i+1]."""

    nodes: list[Node] = field(default_factory=list)
    types: list[str] = field(default_factory=list)


class GraphStore(ABC):
    """Abstract store. Open with :func:`ptgkg.graph.stores.open_store`."""

    #: a short human description (folder path or URI without credentials)
    location: str = ""
    read_only: bool = False

    # -- writing -------------------------------------------------------------
    @abstractmethod
    def document_hash(self, doc_id: str) -> str | None:
        """The content hash stored for a document, or None if it is not stored."""

    @abstractmethod
    def write_document(self, graph: DocumentGraph) -> WriteResult:
        """Replace one document's facts atomically (see module docstring)."""


    @abstractmethod
    def remove_document(self, doc_id: str) -> WriteResult:
        """Remove one document's contribution (as if written with no facts)."""

    # -- reading primitives --------------------------------------------------
    @abstractmethod
    def find_nodes(self, name: str, label: str | None = None, limit: int = 10) -> list[Node]:
        """Nodes whose id equals ``name`` or whose name/alias matches it (normalized),
        best match first (exact id, then name, then alias; ties by degree)."""

    @abstractmethod
    def get_nodes(self, ids: Iterable[str]) -> list[Node]:
        """The nodes with these ids (missing ids are skipped), merged properties."""

    @abstractmethod
    def edges(self, node_id: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        """Edges at a node with merged props and all their evidence."""

    def edges_many(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                   direction: Direction = "both") -> dict[str, list[Edge]]:
        """:meth:`edges` for several nodes at once: ``{node id: its edges}`` (ids that are
        not in the graph map to ``[]``). Stores override it to answer in one round trip."""
        wanted = None if types is None else sorted(set(types))
        return {nid: self.edges(nid, wanted, direction) for nid in dict.fromkeys(node_ids)}

    def edge_keys(self, node_ids: Iterable[str], types: Iterable[str] | None = None,
                  direction: Direction = "both") -> dict[str, list[tuple[str, str, str]]]:
        """The keys ``(source, type, target)`` of the relationships with evidence at each
        node, in :meth:`edges`' order: ``{node id: keys}`` (``[]`` for ids not in the
        graph). What an answer reads when only the ends count (which decisions involve
        which projects), without their quotes and properties: stores override it to
        read no evidence at all."""
        return {nid: [e.key for e in edges if e.evidence]
                for nid, edges in self.edges_many(node_ids, types, direction).items()}

    def edges_between(self, pairs: Iterable[tuple[str, str]], types: Iterable[str] | None = None
                      ) -> dict[tuple[str, str], list[Edge]]:
        """The relationships (of ``types``; None: all) joining each pair of nodes, in either
        direction: ``{(a, b): edges}``, each list in :meth:`edges`' order. What the hops of
        a path show, without reading every relationship at a busy end (stores override it
        to read the pairs alone)."""
        pairs = list(dict.fromkeys(pairs))
        at = self.edges_many({a for a, _ in pairs}, types, "both")
        return {(a, b): [e for e in at[a] if {e.source, e.target} == {a, b}] for a, b in pairs}

    @abstractmethod
    def search(self, text: str, limit: int = 20) -> list[tuple[Node, str]]:
        """Nodes whose name, aliases, decision text or evidence quotes contain
        ``text`` (case-insensitive), with the matching snippet."""

    @abstractmethod
    def top_nodes(self, label: str, limit: int = 10) -> list[tuple[Node, int]]:
        """The most connected nodes of a label, with their degree."""

    def event_counts(self) -> dict[str, tuple[int, int]]:
        """``{event id: (sessions, documents)}`` for every Event: how many sessions are
        PART_OF it and how many Documents RECORD those sessions, counting only
        relationships with evidence (what the overview's PTG timeline shows). Stores
        override it to count without reading every Document; this default reads them."""
        nodes = self.counts()["nodes"]

        def every(label: str) -> list[str]:
            total = nodes.get(label, 0)
            return [n.id for n, _ in self.top_nodes(label, total)] if total else []

        events_of: dict[str, list[str]] = {}  # session -> its events
        sessions: dict[str, int] = {}
        for event, edges in self.edges_many(every("Event"), ["PART_OF"], "in").items():
            found = [e for e in edges if e.evidence]
            sessions[event] = len(found)
            for e in found:
                events_of.setdefault(e.source, []).append(event)
        documents: dict[str, set[str]] = {event: set() for event in sessions}
        for doc, edges in self.edges_many(every("Document"), ["RECORDS"], "out").items():
            for e in edges:
                if e.evidence:
                    for event in events_of.get(e.target, ()):
                        documents[event].add(doc)
        return {event: (n, len(documents[event])) for event, n in sessions.items()}

    @abstractmethod
    def shortest_path(self, source_id: str, target_id: str, max_hops: int = 6) -> PathResult | None:
        """A shortest undirected path, ignoring Document nodes; None if there is none."""

    @abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {label: n}, "edges": {type: n}}`` including zero for unused ones."""

    @abstractmethod
    def export(self) -> GraphExport:
        """The whole graph."""

    @abstractmethod
    def document_graphs(self) -> Iterator[DocumentGraph]:
        """Each stored document's own contribution, as it was written (per-document
        properties and evidence), so a graph can be copied between stores."""

    def document_graph(self, doc_id: str) -> DocumentGraph | None:
        """One stored document's own contribution (as :meth:`document_graphs` gives it),
        or None when the document is not stored."""
        return next((g for g in self.document_graphs() if g.doc_id == doc_id), None)

    def node_entries(self, label: str) -> list[tuple[str, Node]]:
        """Every document's own entry for the nodes of ``label``, as that document wrote
        it (bookkeeping properties included), as ``(document id, node)`` in
        :func:`merge_order`: what resolution across documents reads."""
        kept = sorted(((merge_order(graph), graph.doc_id, [n for n in graph.nodes if n.label == label])
                       for graph in self.document_graphs()), key=lambda k: k[0])
        return [(doc_id, n) for _, doc_id, nodes in kept for n in nodes]

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Group the reads of one answer: a store that caches the graph checks once, on
        entry, whether another process changed it, instead of on every call, so the
        answer is read from one version. Nesting is allowed."""
        yield

    def generation(self) -> str:
        """Changes whenever the stored graph changes (for cache invalidation)."""
        return ""

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
