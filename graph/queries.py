"""The questions users ask, answered over any :class:`GraphStore` through its primitives.

Each function walks the graph from the node a name resolves to, using only
``find_nodes`` / ``get_nodes`` / ``edges`` / ``search`` / ``top_nodes`` /
``shortest_path`` / ``counts`` / ``event_counts``, so it runs natively on the
embedded store and on Neo4j without loading the whole graph. Answers are typed
dataclasses with a ``to_dict()`` (for ``--json``); every fact comes with the quoted
evidence that supports it, and facts without evidence are never returned.

Evidence is put in context (:class:`EvidenceView`): its document, the session
whose heading precedes it in that document (from the document's ``RECORDS``
edges, whose evidence is the session heading line), the session's event, and
a date.

Answers stay small on a graph of many years of PTGs: long lists keep their best or
newest entries (``LIST_LIMIT``, ``DECISION_LIMIT``, ``EVIDENCE_PER_ITEM`` quotes per
item) and say how many there are in all (``totals``, ``mentions``). Each answer reads
through ``edges_many`` with every id a step needs, inside one ``store.snapshot()``, and
evidence context is cached per store and graph version (:func:`clear_caches`).

Rankings favour what is current: an evidence item counts
``0.5 ** (age_in_years / 2)``, its age measured from the newest dated evidence
in the same answer, so the people at the top are the ones to ask now.

Example
-------
>>> import tempfile
>>> from ptgkg.graph.stores import open_store
>>> with open_store(tempfile.mkdtemp() + "/kg") as store:
...     who_discussed(store, "health checks") is None
True
"""
from __future__ import annotations

import gc
import heapq
import itertools
import operator
import threading
import weakref
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Iterator, NamedTuple

from . import answers
from .model import DECISION_STATUSES, LABELS, REL_TYPES, Edge, Evidence, GraphExport, Node, normalize
from .stores.base import Direction, GraphStore, PathResult

__all__ = [
    "NotFound", "EvidenceView", "Involvement", "DecisionView", "DecisionRow", "CollaborationView", "Collaborations",
    "TopicAnswer", "Profile", "EventView", "Overview", "PathView", "SearchHit",
    "resolve", "evidence_views", "who_discussed", "collaborations", "collaborators", "DecisionsAnswer",
    "decisions_answer", "decisions", "decision_views",
    "decision_log", "DecisionPage", "DECISION_PAGE", "decision_log_page", "related_decision_log", "profile",
    "path", "search", "neighbourhood", "overview", "nodes_of_label", "node_dict", "recency_weight",
    "clear_caches", "collector_paused",
]

HALF_LIFE_YEARS = 2.0
# Answers stay bounded on a graph of years of PTGs: long lists keep their best (or newest)
# entries and say how many there are in all (``totals``, ``mentions``, ``decision_count``).
EVIDENCE_PER_ITEM = 20        # quotes per person, topic, session or decision, newest first
LIST_LIMIT = 50               # people, topics, projects, sessions in a profile
DECISION_LIMIT = 100          # decisions in a profile or topic answer, newest first
COLLABORATION_DECISIONS = 5   # shared decisions shown per partner project
DECISION_PAGE = 100           # rows per page of the decision log
# which label a bare name most likely means, when several nodes share it
LABEL_PREFERENCE = ("Project", "Person", "Topic", "Event", "Session", "Decision", "Document")


class NotFound(LookupError):
    """A name given to a query matched no node of the expected label (``str()`` is one line)."""


# -- answer types ---------------------------------------------------------------

def node_dict(node: Node) -> dict[str, Any]:
    """A node as the export JSON writes it (id, label, name, aliases, props)."""
    out = {"id": node.id, "label": node.label, "name": node.name, "aliases": sorted(set(node.aliases))}
    out.update({k: v for k, v in sorted(node.props.items()) if k not in out})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Node):
        return node_dict(value)
    if isinstance(value, Evidence):
        return value.as_dict()
    if isinstance(value, Edge):
        return {"source": value.source, "target": value.target, "type": value.type,
                "weight": len(value.evidence), "evidence": [e.as_dict() for e in value.evidence],
                **value.props}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _AsDict:
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (nodes as in the export JSON)."""
        return _plain(self)


@dataclass
class EvidenceView(_AsDict):
    """One quoted sentence in context: its document, session, event and date."""

    doc: str
    quote: str
    start: int
    end: int
    doc_title: str | None = None
    doc_source: str | None = None
    date: str | None = None
    event: str | None = None
    session: str | None = None
    session_id: str | None = None
    event_id: str | None = None


@dataclass
class Involvement(_AsDict):
    """A node ranked for an answer: ``score`` is recency-weighted evidence (or a count,
    where said), ``mentions`` the number of evidence items."""

    node: Node
    score: float = 0.0
    mentions: int = 0
    last_date: str | None = None
    sessions: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass
class DecisionView(_AsDict):
    node: Node
    text: str
    status: str
    sessions: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    date: str | None = None
    topics: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The decision's node id (as :attr:`DecisionRow.id`)."""
        return self.node.id


class DecisionRow(NamedTuple):
    """One decision as a table lists it (:func:`decision_log`): plain values, cheap to make
    for every decision of a large graph. The same facts as its :class:`DecisionView`, with
    its first quote (by document and place) as text and where that quote is from (the
    document's title, else its source, else its id). Lists are shared: read-only."""

    id: str
    text: str
    status: str
    date: str | None
    sessions: list[str]
    events: list[str]
    topics: list[str]
    projects: list[str]
    owners: list[str]
    quote: str
    source: str


@dataclass
class CollaborationView(_AsDict):
    """What a project does with one partner: shared topics, decisions involving both, evidence."""

    partner: Node
    topics: list[str] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    score: float = 0.0
    mentions: int = 0         # evidence items in all (``evidence`` keeps the newest)
    decision_count: int = 0   # shared decisions in all (``decisions`` keeps the newest)


@dataclass
class TopicAnswer(_AsDict):
    """Who discussed a topic: people and projects (who to ask now first), its sessions,
    decisions about it, and topics covered in the same sessions (score = shared sessions)."""

    topic: Node
    people: list[Involvement] = field(default_factory=list)
    projects: list[Involvement] = field(default_factory=list)
    sessions: list[Involvement] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    related_topics: list[Involvement] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # list sizes before trimming


@dataclass
class Profile(_AsDict):
    """Everything to know first about one node (a project, person, topic, or other)."""

    node: Node
    label: str
    kind: str | None = None
    people: list[Involvement] = field(default_factory=list)
    topics: list[Involvement] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    collaborators: list[CollaborationView] = field(default_factory=list)
    projects: list[Involvement] = field(default_factory=list)
    sessions: list[Involvement] = field(default_factory=list)
    events: list[Involvement] = field(default_factory=list)
    documents: list[Involvement] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # list sizes before trimming


@dataclass
class EventView(_AsDict):
    """A PTG on the timeline with how many sessions and documents the graph has for it."""

    node: Node
    start: str | None = None
    end: str | None = None
    sessions: int = 0
    documents: int = 0


@dataclass
class Overview(_AsDict):
    counts: dict[str, dict[str, int]]
    events: list[EventView] = field(default_factory=list)
    top_projects: list[Involvement] = field(default_factory=list)
    top_people: list[Involvement] = field(default_factory=list)
    top_topics: list[Involvement] = field(default_factory=list)


@dataclass
class PathView(PathResult, _AsDict):
    """A :class:`PathResult` with the evidence of each hop (``evidence[i]`` for ``types[i]``)."""

    evidence: list[list[EvidenceView]] = field(default_factory=list)


@dataclass
class SearchHit(_AsDict):
    """A search result; unpacks as ``node, snippet`` like the store's own results."""

    node: Node
    snippet: str

    def __iter__(self):
        return iter((self.node, self.snippet))


# -- dates and weights -----------------------------------------------------------

def _as_date(value: Any) -> date | None:
    """Parse ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``, or an ISO timestamp)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    for candidate in (text[:10], text[:7] + "-01", text[:4] + "-01-01"):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def recency_weight(when: date | None, newest: date | None, undated: float = 1.0) -> float:
    """``0.5 ** (age_in_years / 2)``, age relative to ``newest``; ``undated`` when unknown.

    >>> round(recency_weight(date(2022, 1, 1), date(2024, 1, 1)), 2)
    0.5
    """
    if when is None or newest is None:
        return undated
    age_years = max(0, (newest - when).days) / 365.25
    return 0.5 ** (age_years / HALF_LIFE_YEARS)


class _Weights:
    """Recency weights for one answer: newest dated evidence is the reference; undated
    evidence weighs like the oldest dated one (its age is unknown, not zero)."""

    def __init__(self, dates: Iterable[str | None]) -> None:
        found = [d for d in map(_as_date, set(dates)) if d]
        self.newest = max(found, default=None)
        self.undated = recency_weight(min(found), self.newest) if found else 1.0
        self._memo: dict[str | None, float] = {}  # an answer has few distinct dates

    def __call__(self, when: str | None) -> float:
        weight = self._memo.get(when)
        if weight is None:
            weight = self._memo[when] = recency_weight(_as_date(when), self.newest, self.undated)
        return weight


@lru_cache(maxsize=4096)
def _ordinal(when: str | None) -> int:
    """Day number of a date string (0 when undated), for newest-first sorting."""
    day = _as_date(when)
    return day.toordinal() if day else 0


def _newest_first(views: Iterable[EvidenceView]) -> list[EvidenceView]:
    return sorted(views, key=lambda v: (-_ordinal(v.date), v.doc, v.start))


def _ev_key(ev: Evidence | EvidenceView) -> tuple:
    return (ev.doc, ev.start, ev.end, ev.quote)


def _distinct(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Evidence items without repeats (one quote can support several edges)."""
    seen, out = set(), []
    for ev in evidence:
        key = _ev_key(ev)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


# -- reading with a per-answer cache ------------------------------------------------

class _Context(NamedTuple):
    """Where one evidence item was said: date, session and event, and its document."""

    date: str | None
    session: Node | None
    event: Node | None
    event_name: str | None
    doc: Node | None
    day: int  # date as a day number (0: undated), for newest-first sorting


class _ContextCache:
    """Evidence context that stays true until the graph changes: each document's sessions
    and their events, where each quote was said, and what each decision is made of. Kept
    per store and graph version, so a dashboard or API process reads them once, not once
    per answer."""

    MAX_CONTEXTS = 2_000_000  # about 300 MB at worst; then it starts again

    def __init__(self, generation: str) -> None:
        self.generation = generation
        # doc id -> (Document node, heading starts, [(session, event)] in heading order)
        self.docs: dict[str, tuple[Node | None, list[int], list[tuple[Node, Node | None]]]] = {}
        self.event: dict[str, Node | None] = {}
        self.events_by_name: dict[str, Node | None] = {}
        self.contexts: dict[tuple[str, int], _Context] = {}  # (doc id, quote start) -> its context
        self.sections: dict[tuple[str, int], _Context] = {}  # (doc id, heading number) -> context there
        self.doc_dates: dict[str, frozenset[str | None]] = {}  # doc id -> every date its quotes can have
        self.decision_facts: dict[str, "_DecisionFacts | None"] = {}


_context_caches: "weakref.WeakKeyDictionary[GraphStore, _ContextCache]" = weakref.WeakKeyDictionary()
_context_lock = threading.Lock()


def _context_cache(store: GraphStore) -> _ContextCache:
    """The store's context cache, new when the graph changed (or when it grew too big)."""
    generation = store.generation()
    with _context_lock:
        cache = _context_caches.get(store)
        if (cache is None or not generation or cache.generation != generation
                or len(cache.contexts) > _ContextCache.MAX_CONTEXTS):
            # a store that cannot tell its version ("") gets a fresh cache per answer
            cache = _context_caches[store] = _ContextCache(generation)
        return cache


def clear_caches() -> None:
    """Forget every store's evidence context (benchmarks measure answers from cold)."""
    with _context_lock:
        _context_caches.clear()


_DOC_OF = operator.attrgetter("doc")
_MIXED, _LOCATE = object(), object()  # _Reader.item_dates: not looked at yet / sections differ in date


class _Reader:
    """Memoised, batched store primitives for one answer, plus evidence context.

    Reads go through ``edges_many`` / ``get_nodes`` with every id a step needs, so an
    answer costs a few round trips on a remote store, not one per node."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._nodes: dict[str, Node | None] = {}
        self._edges: dict[tuple, list[Edge]] = {}
        shared = _context_cache(store)
        self.decision_facts = shared.decision_facts
        self._docs, self._event = shared.docs, shared.event
        self._events_by_name, self._contexts = shared.events_by_name, shared.contexts
        self._sections, self._doc_dates = shared.sections, shared.doc_dates
        self._uniform_date: dict[str, Any] = {}  # doc id -> the one date of all its quotes, or _LOCATE

    def nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        ids = list(dict.fromkeys(ids))
        missing = [i for i in ids if i not in self._nodes]
        if missing:
            found = {n.id: n for n in self.store.get_nodes(missing)}
            for i in missing:
                self._nodes[i] = found.get(i)
        return {i: self._nodes[i] for i in ids if self._nodes.get(i) is not None}

    def node(self, nid: str) -> Node | None:
        return self.nodes([nid]).get(nid)

    def edges_many(self, ids: Iterable[str], types: Iterable[str] | None = None,
                   direction: Direction = "both") -> dict[str, list[Edge]]:
        """Edges at each of ``ids`` that carry evidence (facts without evidence are never answers)."""
        kinds = None if types is None else tuple(sorted(types))
        ids = list(dict.fromkeys(ids))
        missing = []
        cached = self._edges
        for i in ids:
            if (i, kinds, direction) in cached:
                continue
            read = self._read_already(i, kinds, direction)
            if read is None:
                missing.append(i)
            else:
                cached[(i, kinds, direction)] = read
        if missing:
            found = self.store.edges_many(missing, kinds, direction)
            for i in missing:
                self._edges[(i, kinds, direction)] = [e for e in found.get(i, ()) if e.evidence]
        return {i: self._edges[(i, kinds, direction)] for i in ids}

    def read_kinds(self, ids: Iterable[str], kinds: Iterable[tuple[str, Direction]]) -> None:
        """Read the edges of several (type, direction) kinds at ``ids`` in one store call
        (one statement per label over Bolt, not one per kind), kept as
        :meth:`edges_many` of each kind alone would keep them: a hub's sessions' people,
        topics and events took three statements, 54 ms in all on the busiest hub, 48 as one."""
        kinds = list(dict.fromkeys(kinds))
        missing = [i for i in dict.fromkeys(ids) if any((i, (t,), d) not in self._edges for t, d in kinds)]
        if not missing:
            return
        found = self.store.edges_many(missing, {t for t, _ in kinds}, "both")
        for i in missing:
            edges = [e for e in found.get(i, ()) if e.evidence]
            for t, d in kinds:
                # the end at ``i`` says the direction ("both" keeps either end, a loop once)
                self._edges.setdefault((i, (t,), d), [
                    e for e in edges if e.type == t
                    and (d == "both" or (e.source if d == "out" else e.target) == i)])

    def edges(self, nid: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        return self.edges_many([nid], types, direction)[nid]

    def _read_already(self, i: str, kinds: tuple[str, ...] | None, direction: Direction) -> list[Edge] | None:
        """The edges at ``i`` of ``kinds`` (None: all) in ``direction`` taken from what this
        answer has read already (a subset needs no second walk of the store, or round
        trip), None when it has not read them."""
        cached = self._edges
        found = cached.get((i, kinds, direction))
        if found is not None:
            return found
        every = cached.get((i, None, direction)) if kinds is not None else None
        if every is not None:
            return [e for e in every if e.type in kinds]
        every = cached.get((i, None, "both"))
        if every is None:
            return None
        return [e for e in every if (kinds is None or e.type in kinds)
                and (direction == "both" or (e.source if direction == "out" else e.target) == i)]

    def edge_keys(self, ids: Iterable[str], types: Iterable[str],
                  direction: Direction = "both") -> dict[str, list[tuple[str, str, str]]]:
        """The ``(source, type, target)`` of the edges with evidence at each of ``ids``:
        from the edges already read where there are some, otherwise from the store's
        :meth:`~GraphStore.edge_keys`, which reads no quotes (a hub's 1,420 decisions'
        INVOLVES took a fifth of its collaborators answer read whole)."""
        kinds = tuple(sorted(types))
        ids = list(dict.fromkeys(ids))
        out: dict[str, list[tuple[str, str, str]]] = {}
        missing = []
        for i in ids:
            read = self._read_already(i, kinds, direction)
            if read is None:
                missing.append(i)
            else:
                out[i] = [e.key for e in read]
        if missing:
            out.update(self.store.edge_keys(missing, kinds, direction))
        return {i: out.get(i, []) for i in ids}

    def neighbours_many(self, ids: Iterable[str], types: Iterable[str] | None = None,
                        direction: Direction = "both") -> dict[str, list[tuple[Node, Edge]]]:
        """(other end, edge) pairs at each of ``ids``."""
        ends = {nid: [(e.target if e.source == nid else e.source, e) for e in edges]
                for nid, edges in self.edges_many(ids, types, direction).items()}
        others = self.nodes(o for pairs in ends.values() for o, _ in pairs)
        return {nid: [(others[o], e) for o, e in pairs if o in others] for nid, pairs in ends.items()}

    def neighbours(self, nid: str, types: Iterable[str] | None = None,
                   direction: Direction = "both") -> list[tuple[Node, Edge]]:
        return self.neighbours_many([nid], types, direction)[nid]

    # evidence context ---------------------------------------------------------
    def events_of(self, sessions: Iterable[Node | str]) -> dict[str, Node | None]:
        """The event (PTG) each session is PART_OF."""
        ids = [s if isinstance(s, str) else s.id for s in sessions]
        missing = [i for i in dict.fromkeys(ids) if i not in self._event]
        if missing:
            for sid, pairs in self.neighbours_many(missing, ["PART_OF"], "out").items():
                self._event[sid] = pairs[0][0] if pairs else None
        return {i: self._event[i] for i in ids}

    def event_of(self, session: Node) -> Node | None:
        if session.id in self._event:
            return self._event[session.id]
        return self.events_of([session.id])[session.id]

    def session_date(self, session: Node) -> str | None:
        event = self.event_of(session)
        when = session.props.get("date") or (event.props.get("start") if event else None)
        return str(when) if when else None

    def _event_named(self, name: Any) -> Node | None:
        if not isinstance(name, str) or not name.strip():
            return None
        if name not in self._events_by_name:
            found = self.store.find_nodes(name, label="Event", limit=1)
            self._events_by_name[name] = found[0] if found else None
        return self._events_by_name[name]

    def prepare(self, evidence: Iterable[Evidence]) -> None:
        """Read the context of every document these items come from at once."""
        self.prepare_docs({ev.doc for ev in evidence})

    def prepare_docs(self, doc_ids: Iterable[str]) -> None:
        """Read each document's sessions (from the RECORDS edges, whose evidence is the
        session heading) and their events, for all these documents at once."""
        docs = list(set(doc_ids) - self._docs.keys())
        if not docs:
            return
        nodes = self.nodes(docs)
        records = self.neighbours_many([d for d in docs if d in nodes], ["RECORDS"], "out")
        self.events_of(s.id for pairs in records.values() for s, _ in pairs)
        for d in docs:
            headings = []
            for session, edge in records.get(d, ()):
                starts = [ev.start for ev in edge.evidence if ev.doc == d] or [0]
                headings.append((min(starts), session.id, session))
            headings.sort(key=lambda h: (h[0], h[1]))
            self._docs[d] = (nodes.get(d), [h[0] for h in headings],
                             [(h[2], self._event[h[2].id]) for h in headings])

    def context(self, ev: Evidence) -> _Context:
        """The session whose heading precedes the quote in its document (the document's
        only session otherwise), that session's event and the date it was said."""
        key = (ev.doc, ev.start)
        found = self._contexts.get(key)
        if found is not None:
            return found
        if ev.doc not in self._docs:
            self.prepare_docs([ev.doc])
        found = self._contexts[key] = self._section_context(ev.doc, bisect_right(self._docs[ev.doc][1], ev.start))
        return found

    def _section_context(self, doc_id: str, at: int) -> _Context:
        """The context of a quote after the ``at``-th session heading of a prepared
        document (0: before the first heading)."""
        found = self._sections.get((doc_id, at))
        if found is not None:
            return found
        doc, _, sessions = self._docs[doc_id]
        session = event = None
        if at:
            session, event = sessions[at - 1]
        elif len(sessions) == 1:
            session, event = sessions[0]
        props = doc.props if doc else {}
        if event is None:
            event = self._event_named(props.get("event"))
        when = ((session.props.get("date") if session else None) or props.get("date")
                or (event.props.get("start") if event else None))
        when = str(when) if when else None
        found = self._sections[(doc_id, at)] = _Context(
            when, session, event, event.name if event else (props.get("event") or None), doc, _ordinal(when))
        return found

    def doc_dates(self, doc_id: str) -> frozenset[str | None]:
        """Every date a quote of this document can have (one per section, see
        :meth:`context`), whether or not a quote sits there: a superset of its quotes' dates."""
        found = self._doc_dates.get(doc_id)
        if found is None:
            if doc_id not in self._docs:
                self.prepare_docs([doc_id])
            _, starts, sessions = self._docs[doc_id]
            # no quote precedes a heading at offset 0: its preamble section cannot date one
            first = 1 if starts and starts[0] <= 0 else 0
            sections = range(first, len(sessions) + 1)
            found = self._doc_dates[doc_id] = frozenset(self._section_context(doc_id, at).date for at in sections)
        return found

    def item_dates(self, items: list[Evidence]) -> list[str | None]:
        """The date of each item as :meth:`context` gives it, located in its section only
        when its document's sections differ in date."""
        uniform = self._uniform_date
        out = []
        for ev in items:
            when = uniform.get(ev.doc, _MIXED)
            if when is _MIXED:
                dates = self.doc_dates(ev.doc)
                when = uniform[ev.doc] = next(iter(dates)) if len(dates) == 1 else _LOCATE
            out.append(self.context(ev).date if when is _LOCATE else when)
        return out

    def dates(self, evidence: Iterable[Evidence], docs: set[str] | None = None) -> set[str | None]:
        """The dates of these items, as :meth:`context` gives them, without locating each
        quote: a document whose sections all have one date gives it to all its quotes.
        ``docs``: their documents, when the caller has them."""
        evidence = evidence if isinstance(evidence, list) else list(evidence)
        docs = set(map(_DOC_OF, evidence)) if docs is None else docs
        self.prepare_docs(docs)
        found: set[str | None] = set()
        mixed = set()
        for d in docs:
            dates = self.doc_dates(d)
            if len(dates) == 1:
                found |= dates
            else:
                mixed.add(d)
        if mixed:  # documents whose sections differ in date: each quote's own section
            found.update(self.context(ev).date for ev in evidence if ev.doc in mixed)
        return found

    def view(self, ev: Evidence) -> EvidenceView:
        when, session, event, event_name, doc, _ = self.context(ev)
        return EvidenceView(
            doc=ev.doc, quote=ev.quote, start=ev.start, end=ev.end,
            doc_title=_doc_title(doc), doc_source=doc.props.get("source") if doc else None,
            date=when, event=event_name,
            session=session.name if session else None,
            session_id=session.id if session else None, event_id=event.id if event else None)

    def views(self, evidence: Iterable[Evidence]) -> list[EvidenceView]:
        items = _distinct(evidence)
        self.prepare(items)
        return [self.view(ev) for ev in items]


def _doc_title(doc: Node | None) -> str | None:
    """What a quote's document is called where it is shown: its title, else its name."""
    return (doc.props.get("title") or doc.name) if doc else None


# -- resolving names ---------------------------------------------------------------

def _match_rank(node: Node, name: str) -> int:
    key = normalize(name)
    if node.id == name.strip():
        return 0
    if normalize(node.name) == key:
        return 1
    if any(normalize(a) == key for a in node.aliases):
        return 2
    return 3


def resolve(store: GraphStore, name: str, labels: Iterable[str] | None = None) -> Node | None:
    """The node a user means by ``name``: an exact id/name/alias match (preferring
    Project, Person, Topic, ... when several labels match), else the node of those
    labels whose name or alias contains ``name``, shortest name first.

    >>> import tempfile
    >>> from ptgkg.graph.stores import open_store
    >>> with open_store(tempfile.mkdtemp() + "/kg") as store:
    ...     resolve(store, "Kolla") is None
    True
    """
    if not name or not normalize(name):
        return None
    wanted = tuple(labels) if labels else LABEL_PREFERENCE
    order = {label: i for i, label in enumerate(wanted)}
    found = [n for n in store.find_nodes(name, limit=50) if n.label in order]
    if found:
        # find_nodes order (match kind, then degree) is kept within equal rank and label
        ranked = sorted(enumerate(found), key=lambda p: (_match_rank(p[1], name), order[p[1].label], p[0]))
        return ranked[0][1]
    key = normalize(name)
    partial = [n for n, _ in store.search(name, limit=200)
               if n.label in order and any(key in normalize(t) for t in [n.name, *n.aliases])]
    if not partial:
        return None
    partial.sort(key=lambda n: (order[n.label], len(n.name)))  # search order breaks ties (degree)
    return partial[0]


def _resolve_or_raise(store: GraphStore, name: str, label: str) -> Node:
    node = resolve(store, name, (label,))
    if node is None:
        raise NotFound(f"no {label.lower()} named {name!r} in the graph")
    return node


# -- building blocks -------------------------------------------------------------

@dataclass
class _Scored:
    """An involvement ranked but not yet given its quotes: ``items`` newest first, and
    their contexts (left empty by :func:`_top_scored` for the nodes it does not keep)."""

    inv: Involvement
    items: list[Evidence]
    contexts: list[_Context]


def _ranked_items(r: _Reader, evs: list[Evidence]) -> tuple[list[Evidence], list[_Context]]:
    """Distinct evidence items newest first, with their contexts."""
    items = _distinct(evs)
    if len(items) <= 1:
        return items, [r.context(ev) for ev in items]
    contexts = [r.context(ev) for ev in items]
    order = sorted(range(len(items)), key=lambda i: (-contexts[i].day, items[i].doc, items[i].start))
    return [items[i] for i in order], [contexts[i] for i in order]


def _scored(node: Node | None, items: list[Evidence], contexts: list[_Context], weights: _Weights,
            factors: dict[tuple, float], dates: list[str | None] | None = None) -> _Scored:
    """``dates``: the items' dates, when their contexts are not read (yet)."""
    dates = dates if dates is not None else [c.date for c in contexts]
    dated = [d for d in dates if d]
    if factors:
        score = sum(weights(d) * factors.get(_ev_key(ev), 1.0) for ev, d in zip(items, dates))
    else:
        score = sum(map(weights, dates))
    return _Scored(Involvement(node=node, score=round(score, 4), mentions=len(items),
                               last_date=max(dated) if dated else None), items, contexts)


def _dated_items(r: _Reader, evs: list[Evidence]) -> tuple[list[Evidence], list[str | None]]:
    """Distinct evidence items newest first (as :func:`_ranked_items` orders them) with
    their dates, without locating quotes whose document has one date throughout."""
    items = _distinct(evs)
    dates = r.item_dates(items)
    if len(items) <= 1:
        return items, dates
    order = sorted(range(len(items)), key=lambda i: (-_ordinal(dates[i]), items[i].doc, items[i].start))
    return [items[i] for i in order], [dates[i] for i in order]


def _score(r: _Reader, supports: dict[str, list[Evidence]], weights: _Weights | None = None,
           factors: dict[tuple, float] | None = None) -> list[_Scored]:
    """Score nodes by recency-weighted evidence. ``supports``: node id -> evidence about it;
    ``factors``: evidence key -> extra weight (default 1). Unsorted; no quotes attached."""
    nodes = r.nodes(supports)
    r.prepare(ev for nid, evs in supports.items() if nid in nodes for ev in evs)
    pending = [(nid, *_ranked_items(r, evs)) for nid, evs in supports.items() if nid in nodes]
    pending = [p for p in pending if p[1]]
    weights = weights or _Weights(c.date for _, _, contexts in pending for c in contexts)
    return [_scored(nodes[nid], items, contexts, weights, factors or {}) for nid, items, contexts in pending]


def _top_scored(r: _Reader, supports: dict[str, list[Evidence]], limit: int, weights: _Weights | None = None,
                factors: dict[tuple, float] | None = None) -> list[_Scored]:
    """The ``limit`` best of :func:`_score`, best first, exactly as sorting them all would
    give, while scoring only as many nodes as that needs (a project with thousands of
    people ranks the few dozen that matter). ``factors`` must be at most 1.

    Every node has a ceiling (:func:`_ceilings`) its score cannot pass; nodes are scored
    highest ceiling first, and once ``limit`` nodes score above the next ceiling the
    rest cannot enter. Locating quotes in their sessions is left to the nodes scored."""
    evidence = list(itertools.chain.from_iterable(supports.values()))
    docs = set(map(_DOC_OF, evidence))
    weights = weights or _Weights(r.dates(evidence, docs))
    ceilings = _ceilings(r, supports, docs, weights)
    top: list[float] = []  # min-heap of the best ``limit`` scores so far
    found: dict[str, _Scored] = {}
    for nid in sorted(supports, key=ceilings.__getitem__, reverse=True):
        # a margin for rounding (scores keep 4 decimals) and for summing in another order
        if len(top) >= limit and ceilings[nid] + _CEILING_MARGIN < top[0]:
            break
        items, dates = _dated_items(r, supports[nid])
        if not items:
            continue
        # node and contexts filled in below, for the nodes kept
        scored = found[nid] = _scored(None, items, [], weights, factors or {}, dates)
        if len(top) < limit:
            heapq.heappush(top, scored.inv.score)
        elif scored.inv.score > top[0]:
            heapq.heapreplace(top, scored.inv.score)
    # names only break ties: read the nodes of the first ``limit`` and of whatever ties the last
    ranked = sorted(found.items(), key=lambda kv: (-kv[1].inv.score, -_ordinal(kv[1].inv.last_date)))
    if len(ranked) > limit:
        last = ranked[limit - 1][1].inv
        ranked = [kv for kv in ranked if (kv[1].inv.score, _ordinal(kv[1].inv.last_date))
                  >= (last.score, _ordinal(last.last_date))]
    nodes = r.nodes(nid for nid, _ in ranked)
    out = []
    for nid, scored in ranked:
        if nid in nodes:
            scored.inv.node = nodes[nid]
            out.append(scored)
    out.sort(key=_by_score)
    out = out[:limit]
    for scored in out:
        scored.contexts = [r.context(ev) for ev in scored.items]
    return out


_CEILING_MARGIN = 1e-3


def _ceilings(r: _Reader, supports: dict[str, list[Evidence]], docs: set[str],
              weights: _Weights) -> dict[str, float]:
    """An upper bound of each node's score, from its documents alone (``docs``: those of
    all the items): every item weighs at most its document's newest possible date
    (:meth:`_Reader.doc_dates`), times a factor of at most 1, and repeats are counted
    again. A sum of dictionary look-ups per item, where scoring locates each quote in its
    session, so thousands of nodes cost little."""
    best = {d: max(map(weights, r.doc_dates(d))) for d in docs}
    heaviest = best.__getitem__
    return {nid: sum(map(heaviest, map(_DOC_OF, evs))) for nid, evs in supports.items()}


def _by_score(s: _Scored) -> tuple:
    return (-s.inv.score, -_ordinal(s.inv.last_date), s.inv.node.name)


def _with_quotes(r: _Reader, scored: list[_Scored], limit: int | None = None) -> list[Involvement]:
    """The first ``limit`` involvements with their newest quotes (EVIDENCE_PER_ITEM)."""
    picked = scored[:limit] if limit else scored
    for s in picked:  # sessions and events too: only what is shown is worth the work
        s.inv.sessions = list(dict.fromkeys(c.session.name for c in s.contexts if c.session))
        s.inv.events = list(dict.fromkeys(c.event_name for c in s.contexts if c.event_name))
        s.inv.evidence = [r.view(ev) for ev in s.items[:EVIDENCE_PER_ITEM]]
    return [s.inv for s in picked]


def _involvements(r: _Reader, supports: dict[str, list[Evidence]], weights: _Weights | None = None,
                  limit: int | None = None, factors: dict[tuple, float] | None = None) -> list[Involvement]:
    """Nodes ranked by recency-weighted evidence, best first, with their newest quotes."""
    if limit:
        return _with_quotes(r, _top_scored(r, supports, limit, weights, factors))
    return _with_quotes(r, sorted(_score(r, supports, weights, factors), key=_by_score))


_collector = {"paused": 0, "was_enabled": False}
_collector_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an answer builds many objects at once.

    The decision log of a large graph makes about a million small objects (contexts,
    facts, views) that form no reference cycles and stay cached; the collector would
    rescan that growing heap again and again, a third of the answer's time or more.
    Reference counting still frees everything; the collector runs again afterwards, and
    only if it ran before (nested and concurrent answers resume it once, at the end)."""
    with _collector_lock:
        if _collector["paused"] == 0:
            _collector["was_enabled"] = gc.isenabled()
            gc.disable()
        _collector["paused"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector["paused"] -= 1
            if _collector["paused"] == 0 and _collector["was_enabled"]:
                gc.enable()


class _DecisionFacts:
    """What a decision's view and row are built from, read once per graph version (kept in
    the context cache): its date, the names and events its view shows, and its first quote
    (by document and place); its relationships with their other ends (``pairs``), distinct
    evidence items with their contexts and the quotes a view shows (``shown``) are made
    from its relationships when first asked for (a log of every decision needs none).

    Every quote was located when the facts were made, so ``contexts`` reads them from the
    context cache's ``(doc, start)`` map (no reader, and no store, is kept here)."""

    __slots__ = ("node", "date", "sessions", "events", "topics", "projects", "owners", "first",
                 "_edges", "_ends", "_located", "_pairs", "_items")

    def __init__(self, node: Node, date: str | None, sessions: list[str], events: list[str], topics: list[str],
                 projects: list[str], owners: list[str], first: Evidence, edges: list[Edge],
                 ends: dict[str, Node], located: dict[tuple[str, int], _Context]) -> None:
        self.node, self.date, self.first = node, date, first
        self.sessions, self.events, self.topics, self.projects, self.owners = sessions, events, topics, projects, owners
        self._edges, self._ends, self._located = edges, ends, located  # edges: as the store gave them
        self._pairs: list[tuple[Node, Edge]] | None = None
        self._items: list[Evidence] | None = None

    @property
    def pairs(self) -> list[tuple[Node, Edge]]:
        """(other end, relationship) of each relationship with evidence, in the store's order."""
        if self._pairs is None:
            ends = self._ends
            self._pairs = [(ends[e.target], e) for e in self._edges if e.evidence and e.target in ends]
        return self._pairs

    @property
    def items(self) -> list[Evidence]:
        """Its distinct evidence items (one quote can support several relationships)."""
        if self._items is None:
            self._items = _distinct(ev for _, e in self.pairs for ev in e.evidence)
        return self._items

    @property
    def contexts(self) -> list[_Context]:
        located = self._located
        return [located[(ev.doc, ev.start)] for ev in self.items]

    @property
    def shown(self) -> list[Evidence]:
        """Its first EVIDENCE_PER_ITEM quotes by document and place."""
        return sorted(self.items, key=_BY_PLACE)[:EVIDENCE_PER_ITEM]

    @property
    def key(self) -> tuple:
        """Newest first, then by name and id: the order of every decision list."""
        return (-_ordinal(self.date), self.node.name, self.node.id)


_BY_PLACE = operator.attrgetter("doc", "start")  # evidence by document and place, without a Python call


def _status(decision: Node) -> str:
    return str(decision.props.get("status") or "open")  # as a row, a view and a page count it


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names)) if len(names) > 1 else names  # most lists have one name


def _one_decision(r: _Reader, node: Node, edges: list[Edge], ends: dict[str, Node]) -> _DecisionFacts | None:
    """The facts of one decision from its outgoing relationships (those without evidence,
    or whose other end is not in ``ends``, are left out), None when nothing supports it.
    Its documents' contexts should be prepared (:meth:`_Reader.prepare_docs`).

    Its date is the newest of its sessions' dates, else of its quotes' (the first of
    equals); its events, its sessions' then its quotes' (the first of each). One pass over
    its relationships and their quotes, and no list made for what only a view needs: a
    large graph's decision log runs this for tens of thousands of decisions at once."""
    located, locate = r._contexts, r.context  # most quotes were located by an earlier answer
    made_in: list[Node] = []
    topics: list[str] = []
    projects: list[str] = []
    owners: list[str] = []
    quoted_events: list[str] = []
    first = first_place = None
    newest = newest_day = None  # of its quotes
    for edge in edges:
        evidence = edge.evidence
        if not evidence:  # facts without evidence are never answers
            continue
        other = ends.get(edge.target)
        if other is None:
            continue
        kind = edge.type
        if kind == "INVOLVES":
            projects.append(other.name)
        elif kind == "ABOUT":
            topics.append(other.name)
        elif kind == "MADE_IN":
            made_in.append(other)
        elif kind == "ASSIGNED_TO":
            owners.append(other.name)
        for ev in evidence:
            place = (ev.doc, ev.start)
            c = located.get(place) or locate(ev)
            if c.date and (newest is None or c.day > newest_day):
                newest, newest_day = c.date, c.day
            if c.event_name:
                quoted_events.append(c.event_name)
            if first_place is None or place < first_place:
                first, first_place = ev, place
    if first is None:  # a decision nothing supports is not an answer
        return None
    date, day, events = None, 0, []
    for session in made_in:
        when = r.session_date(session)
        if when and (date is None or _ordinal(when) > day):
            date, day = when, _ordinal(when)
        event = r.event_of(session)
        if event is not None:
            events.append(event.name)
    if newest is not None and (date is None or newest_day > day):
        date = newest
    return _DecisionFacts(node, date, _unique([s.name for s in made_in]), _unique(events + quoted_events),
                          _unique(topics), _unique(projects), _unique(owners), first, edges, ends, located)


def _decision_edges(r: _Reader, by_id: dict[str, Node]) -> dict[str, list[Edge]]:
    """The outgoing relationships of those decisions whose facts are not known yet, as the
    store gives them: what an earlier step of this answer read already (a profile reads
    its decisions' relationships first), the rest in one ``edges_many``, not kept twice."""
    todo = [did for did in by_id if did not in r.decision_facts]
    cached = r._edges
    found = {did: cached[(did, None, "out")] for did in todo if (did, None, "out") in cached}
    missing = [did for did in todo if did not in found]
    if missing:
        found.update(r.store.edges_many(missing, None, "out"))
    return {did: found.get(did, []) for did in todo}


def _decision_ends(r: _Reader, out_edges: Iterable[list[Edge]]) -> dict[str, Node]:
    """The nodes at the other ends of these relationships (those with evidence), in one
    look-up, with the events of the sessions among them read in one batch too."""
    every = out_edges if isinstance(out_edges, list) else list(out_edges)
    ends = {n.id: n for n in r.store.get_nodes({e.target for edges in every for e in edges if e.evidence})}
    r.events_of({e.target for edges in every for e in edges if e.type == "MADE_IN" and e.evidence and e.target in ends})
    return ends


def _read_decisions(r: _Reader, by_id: dict[str, Node]) -> tuple[dict[str, list[Edge]], dict[str, Node]]:
    """The outgoing relationships of those decisions whose facts are not known yet, and
    the nodes at their other ends, with the events of their sessions and the contexts of
    their documents read in one batch each (for :func:`_one_decision`).

    One ``edges_many`` for them all and one look-up of every other end, with no list or
    pair made per relationship here: a large graph's log reads a hundred thousand."""
    out_edges = _decision_edges(r, by_id)
    if not out_edges:
        return {}, {}
    ends = _decision_ends(r, out_edges.values())
    r.prepare_docs({ev.doc for edges in out_edges.values() for e in edges for ev in e.evidence})
    return out_edges, ends


def _decision_facts(r: _Reader, decisions: Iterable[Node]) -> list[_DecisionFacts]:
    """Facts of each decision that has evidence, newest first (by its session or quote dates)."""
    by_id = {d.id: d for d in decisions}
    with collector_paused():
        out_edges, ends = _read_decisions(r, by_id)
        for did, edges in out_edges.items():
            r.decision_facts[did] = _one_decision(r, by_id[did], edges, ends)
    found = [f for f in (r.decision_facts[did] for did in by_id) if f is not None]
    found.sort(key=lambda f: (-_ordinal(f.date), f.node.name, f.node.id))
    return found


def _newest_decision_facts(r: _Reader, decisions: Iterable[Node], limit: int) -> tuple[list[_DecisionFacts], int]:
    """The first ``limit`` of :func:`_decision_facts` and how many it has, exactly, while
    locating the quotes of only the decisions that can be among the newest.

    A decision's date is the newest of its sessions' dates and its quotes' dates; each
    quote's date is one of its document's section dates (:meth:`_Reader.doc_dates`), so
    the newest of those bounds it (its *ceiling*). Decisions are read newest ceiling
    first, until ``limit`` of them are newer than the next ceiling."""
    by_id = {d.id: d for d in decisions}
    out_edges = _decision_edges(r, by_id)
    known = [f for f in (r.decision_facts.get(did) for did in by_id if did not in out_edges) if f is not None]
    # the other ends of the sessions' relationships now (their dates bound the decisions'),
    # the rest only for the decisions built: a hub's thousands of topics, people and
    # partners are most of the nodes, and of a profile's reads over Bolt
    ends = _decision_ends(r, [[e for e in edges if e.type == "MADE_IN"] for edges in out_edges.values()])
    r.prepare_docs({ev.doc for edges in out_edges.values() for e in edges for ev in e.evidence})
    # what _one_decision keeps: relationships with evidence (every relationship's ends are
    # in the graph: stores delete a node with its relationships)
    supported = {did: [e for e in edges if e.evidence and (e.type != "MADE_IN" or e.target in ends)]
                 for did, edges in out_edges.items()}
    pending = [did for did, edges in supported.items() if edges]
    total = len(known) + len(pending)
    for did, edges in supported.items():
        if not edges:
            r.decision_facts[did] = None
    newest_in = {}  # doc id -> day number of its newest section date

    def ceiling(did: str) -> int:
        days = [_ordinal(r.session_date(ends[e.target])) for e in supported[did] if e.type == "MADE_IN"]
        for doc in {ev.doc for e in supported[did] for ev in e.evidence}:
            day = newest_in.get(doc)
            if day is None:
                day = newest_in[doc] = max(map(_ordinal, r.doc_dates(doc)))
            days.append(day)
        return max(days, default=0)

    ceilings = {did: ceiling(did) for did in pending}
    pending.sort(key=ceilings.__getitem__, reverse=True)
    found = known
    batch = max(limit, 16)
    for at in range(0, len(pending), batch):
        if len(found) >= limit:
            last = heapq.nsmallest(limit, found, key=_DecisionFacts.key.fget)[-1]
            if ceilings[pending[at]] < _ordinal(last.date):
                break  # nothing unread can be newer than the newest ``limit``, nor tie with them
        chunk = pending[at:at + batch]
        ends.update(_decision_ends(r, [[e for e in supported[did] if e.target not in ends] for did in chunk]))
        for did in chunk:
            facts = r.decision_facts[did] = _one_decision(r, by_id[did], supported[did], ends)
            if facts is not None:
                found.append(facts)
    found.sort(key=_DecisionFacts.key.fget)
    return found[:limit], total


def _decision_view(r: _Reader, facts: _DecisionFacts, quotes: int | None = None) -> DecisionView:
    """A decision's view with its first ``quotes`` evidence items (by document and place;
    None: EVIDENCE_PER_ITEM)."""
    decision = facts.node
    return DecisionView(
        node=decision, text=str(decision.props.get("text") or decision.name),
        status=_status(decision),
        sessions=list(facts.sessions), events=list(facts.events), date=facts.date,
        topics=list(facts.topics), projects=list(facts.projects), owners=list(facts.owners),
        evidence=[r.view(ev) for ev in (facts.shown[:EVIDENCE_PER_ITEM if quotes is None else quotes]
                                        if quotes != 1 else [facts.first])])


def _decision_views(r: _Reader, decisions: Iterable[Node], limit: int | None = None,
                    quotes: int | None = None) -> tuple[list[DecisionView], int]:
    """The newest ``limit`` decisions (all when None) as views, and how many there are."""
    with collector_paused():
        if limit is None:
            facts = _decision_facts(r, decisions)
            total = len(facts)
        else:
            facts, total = _newest_decision_facts(r, decisions, limit)
        return [_decision_view(r, f, quotes) for f in facts], total


def _session_involvements(r: _Reader, edges: Iterable[tuple[Node, Edge]],
                          limit: int | None = None) -> tuple[list[Involvement], int]:
    """Sessions with the evidence linking them, dated by session date or event start,
    newest first (the first ``limit``), and how many there are."""
    supports: dict[str, list[Evidence]] = defaultdict(list)
    for session, edge in edges:
        supports[session.id].extend(edge.evidence)
    scored = _score(r, supports)
    events = r.events_of(s.inv.node for s in scored)
    for s in scored:
        s.inv.last_date = r.session_date(s.inv.node) or s.inv.last_date
    scored.sort(key=lambda s: (-_ordinal(s.inv.last_date), s.inv.node.name))
    picked = _with_quotes(r, scored, limit)
    for inv in picked:
        event = events[inv.node.id]
        if event is not None and event.name not in inv.events:
            inv.events.insert(0, event.name)
    return picked, len(scored)


def _event_involvements(r: _Reader, sessions: Iterable[Node]) -> list[Involvement]:
    """Events of these sessions, score = number of sessions, newest first."""
    sessions = list(sessions)
    per_event: dict[str, list[Node]] = defaultdict(list)
    events: dict[str, Node] = {}
    of = r.events_of(sessions)
    for s in sessions:
        event = of[s.id]
        if event is not None:
            per_event[event.id].append(s)
            events[event.id] = event
    out = [Involvement(node=events[eid], score=float(len(ss)), mentions=len(ss),
                       last_date=str(events[eid].props.get("start") or "") or None,
                       sessions=[s.name for s in ss][:LIST_LIMIT], events=[events[eid].name])
           for eid, ss in per_event.items()]
    out.sort(key=lambda i: (-_ordinal(i.last_date), i.node.name))
    return out


def _document_involvements(r: _Reader, edges: Iterable[Edge], limit: int = 10) -> list[Involvement]:
    """Documents ranked by how much evidence they hold about the subject: the notes to read first."""
    supports: dict[str, list[Evidence]] = defaultdict(list)
    for e in edges:
        for ev in e.evidence:
            supports[ev.doc].append(ev)
    # ranked by mention count before any document's context is read
    top = sorted(supports, key=lambda d: -len(set(supports[d])))[: limit * 3]  # distinct items: Evidence is a value
    scored = _score(r, {d: supports[d] for d in top})
    for s in scored:
        s.inv.score = float(s.inv.mentions)
        s.inv.last_date = str(s.inv.node.props.get("date") or "") or s.inv.last_date
    scored.sort(key=lambda s: (-s.inv.mentions, -_ordinal(s.inv.last_date), s.inv.node.name))
    return _with_quotes(r, scored, limit)


# -- the questions ---------------------------------------------------------------

def _topic_answer(r: _Reader, topic: Node, limit: int) -> TopicAnswer:
    r.edges(topic.id)  # every edge at once; the steps below take their subsets from it
    people: dict[str, list[Evidence]] = defaultdict(list)
    projects: dict[str, list[Evidence]] = defaultdict(list)
    # edges, not neighbours: the ids say who is a person, and only the ranked few are read
    discussed_by = r.edges(topic.id, ["DISCUSSED"], "in")
    is_person = _labels_of({e.source for e in discussed_by}, r, "Person")
    for edge in discussed_by:
        (people if edge.source in is_person else projects)[edge.source].extend(edge.evidence)
    discussed = [ev for evs in [*people.values(), *projects.values()] for ev in evs]
    weights = _Weights(r.dates(discussed))
    covered = r.neighbours(topic.id, ["COVERED"], "in")
    related: dict[str, list[Evidence]] = defaultdict(list)
    shared: dict[str, set[str]] = defaultdict(set)
    for sid, edges in r.edges_many([s.id for s, _ in covered], ["COVERED"], "out").items():
        for edge in edges:  # Session -> Topic
            if edge.target != topic.id:
                related[edge.target].extend(edge.evidence)
                shared[edge.target].add(sid)
    # related topics rank by sessions shared: only the best are scored and quoted
    best_related = sorted(related, key=lambda t: -len(shared[t]))[: limit * 3]
    related_topics = _score(r, {t: related[t] for t in best_related})
    for s in related_topics:
        s.inv.score = float(len(shared[s.inv.node.id]))
    related_topics.sort(key=lambda s: (-s.inv.score, s.inv.node.name))
    people_ranked = _top_scored(r, people, limit, weights)
    projects_ranked = _top_scored(r, projects, limit, weights)
    sessions, n_sessions = _session_involvements(r, covered, LIST_LIMIT)
    decided, n_decided = _decision_views(r, [d for d, _ in r.neighbours(topic.id, ["ABOUT"], "in")], DECISION_LIMIT)
    return TopicAnswer(
        topic=topic,
        people=_with_quotes(r, people_ranked, limit),
        projects=_with_quotes(r, projects_ranked, limit),
        sessions=sessions, decisions=decided,
        related_topics=_with_quotes(r, related_topics, limit),
        totals={"people": len(people), "projects": len(projects), "sessions": n_sessions,
                "decisions": n_decided, "related_topics": len(related)})


def who_discussed(store: GraphStore, topic: str, limit: int = 20) -> TopicAnswer | None:
    """People and projects who discussed ``topic`` (who to ask now first), with sessions,
    decisions and related topics; None if no topic matches."""
    with store.snapshot():
        r = _Reader(store)
        node = resolve(store, topic, ("Topic",))
        return _topic_answer(r, node, limit) if node else None


def _collaborations(r: _Reader, project: Node, limit: int | None = None) -> tuple[list[CollaborationView], int]:
    """The project's partners, best first (the first ``limit``), and how many there are."""
    per_partner: dict[str, list[Edge]] = defaultdict(list)
    for partner, edge in r.neighbours(project.id, ["COLLABORATES_WITH"], "both"):
        if partner.id != project.id:
            per_partner[partner.id].append(edge)
    supports = {pid: [ev for e in edges for ev in e.evidence] for pid, edges in per_partner.items()}
    # a hub has thousands of partners: rank the few shown without scoring the rest
    ranked = _top_scored(r, supports, limit) if limit else sorted(_score(r, supports), key=_by_score)
    scored = {s.inv.node.id: s for s in ranked}
    partners = {pid: s.inv.node for pid, s in scored.items()}
    if not limit or len(partners) < limit:  # partners without evidence come last, by name
        rest = r.nodes(pid for pid in per_partner if pid not in scored)
        partners.update(sorted(rest.items(), key=lambda kv: kv[1].name))
    shown = list(partners)[:limit] if limit else list(partners)
    # decisions involving both projects: only the partners shown get quotes and decisions
    shown_ids = set(shown)
    # which decisions those are, from their INVOLVES edges alone: a hub is involved in
    # thousands, and only those shared with a shown partner are read whole
    involved = list(dict.fromkeys(k[0] for k in r.edge_keys([project.id], ["INVOLVES"], "in")[project.id]))
    with_partner = [d for d, keys in r.edge_keys(involved, ["INVOLVES"], "out").items()
                    if any(k[2] in shown_ids for k in keys)]
    shared: dict[str, list[_DecisionFacts]] = defaultdict(list)
    for facts in _decision_facts(r, r.nodes(with_partner).values()):  # newest first
        for p in dict.fromkeys(o.id for o, e in facts.pairs if e.type == "INVOLVES" and o.id in shown_ids):
            shared[p].append(facts)
    out = []
    for pid in shown:
        edges, s = per_partner[pid], scored.get(pid)
        facts = shared[pid]
        topics: list[str] = []
        for e in edges:
            topics.extend(str(t) for t in (e.props.get("topics") or []) if str(t) not in topics)
        # topics of the shared decisions, unless already there under a name or alias
        known = {normalize(t) for t in topics}
        for f in facts:
            for topic in (o for o, e in f.pairs if e.type == "ABOUT"):
                spellings = {normalize(x) for x in [topic.name, *topic.aliases]}
                if not spellings & known:
                    topics.append(topic.name)
                    known |= spellings
        session_events = r.events_of(o for f in facts for o, e in f.pairs if e.type == "MADE_IN")
        events = list(dict.fromkeys(([c.event_name for c in s.contexts if c.event_name] if s else [])
                                    + [e.name for e in session_events.values() if e is not None]
                                    + [c.event_name for f in facts for c in f.contexts if c.event_name]))
        out.append(CollaborationView(
            partner=partners[pid], topics=topics, events=events,
            decisions=[_decision_view(r, f) for f in facts[:COLLABORATION_DECISIONS]],
            evidence=[r.view(ev) for ev in s.items[:EVIDENCE_PER_ITEM]] if s else [],
            score=s.inv.score if s else 0.0, mentions=s.inv.mentions if s else 0, decision_count=len(facts)))
    return out, len(per_partner)


@dataclass
class Collaborations(_AsDict):
    """A project's partners, best first (``partners`` keeps the first ``limit``), and how
    many it has in all."""

    project: Node
    partners: list[CollaborationView] = field(default_factory=list)
    total: int = 0


def collaborations(store: GraphStore, project: str, limit: int | None = LIST_LIMIT,
                   materialized: bool = True) -> Collaborations:
    """The projects ``project`` works with (either direction), on what, with which
    decisions: the best ``limit`` (None: all; a hub has thousands), and how many in all.
    ``materialized``: serve the stored answer of a busy project when it is current
    (:mod:`~ptgkg.graph.materialize`; the default limit only).

    Raises :class:`NotFound` when no project matches."""
    with store.snapshot():
        node = _resolve_or_raise(store, project, "Project")
        if materialized and limit == LIST_LIMIT:
            found = answers.served(store, "collaborations", node.id, Collaborations)
            if found is not None:
                return found
        r = _Reader(store)
        partners, total = _collaborations(r, node, limit)
        return Collaborations(project=node, partners=partners, total=total)


def collaborators(store: GraphStore, project: str, limit: int | None = LIST_LIMIT,
                  materialized: bool = True) -> list[CollaborationView]:
    """The partners of :func:`collaborations`, best first.

    Raises :class:`NotFound` when no project matches."""
    return collaborations(store, project, limit, materialized).partners


def nodes_of_label(store: GraphStore, label: str, counts: dict[str, dict[str, int]] | None = None) -> list[Node]:
    """Every node of one label, most connected first (e.g. all projects for a picker);
    ``counts``: the store's :meth:`counts`, when the caller has them already."""
    # top_nodes over the label's full count lists every node of it
    total = (counts or store.counts())["nodes"].get(label, 0)
    return [n for n, _ in store.top_nodes(label, total)] if total else []


_all_of_label = nodes_of_label


def _chosen_decisions(store: GraphStore, r: _Reader, project: str | None, topic: str | None,
                      status: str | None) -> list[Node]:
    """The Decision nodes INVOLVING ``project`` and/or ABOUT ``topic`` (both: the
    intersection), or all of them; of ``status`` when given."""
    if status is not None and status not in DECISION_STATUSES:
        raise ValueError(f"unknown decision status {status!r} (one of: {', '.join(DECISION_STATUSES)})")
    ids: set[str] | None = None
    if project:
        p = _resolve_or_raise(store, project, "Project")
        ids = {d.id for d, _ in r.neighbours(p.id, ["INVOLVES"], "in")}
    if topic:
        t = _resolve_or_raise(store, topic, "Topic")
        about = {d.id for d, _ in r.neighbours(t.id, ["ABOUT"], "in")}
        ids = about if ids is None else ids & about
    if ids is None:  # every decision: the nodes as listed (answers sort them by date, name and id)
        nodes = _all_of_label(store, "Decision")
        r._nodes.update({n.id: n for n in nodes})
        return [d for d in nodes if status is None or d.props.get("status") == status]
    return [d for d in r.nodes(sorted(ids)).values() if status is None or d.props.get("status") == status]


@dataclass
class DecisionsAnswer(_AsDict):
    """The decisions a question chose, newest first (``decisions`` keeps the newest
    ``limit``), and how many it chose in all."""

    decisions: list[DecisionView] = field(default_factory=list)
    total: int = 0


def decisions_answer(store: GraphStore, project: str | None = None, topic: str | None = None,
                     status: str | None = None, limit: int | None = DECISION_LIMIT,
                     quotes: int | None = None, materialized: bool = True) -> DecisionsAnswer:
    """Decisions, newest first: those INVOLVING ``project`` and/or ABOUT ``topic`` (both: the
    intersection), or all; filtered by ``status``; the newest ``limit`` (None: all of them;
    a busy project has over a thousand), each with its first ``quotes`` evidence items
    (EVIDENCE_PER_ITEM when None); and how many there are in all. ``materialized``: serve
    a busy project's stored answer (the defaults, by project alone) when it is current.
    Raises :class:`NotFound` for an unknown project/topic and ValueError for an unknown status.
    A table of every decision asks :func:`decision_log` instead.

    >>> import tempfile
    >>> from ptgkg.graph.stores import open_store
    >>> with open_store(tempfile.mkdtemp() + "/kg") as store:
    ...     decisions_answer(store).total
    0
    """
    # the collector resumes after the snapshot ends, where the embedded store freezes what
    # it merged: resumed first, it would scan every object just built once, for nothing
    with collector_paused(), store.snapshot():
        if materialized and project and not topic and status is None and limit == DECISION_LIMIT and quotes is None:
            project = _resolve_or_raise(store, project, "Project").id
            found = answers.served(store, "decisions", project, DecisionsAnswer)
            if found is not None:
                return found
        r = _Reader(store)
        views, total = _decision_views(r, _chosen_decisions(store, r, project, topic, status), limit, quotes)
        return DecisionsAnswer(views, total)


def decisions(store: GraphStore, project: str | None = None, topic: str | None = None,
              status: str | None = None, limit: int | None = DECISION_LIMIT,
              quotes: int | None = None, materialized: bool = True) -> list[DecisionView]:
    """The decisions of :func:`decisions_answer`: the newest ``limit`` (None: all)."""
    return decisions_answer(store, project, topic, status, limit, quotes, materialized).decisions


def _decision_row(r: _Reader, facts: _DecisionFacts) -> DecisionRow:
    node, first = facts.node, facts.first
    doc = (r._contexts.get((first.doc, first.start)) or r.context(first)).doc
    # as EvidenceView's doc_title, doc_source, doc: the first one set
    source = _doc_title(doc) or (doc.props.get("source") if doc else None) or first.doc
    props = node.props
    return DecisionRow(node.id, str(props.get("text") or node.name), _status(node),
                       facts.date, facts.sessions, facts.events, facts.topics, facts.projects, facts.owners,
                       first.quote, source)


def decision_log(store: GraphStore, project: str | None = None, topic: str | None = None,
                 status: str | None = None) -> list[DecisionRow]:
    """The decisions of :func:`decisions` (same choice, same order, newest first) as table
    rows: each with its first quote as text, no views.

    Made for the decision log of a large graph: it lists tens of thousands of decisions,
    and a view per decision (its lists copied, its quote in context) would cost as much as
    reading them. Raises like :func:`decisions`.

    >>> import tempfile
    >>> from ptgkg.graph.stores import open_store
    >>> with open_store(tempfile.mkdtemp() + "/kg") as store:
    ...     decision_log(store)
    []
    """
    with collector_paused(), store.snapshot():  # see decisions()
        r = _Reader(store)
        facts = _decision_facts(r, _chosen_decisions(store, r, project, topic, status))
        return [_decision_row(r, f) for f in facts]


class DecisionPage(NamedTuple):
    """One page of the decision log (:func:`decision_log_page`): its rows, newest first,
    and what the whole filtered log counts."""

    rows: list[DecisionRow]
    total: int                 # decisions that match the filters (with evidence)
    statuses: dict[str, int]   # of those, how many of each status
    offset: int                # where the page starts in the filtered log


def decision_log_page(store: GraphStore, project: str | None = None, topic: str | None = None,
                      statuses: Iterable[str] | None = None, events: Iterable[str] | None = None,
                      offset: int = 0, limit: int = DECISION_PAGE) -> DecisionPage:
    """Rows ``offset`` to ``offset + limit`` of :func:`decision_log` (same decisions, same
    order), filtered by ``statuses`` and by PTG (``events``: made at, or quoted from, one of
    them), with the filtered log's counts.

    Without a PTG filter only the decisions that can be among the first ``offset + limit``
    are built (see :func:`_newest_decision_facts`); the counts come from the decisions'
    nodes and whether anything supports them. A PTG filter needs every candidate's events.
    Raises like :func:`decisions` (ValueError for an unknown status).

    >>> import tempfile
    >>> from ptgkg.graph.stores import open_store
    >>> with open_store(tempfile.mkdtemp() + "/kg") as store:
    ...     decision_log_page(store, statuses=["open"])
    DecisionPage(rows=[], total=0, statuses={}, offset=0)
    """
    wanted = set(statuses) if statuses else None
    if wanted and wanted - set(DECISION_STATUSES):
        unknown = sorted(wanted - set(DECISION_STATUSES))[0]
        raise ValueError(f"unknown decision status {unknown!r} (one of: {', '.join(DECISION_STATUSES)})")
    at_events = set(events) if events else None
    offset, limit = max(0, int(offset)), max(0, int(limit))
    with collector_paused(), store.snapshot():  # see decisions()
        r = _Reader(store)
        chosen = [d for d in _chosen_decisions(store, r, project, topic, None)
                  if wanted is None or _status(d) in wanted]
        if at_events is not None:
            found = [f for f in _decision_facts(r, chosen) if at_events.intersection(f.events)]
            counted = [f.node for f in found]
            page = found[offset:offset + limit]
        else:
            first, _ = _newest_decision_facts(r, chosen, max(1, offset + limit)) if chosen else ([], 0)
            page = first[offset:]
            # every candidate's facts are known (None: nothing supports it) or were left
            # unbuilt because it has support but cannot be among the first rows
            counted = [d for d in chosen if r.decision_facts.get(d.id, True) is not None]
        tally: dict[str, int] = {}
        for d in counted:
            status = _status(d)
            tally[status] = tally.get(status, 0) + 1
        return DecisionPage([_decision_row(r, f) for f in page], len(counted), tally, offset)


def related_decision_log(store: GraphStore, ids: Iterable[str], statuses: Iterable[str] | None = None) -> list[DecisionRow]:
    """The rows of these decisions and of every decision (of ``statuses``, when given)
    ABOUT one of the topics they are about, newest first as in :func:`decision_log`: what
    tells whether an item comes back at other PTGs, for a page of the log only."""
    wanted = set(statuses) if statuses else None
    with collector_paused(), store.snapshot():  # see decisions()
        r = _Reader(store)
        own = {i for i in ids}
        topics = {e.target for edges in r.edges_many(own, ["ABOUT"], "out").values() for e in edges}
        others = {e.source for edges in r.edges_many(topics, ["ABOUT"], "in").values() for e in edges} - own
        found = [d for d in r.nodes(sorted(own | others)).values() if d.label == "Decision"
                 and (d.id in own or wanted is None or _status(d) in wanted)]
        return [_decision_row(r, f) for f in _decision_facts(r, found)]


def decision_views(store: GraphStore, ids: Iterable[str], quotes: int | None = None) -> list[DecisionView]:
    """The decisions with these node ids, newest first as in :func:`decisions` (ids of other
    nodes, and decisions without evidence, are left out), each with its first ``quotes``
    evidence items."""
    with collector_paused(), store.snapshot():  # see decisions()
        r = _Reader(store)
        found = [d for d in r.nodes(sorted(set(ids))).values() if d.label == "Decision"]
        return _decision_views(r, found, None, quotes)[0]


_LABEL_PREFIXES = {label.lower(): label for label in LABELS}


def _labels_of(ids: Iterable[str], r: _Reader, label: str) -> set[str]:
    """Those of ``ids`` whose node has ``label``: read from the id where it was made by
    :func:`~ptgkg.graph.model.node_id` (``project:kolla``), from the node otherwise."""
    found, unsure = set(), []
    for nid in ids:
        prefix = _LABEL_PREFIXES.get(nid.split(":", 1)[0]) if ":" in nid else None
        if prefix is None:
            unsure.append(nid)
        elif prefix == label:
            found.add(nid)
    found.update(nid for nid, node in r.nodes(unsure).items() if node.label == label)
    return found


def _project_profile(r: _Reader, p: Node, prof: Profile) -> None:
    # a hub's profile makes some 30k relationships and their evidence, none in a cycle:
    # the collector would rescan them again and again (a tenth of the answer's time)
    with collector_paused():
        _project_facts(r, p, prof)


def _project_facts(r: _Reader, p: Node, prof: Profile) -> None:
    r.edges(p.id)  # every edge at once; the steps below take their subsets from it
    sessions = r.neighbours(p.id, ["PARTICIPATED_IN"], "out")
    involved = [d for d, _ in r.neighbours(p.id, ["INVOLVES"], "in")]
    people: dict[str, list[Evidence]] = defaultdict(list)
    roles: dict[str, list[str]] = defaultdict(list)
    projects: dict[str, list[Evidence]] = defaultdict(list)
    topics: dict[str, list[Evidence]] = defaultdict(list)
    # being in a session shared by many projects says less about this one
    shared_session: dict[tuple, float] = {}
    session_ids = [s.id for s, _ in sessions]
    # every outgoing edge of its decisions in one walk: the steps below (and the decision
    # log and collaborations) take their subsets from it
    r.edges_many([d.id for d in involved], None, "out")
    # who was in its sessions, what they covered and their events (for dates), one read
    r.read_kinds(session_ids, [("PARTICIPATED_IN", "in"), ("COVERED", "out"), ("PART_OF", "out")])
    # edges, not neighbours: the schema (and the ids) say what is at the other end, and
    # reading thousands of people's nodes only to rank them is the slow part over Bolt
    present_at = r.edges_many(session_ids, ["PARTICIPATED_IN"], "in")
    is_project = _labels_of({e.source for edges in present_at.values() for e in edges}, r, "Project")
    said_at: list[tuple[float, list[Evidence]]] = []  # (share of the session, what people said there)
    for sid in session_ids:
        present = present_at[sid]
        share = 1.0 / max(1, sum(1 for e in present if e.source in is_project))
        for edge in present:
            if edge.source not in is_project:
                people[edge.source].extend(edge.evidence)
                said_at.append((share, edge.evidence))
            elif edge.source != p.id:
                projects[edge.source].extend(edge.evidence)
    # a quote heard in several sessions counts at the smallest share: smaller shares come
    # last and overwrite (a dict update per edge, not a Python step per quote)
    for share, evidence in sorted(said_at, key=lambda pair: -pair[0]):
        shared_session.update({(ev.doc, ev.start, ev.end, ev.quote): share for ev in evidence})
    for edges in r.edges_many(session_ids, ["COVERED"], "out").values():  # Session -> Topic
        for edge in edges:
            topics[edge.target].extend(edge.evidence)
    for edge in r.edges(p.id, ["MEMBER_OF"], "in"):  # Person -> Project
        people[edge.source].extend(edge.evidence)
        if edge.props.get("role"):
            roles[edge.source].append(str(edge.props["role"]))
    for edges in r.edges_many([d.id for d in involved], ["ASSIGNED_TO", "INVOLVES"], "out").values():
        for edge in edges:  # ASSIGNED_TO a Person, INVOLVES a Project
            if edge.type == "ASSIGNED_TO":
                people[edge.target].extend(edge.evidence)
            elif edge.target != p.id:
                projects[edge.target].extend(edge.evidence)
    for edge in r.edges(p.id, ["DISCUSSED"], "out"):  # Project -> Topic
        topics[edge.target].extend(edge.evidence)
    n_partners = len({o.id for o, _ in r.neighbours(p.id, ["COLLABORATES_WITH"], "both") if o.id != p.id})
    prof.people = _involvements(r, people, factors=shared_session, limit=LIST_LIMIT)
    for inv in prof.people:
        inv.roles = list(dict.fromkeys(roles.get(inv.node.id, [])))
    prof.topics = _involvements(r, topics, limit=LIST_LIMIT)
    prof.projects = _involvements(r, projects, limit=LIST_LIMIT)
    prof.decisions, n_decisions = _decision_views(r, involved, DECISION_LIMIT)
    prof.collaborators, _ = _collaborations(r, p, LIST_LIMIT)
    prof.sessions, n_sessions = _session_involvements(r, sessions, LIST_LIMIT)
    prof.events = _event_involvements(r, [s for s, _ in sessions])
    prof.documents = _document_involvements(r, r.edges(p.id))
    prof.totals = {"people": len(people), "topics": len(topics), "projects": len(projects),
                   "decisions": n_decisions, "collaborators": n_partners,
                   "sessions": n_sessions, "events": len(prof.events)}


def _person_profile(r: _Reader, person: Node, prof: Profile) -> None:
    r.edges(person.id)  # every edge at once; the steps below take their subsets from it
    sessions = r.neighbours(person.id, ["PARTICIPATED_IN"], "out")
    projects: dict[str, list[Evidence]] = defaultdict(list)
    roles: dict[str, list[str]] = defaultdict(list)
    peers: dict[str, list[Evidence]] = defaultdict(list)
    for project, edge in r.neighbours(person.id, ["MEMBER_OF"], "out"):
        projects[project.id].extend(edge.evidence)
        if edge.props.get("role"):
            roles[project.id].append(str(edge.props["role"]))
    for pairs in r.neighbours_many([s.id for s, _ in sessions], ["PARTICIPATED_IN"], "in").values():
        for other, edge in pairs:
            if other.label == "Project":
                projects[other.id].extend(edge.evidence)
            elif other.id != person.id:
                peers[other.id].extend(edge.evidence)
    topics = defaultdict(list)
    for topic, edge in r.neighbours(person.id, ["DISCUSSED"], "out"):
        topics[topic.id].extend(edge.evidence)
    assigned = [d for d, _ in r.neighbours(person.id, ["ASSIGNED_TO"], "in")]
    prof.projects = _involvements(r, projects, limit=LIST_LIMIT)
    for inv in prof.projects:
        inv.roles = list(dict.fromkeys(roles.get(inv.node.id, [])))
    prof.topics = _involvements(r, topics, limit=LIST_LIMIT)
    prof.decisions, n_decisions = _decision_views(r, assigned, DECISION_LIMIT)
    # people met in the same sessions, on the topics those sessions covered
    met = _top_scored(r, peers, LIST_LIMIT)
    met_sessions = {s.inv.node.id: list(dict.fromkeys(c.session.id for c in s.contexts if c.session)) for s in met}
    covered = r.neighbours_many([sid for ids in met_sessions.values() for sid in ids], ["COVERED"], "out")
    prof.collaborators = []
    for inv in _with_quotes(r, met):
        topics_ = [t.name for sid in met_sessions[inv.node.id] for t, _ in covered[sid]]
        prof.collaborators.append(CollaborationView(
            partner=inv.node, topics=list(dict.fromkeys(topics_)), events=inv.events,
            evidence=inv.evidence, score=inv.score, mentions=inv.mentions))
    prof.sessions, n_sessions = _session_involvements(r, sessions, LIST_LIMIT)
    prof.events = _event_involvements(r, [s for s, _ in sessions])
    prof.documents = _document_involvements(r, r.edges(person.id))
    prof.totals = {"projects": len(projects), "topics": len(topics), "decisions": n_decisions,
                   "collaborators": len(peers), "sessions": n_sessions, "events": len(prof.events)}


def _neighbour_profile(r: _Reader, node: Node, prof: Profile) -> None:
    groups: dict[str, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    decided = []
    for other, edge in r.neighbours(node.id):
        if other.label == "Decision":
            decided.append(other)
        else:
            groups[other.label][other.id].extend(edge.evidence)
    prof.people = _involvements(r, groups["Person"], limit=LIST_LIMIT)
    prof.topics = _involvements(r, groups["Topic"], limit=LIST_LIMIT)
    prof.projects = _involvements(r, groups["Project"], limit=LIST_LIMIT)
    prof.sessions, n_sessions = _session_involvements(
        r, [(n, e) for n, e in r.neighbours(node.id) if n.label == "Session"], LIST_LIMIT)
    prof.events = _involvements(r, groups["Event"], limit=LIST_LIMIT)
    prof.decisions, n_decisions = _decision_views(r, {d.id: d for d in decided}.values(), DECISION_LIMIT)
    prof.documents = _document_involvements(r, r.edges(node.id))
    prof.totals = {"people": len(groups["Person"]), "topics": len(groups["Topic"]),
                   "projects": len(groups["Project"]), "sessions": n_sessions,
                   "events": len(groups["Event"]), "decisions": n_decisions}


def profile(store: GraphStore, name: str, materialized: bool = True) -> Profile | None:
    """A profile of whatever ``name`` resolves to (Project first, then Person, Topic, ...).

    Project: key people (who drive its sessions, members, decision owners), live
    topics with their events, decision log, collaborators, related projects, its
    sessions and events, and the notes to read first. Person: projects, topics,
    decisions assigned, sessions, people met in them. Topic: as :func:`who_discussed`.
    Other labels: their neighbours by label. Long lists keep their best (or newest)
    entries; ``totals`` says how many there are in all. ``materialized``: serve the
    stored answer of a busy node when it is current (:mod:`~ptgkg.graph.materialize`).
    """
    with store.snapshot():
        node = resolve(store, name)
        if node is None:
            return None
        if materialized:
            found = answers.served(store, "profile", node.id, Profile)
            if found is not None:
                return found
        r = _Reader(store)
        prof = Profile(node=node, label=node.label, kind=node.props.get("kind"))
        if node.label == "Project":
            _project_profile(r, node, prof)
        elif node.label == "Person":
            _person_profile(r, node, prof)
        elif node.label == "Topic":
            answer = _topic_answer(r, node, limit=LIST_LIMIT)
            prof.people, prof.projects, prof.sessions = answer.people, answer.projects, answer.sessions
            prof.decisions, prof.topics = answer.decisions, answer.related_topics
            prof.events = _event_involvements(r, [s for s, _ in r.neighbours(node.id, ["COVERED"], "in")])
            prof.documents = _document_involvements(r, r.edges(node.id))
            prof.totals = {**answer.totals, "topics": answer.totals["related_topics"], "events": len(prof.events)}
            prof.totals.pop("related_topics")
        else:
            _neighbour_profile(r, node, prof)
        return prof


def path(store: GraphStore, a: str, b: str, max_hops: int = 6) -> PathView | None:
    """How two things are connected: a shortest path (Documents skipped) with each hop's
    evidence, newest first (EVIDENCE_PER_ITEM per hop)."""
    with store.snapshot():
        start, end = resolve(store, a), resolve(store, b)
        if start is None or end is None:
            return None
        found = store.shortest_path(start.id, end.id, max_hops=max_hops)
        if found is None:
            return None
        r = _Reader(store)
        steps = list(zip(zip(found.nodes, found.nodes[1:]), found.types))
        # the relationships of each hop alone: a hop through a hub would otherwise read
        # thousands of its relationships to find one
        joined = {}
        for rel in dict.fromkeys(found.types):
            joined.update({(a, b, rel): edges for (a, b), edges in store.edges_between(
                [(x.id, y.id) for (x, y), t in steps if t == rel], [rel]).items()})
        hops = []
        for (x, y), rel in steps:
            evidence = [ev for e in joined[(x.id, y.id, rel)] for ev in e.evidence]
            hops.append(_newest_first(r.views(evidence))[:EVIDENCE_PER_ITEM])
        return PathView(nodes=found.nodes, types=found.types, evidence=hops)


def search(store: GraphStore, q: str, limit: int = 20) -> list[SearchHit]:
    """Nodes whose name, aliases, decision text or quoted evidence contain ``q``."""
    return [SearchHit(n, snippet) for n, snippet in store.search(q, limit=limit)]


def neighbourhood(store: GraphStore, name: str, depth: int = 1, limit: int = 200) -> GraphExport:
    """The subgraph within ``depth`` hops of ``name`` (at most ``limit`` nodes), for drawing.
    When a hop reaches more nodes than fit, the most strongly tied are kept: most evidence
    on their relationships to the nodes already kept, then by id. Document nodes are left
    out unless the centre is one; empty when nothing matches.

    >>> import tempfile
    >>> from ptgkg.graph.stores import open_store
    >>> with open_store(tempfile.mkdtemp() + "/kg") as store:
    ...     neighbourhood(store, "Kolla").nodes
    []
    """
    with store.snapshot():
        centre = resolve(store, name)
        if centre is None:
            return GraphExport([], [])
        r = _Reader(store)
        # only RECORDS reaches a Document (model.SCHEMA): without it, no Document is read
        types = None if centre.label == "Document" else [t for t in REL_TYPES if t != "RECORDS"]
        nodes: dict[str, Node] = {centre.id: centre}
        edges: dict[tuple, Edge] = {}
        frontier = [centre.id]
        for _ in range(max(0, depth)):
            ties: dict[str, int] = defaultdict(int)  # a node not kept yet -> its evidence
            for nid, at in r.edges_many(frontier, types).items():
                for edge in at:
                    edges[edge.key] = edge
                    other = edge.target if edge.source == nid else edge.source
                    if other not in nodes:
                        ties[other] += len(edge.evidence)
            # a hub has thousands of neighbours: rank them from the relationships and read
            # only the nodes that fit (missing ones give their place to the next)
            ranked = sorted(ties, key=lambda o: (-ties[o], o))
            frontier = []
            while ranked and len(nodes) < limit:
                room = limit - len(nodes)
                batch, ranked = ranked[:room], ranked[room:]
                found = r.nodes(batch)
                for nid in batch:
                    if nid in found:
                        nodes[nid] = found[nid]
                        frontier.append(nid)
            if not frontier:
                break
        # keep only edges whose ends were both kept
        kept = [e for e in edges.values() if e.source in nodes and e.target in nodes]
        return GraphExport(list(nodes.values()), kept)


def overview(store: GraphStore, limit: int = 10) -> Overview:
    """Counts, the PTG timeline, and the most connected projects, people and topics."""
    with store.snapshot():
        counts = store.counts()
        all_events = _all_of_label(store, "Event", counts)
        # counted by the store: sessions PART_OF each event and the documents recording
        # them, without reading every Document (or merging their relationships)
        per_event = store.event_counts()
        events = []
        for event in all_events:
            n_sessions, n_documents = per_event.get(event.id, (0, 0))
            events.append(EventView(node=event, start=_str(event.props.get("start")),
                                    end=_str(event.props.get("end")), sessions=n_sessions, documents=n_documents))
        events.sort(key=lambda e: ((_as_date(e.start) or date.max), e.node.name))

        def top(label: str) -> list[Involvement]:
            return [Involvement(node=n, score=float(d), mentions=d) for n, d in store.top_nodes(label, limit)]

        return Overview(counts=counts, events=events, top_projects=top("Project"),
                        top_people=top("Person"), top_topics=top("Topic"))


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def evidence_views(store: GraphStore, evidence: Iterable[Evidence]) -> list[EvidenceView]:
    """Put evidence items in context (document, session, event, date)."""
    return _Reader(store).views(evidence)
