"""The graph's typed values: what resolution produces and every store accepts.

Labels and relationship types come only from :data:`SCHEMA`; nothing read
from a note ever becomes a label or a type (that is what keeps Cypher safe).

Example
-------
>>> kolla = Node(node_id("Project", "kolla"), "Project", "Kolla", props={"kind": "team"})
>>> kolla.id
'project:kolla'
>>> ev = Evidence("doc:1", "Kolla and TripleO agreed.", 0, 25)
>>> Edge("project:kolla", "project:tripleo", "COLLABORATES_WITH", [ev]).key
('project:kolla', 'COLLABORATES_WITH', 'project:tripleo')
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Sequence

__all__ = [
    "LABELS", "REL_TYPES", "SCHEMA", "DECISION_STATUSES", "PROJECT_KINDS",
    "Evidence", "Node", "Edge", "DocumentGraph", "GraphExport",
    "normalize", "normalize_many", "slug", "node_id",
]

LABELS = ("Person", "Project", "Topic", "Decision", "Session", "Event", "Document")

# relationship type -> allowed (source label, target label) pairs
SCHEMA: dict[str, set[tuple[str, str]]] = {
    "DISCUSSED": {("Person", "Topic"), ("Project", "Topic")},
    "COLLABORATES_WITH": {("Project", "Project")},
    "PARTICIPATED_IN": {("Person", "Session"), ("Project", "Session")},
    "MEMBER_OF": {("Person", "Project")},
    "PART_OF": {("Session", "Event")},
    "COVERED": {("Session", "Topic")},
    "MADE_IN": {("Decision", "Session")},
    "ABOUT": {("Decision", "Topic")},
    "INVOLVES": {("Decision", "Project")},
    "ASSIGNED_TO": {("Decision", "Person")},
    "RECORDS": {("Document", "Session")},
}
REL_TYPES = tuple(SCHEMA)
DECISION_STATUSES = ("agreed", "action", "proposed", "open")
PROJECT_KINDS = ("team", "deliverable", "sig", "committee", "popup", "board", "external")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Case-, diacritic- and whitespace-insensitive key for matching names.

    >>> normalize("  Cédric   Jeanneret ")
    'cedric jeanneret'
    """
    if text.isascii():  # most text: no diacritics to strip, and split() is the same whitespace
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped.casefold()).strip()


def normalize_many(texts: Sequence[str]) -> list[str]:
    """``[normalize(t) for t in texts]`` for a million quotes at once: the ASCII ones are
    folded together, in one pass of C code over their joined text.

    >>> normalize_many(["  Kolla  and TripleO ", "C\u00e9dric", ""])
    ['kolla and tripleo', 'cedric', '']
    """
    out: list[str | None] = [None] * len(texts)
    plain = [i for i, t in enumerate(texts) if t.isascii() and "\x00" not in t]
    if plain:
        joined = " ".join("\x00".join([texts[i] for i in plain]).lower().split())  # NUL is no whitespace
        folded = joined.replace(" \x00", "\x00").replace("\x00 ", "\x00").split("\x00")
        for i, f in zip(plain, folded):
            out[i] = f.strip(" ")
    for i, t in enumerate(texts):
        if out[i] is None:
            out[i] = normalize(t)
    return out  # type: ignore[return-value]


def slug(text: str) -> str:
    """Example.

    >>> slug("Container health checks!")
    'container-health-checks'
    """
    return re.sub(r"[^a-z0-9]+", "-", normalize(text)).strip("-") or "x"


def node_id(label: str, key: str) -> str:
    """Deterministic node id: the same entity gets the same id in every run and store."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}")
    return f"{label.lower()}:{key if label in ('Decision', 'Document') else slug(key)}"


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: ``quote == document_text[start:end]`` (a sentence or line)."""

    doc: str
    quote: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        return {"doc": self.doc, "quote": self.quote, "start": self.start, "end": self.end}


@dataclass
class Node:
    """An entity. ``props`` holds label-specific properties (``kind`` for projects,
    ``text``/``status`` for decisions, ``cycle``/``location``/``start``/``end`` for events,
    ``date`` for sessions, ``source``/``kind``/``title`` for documents)."""

    id: str
    label: str
    name: str
    aliases: list[str] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"unknown label {self.label!r}")


@dataclass
class Edge:
    """A fact between two nodes with the evidence that supports it.

    ``props`` are type-specific: ``topics`` (list) on COLLABORATES_WITH, ``role``
    on MEMBER_OF. ``weight`` in exports is the number of evidence items.
    """

    source: str
    target: str
    type: str
    evidence: list[Evidence] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in SCHEMA:
            raise ValueError(f"unknown relationship type {self.type!r}")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.type, self.target)


@dataclass
class DocumentGraph:
    """Everything one document contributes: its ``Document`` node first, then the
    nodes and edges read from it. Stores replace a document's contribution whole."""

    doc_id: str
    content_hash: str
    nodes: list[Node]
    edges: list[Edge]

    def check(self) -> None:
        """Raise ValueError if a node or edge breaks the schema or an edge points at a
        missing node (fields can be reassigned after construction: check them all here)."""
        for n in self.nodes:
            if n.label not in LABELS:
                raise ValueError(f"unknown label {n.label!r}")
        labels = {n.id: n.label for n in self.nodes}
        for e in self.edges:
            if e.type not in SCHEMA:
                raise ValueError(f"unknown relationship type {e.type!r}")
            pair = (labels.get(e.source), labels.get(e.target))
            if None in pair:
                raise ValueError(f"edge {e.key} points at a node not in this document graph")
            if pair not in SCHEMA[e.type]:
                raise ValueError(f"{e.type} may not link {pair[0]} to {pair[1]}")


@dataclass
class GraphExport:
    """The whole graph with merged properties, as ``ptgkg export`` writes it."""

    nodes: list[Node]
    edges: list[Edge]

    def to_json_dict(self) -> dict[str, Any]:
        nodes = []
        for n in sorted(self.nodes, key=lambda n: n.id):
            d = {"id": n.id, "label": n.label, "name": n.name, "aliases": sorted(set(n.aliases))}
            d.update({k: v for k, v in sorted(n.props.items()) if k not in d})
            nodes.append(d)
        edges = []
        for e in sorted(self.edges, key=lambda e: e.key):
            ev = sorted({(x.doc, x.start, x.end, x.quote) for x in e.evidence})
            d = {"source": e.source, "target": e.target, "type": e.type, "weight": len(ev),
                 "evidence": [{"doc": a, "quote": q, "start": s, "end": t} for a, s, t, q in ev]}
            d.update({k: v for k, v in sorted(e.props.items()) if k not in d})
            edges.append(d)
        return {"nodes": nodes, "edges": edges}
