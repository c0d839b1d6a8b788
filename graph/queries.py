"""The questions users ask, answered over any :class:`GraphStore` through its primitives.

Each function walks the graph from the node a name resolves to, using only
``find_nodes`` / ``get_nodes`` / ``edges`` / ``search`` / ``top_nodes`` /
``shortest_path`` / ``counts``, so it runs natively on the embedded store and
on Neo4j without loading the whole graph. Answers are typed dataclasses with a
``to_dict()`` (for ``--json``); every fact comes with the quoted evidence that
supports it, and facts without evidence are never returned.

Evidence is put in context (:class:`EvidenceView`): its document, the session
whose heading precedes it in that document (from the document's ``RECORDS``
edges, whose evidence is the session heading line), the session's event, and
a date.

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

from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Iterable

from .model import DECISION_STATUSES, Edge, Evidence, GraphExport, Node, normalize
from .stores.base import Direction, GraphStore, PathResult

__all__ = [
    "NotFound", "EvidenceView", "Involvement", "DecisionView", "CollaborationView",
    "TopicAnswer", "Profile", "EventView", "Overview", "PathView", "SearchHit",
    "resolve", "evidence_views", "who_discussed", "collaborators", "decisions", "profile",
    "path", "search", "neighbourhood", "overview", "nodes_of_label", "node_dict", "recency_weight",
]

HALF_LIFE_YEARS = 2.0
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


@dataclass
class CollaborationView(_AsDict):
    """What a project does with one partner: shared topics, decisions involving both, evidence."""

    partner: Node
    topics: list[str] = field(default_factory=list)
    decisions: list[DecisionView] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    score: float = 0.0


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

    def __init__(self, views: Iterable[EvidenceView]) -> None:
        dates = [d for d in (_as_date(v.date) for v in views) if d]
        self.newest = max(dates, default=None)
        self.undated = recency_weight(min(dates), self.newest) if dates else 1.0

    def __call__(self, view: EvidenceView) -> float:
        return recency_weight(_as_date(view.date), self.newest, self.undated)


def _newest_first(views: Iterable[EvidenceView]) -> list[EvidenceView]:
    return sorted(views, key=lambda v: (-(_as_date(v.date) or date.min).toordinal(), v.doc, v.start))


def _ev_key(ev: Evidence | EvidenceView) -> tuple:
    return (ev.doc, ev.start, ev.end, ev.quote)


# -- reading with a per-answer cache ------------------------------------------------

class _Reader:
    """Memoised store primitives for one answer, plus evidence context."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._nodes: dict[str, Node | None] = {}
        self._edges: dict[tuple, list[Edge]] = {}
        self._docs: dict[str, tuple[Node | None, list[tuple[int, Node | None, Node | None]]]] = {}
        self._events_by_name: dict[str, Node | None] = {}

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

    def edges(self, nid: str, types: Iterable[str] | None = None,
              direction: Direction = "both") -> list[Edge]:
        """Edges at ``nid`` that carry evidence (facts without evidence are never answers)."""
        key = (nid, None if types is None else tuple(sorted(types)), direction)
        if key not in self._edges:
            self._edges[key] = [e for e in self.store.edges(nid, key[1], direction) if e.evidence]
        return self._edges[key]

    def neighbours(self, nid: str, types: Iterable[str] | None = None,
                   direction: Direction = "both") -> list[tuple[Node, Edge]]:
        """(other end, edge) pairs at ``nid``."""
        edges = self.edges(nid, types, direction)
        others = self.nodes(e.target if e.source == nid else e.source for e in edges)
        out = []
        for e in edges:
            other = others.get(e.target if e.source == nid else e.source)
            if other is not None:
                out.append((other, e))
        return out

    # evidence context ---------------------------------------------------------
    def _event_of(self, session: Node) -> Node | None:
        events = [n for n, _ in self.neighbours(session.id, ["PART_OF"], "out")]
        return events[0] if events else None

    def _event_named(self, name: Any) -> Node | None:
        if not isinstance(name, str) or not name.strip():
            return None
        if name not in self._events_by_name:
            found = self.store.find_nodes(name, label="Event", limit=1)
            self._events_by_name[name] = found[0] if found else None
        return self._events_by_name[name]

    def doc_context(self, doc_id: str):
        """(Document node, [(heading start, session, event)] sorted by start)."""
        if doc_id not in self._docs:
            doc = self.node(doc_id)
            headings = []
            if doc is not None:
                for session, edge in self.neighbours(doc_id, ["RECORDS"], "out"):
                    starts = [ev.start for ev in edge.evidence if ev.doc == doc_id] or [0]
                    headings.append((min(starts), session, self._event_of(session)))
            headings.sort(key=lambda h: (h[0], h[1].id))
            self._docs[doc_id] = (doc, headings)
        return self._docs[doc_id]

    def view(self, ev: Evidence) -> EvidenceView:
        doc, headings = self.doc_context(ev.doc)
        session = event = None
        preceding = [h for h in headings if h[0] <= ev.start]
        if preceding:
            _, session, event = preceding[-1]
        elif len(headings) == 1:  # the one session the whole document records
            _, session, event = headings[0]
        props = doc.props if doc else {}
        if event is None:
            event = self._event_named(props.get("event"))
        when = ((session.props.get("date") if session else None) or props.get("date")
                or (event.props.get("start") if event else None))
        return EvidenceView(
            doc=ev.doc, quote=ev.quote, start=ev.start, end=ev.end,
            doc_title=(props.get("title") or doc.name) if doc else None,
            doc_source=props.get("source"), date=str(when) if when else None,
            event=event.name if event else (props.get("event") or None),
            session=session.name if session else None,
            session_id=session.id if session else None, event_id=event.id if event else None)

    def views(self, evidence: Iterable[Evidence]) -> list[EvidenceView]:
        seen, out = set(), []
        for ev in evidence:
            if _ev_key(ev) not in seen:
                seen.add(_ev_key(ev))
                out.append(self.view(ev))
        return out

    def session_date(self, session: Node) -> str | None:
        event = self._event_of(session)
        when = session.props.get("date") or (event.props.get("start") if event else None)
        return str(when) if when else None


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

def _involvements(r: _Reader, supports: dict[str, list[Evidence]], weights: _Weights | None = None,
                  limit: int | None = None, factors: dict[tuple, float] | None = None) -> list[Involvement]:
    """Rank nodes by recency-weighted evidence. ``supports``: node id -> evidence about it;
    ``factors``: evidence key -> extra weight (default 1)."""
    factors = factors or {}
    nodes = r.nodes(supports)
    views = {nid: r.views(evs) for nid, evs in supports.items() if nid in nodes}
    weights = weights or _Weights(v for vs in views.values() for v in vs)
    out = []
    for nid, vs in views.items():
        if not vs:
            continue
        vs = _newest_first(vs)
        dated = [v.date for v in vs if v.date]
        out.append(Involvement(
            node=nodes[nid], score=round(sum(weights(v) * factors.get(_ev_key(v), 1.0) for v in vs), 4), mentions=len(vs),
            last_date=max(dated) if dated else None,
            sessions=list(dict.fromkeys(v.session for v in vs if v.session)),
            events=list(dict.fromkeys(v.event for v in vs if v.event)),
            evidence=vs))
    out.sort(key=lambda i: (-i.score, -(_as_date(i.last_date) or date.min).toordinal(), i.node.name))
    return out[:limit] if limit else out


def _decision_view(r: _Reader, decision: Node) -> DecisionView | None:
    by_type: dict[str, list[Node]] = defaultdict(list)
    evidence: list[Evidence] = []
    for other, edge in r.neighbours(decision.id, None, "out"):
        by_type[edge.type].append(other)
        evidence.extend(edge.evidence)
    if not evidence:
        return None  # a decision nothing supports is not an answer
    views = sorted(r.views(evidence), key=lambda v: (v.doc, v.start))
    sessions = by_type["MADE_IN"]
    events = [e for e in (r._event_of(s) for s in sessions) if e is not None]
    dates = [d for d in (r.session_date(s) for s in sessions) if d] + [v.date for v in views if v.date]
    names = lambda nodes: list(dict.fromkeys(n.name for n in nodes))  # noqa: E731
    return DecisionView(
        node=decision, text=str(decision.props.get("text") or decision.name),
        status=str(decision.props.get("status") or "open"),
        sessions=names(sessions),
        events=list(dict.fromkeys([e.name for e in events] + [v.event for v in views if v.event])),
        date=max(dates, key=lambda d: _as_date(d) or date.min) if dates else None,
        topics=names(by_type["ABOUT"]), projects=names(by_type["INVOLVES"]),
        owners=names(by_type["ASSIGNED_TO"]), evidence=views)


def _newest_decisions(views: Iterable[DecisionView | None]) -> list[DecisionView]:
    return sorted((v for v in views if v is not None),
                  key=lambda v: (-(_as_date(v.date) or date.min).toordinal(), v.node.name, v.node.id))


def _session_involvements(r: _Reader, edges: Iterable[tuple[Node, Edge]]) -> list[Involvement]:
    """Sessions with the evidence linking them, dated by session date or event start, newest first."""
    supports: dict[str, list[Evidence]] = defaultdict(list)
    for session, edge in edges:
        supports[session.id].extend(edge.evidence)
    out = _involvements(r, supports)
    for inv in out:
        event = r._event_of(inv.node)
        inv.last_date = r.session_date(inv.node) or inv.last_date
        if event is not None and event.name not in inv.events:
            inv.events.insert(0, event.name)
    out.sort(key=lambda i: (-(_as_date(i.last_date) or date.min).toordinal(), i.node.name))
    return out


def _event_involvements(r: _Reader, sessions: Iterable[Node]) -> list[Involvement]:
    """Events of these sessions, score = number of sessions, newest first."""
    per_event: dict[str, list[Node]] = defaultdict(list)
    events: dict[str, Node] = {}
    for s in sessions:
        event = r._event_of(s)
        if event is not None:
            per_event[event.id].append(s)
            events[event.id] = event
    out = [Involvement(node=events[eid], score=float(len(ss)), mentions=len(ss),
                       last_date=str(events[eid].props.get("start") or "") or None,
                       sessions=[s.name for s in ss], events=[events[eid].name])
           for eid, ss in per_event.items()]
    out.sort(key=lambda i: (-(_as_date(i.last_date) or date.min).toordinal(), i.node.name))
    return out


def _document_involvements(r: _Reader, edges: Iterable[Edge], limit: int = 10) -> list[Involvement]:
    """Documents ranked by how much evidence they hold about the subject: the notes to read first."""
    supports: dict[str, list[Evidence]] = defaultdict(list)
    for e in edges:
        for ev in e.evidence:
            supports[ev.doc].append(ev)
    out = []
    for inv in _involvements(r, supports):
        inv.score = float(inv.mentions)
        inv.last_date = str(inv.node.props.get("date") or "") or inv.last_date
        out.append(inv)
    out.sort(key=lambda i: (-i.mentions, -(_as_date(i.last_date) or date.min).toordinal(), i.node.name))
    return out[:limit]


# -- the questions ---------------------------------------------------------------

def _topic_answer(r: _Reader, topic: Node, limit: int) -> TopicAnswer:
    people: dict[str, list[Evidence]] = defaultdict(list)
    projects: dict[str, list[Evidence]] = defaultdict(list)
    for other, edge in r.neighbours(topic.id, ["DISCUSSED"], "in"):
        (people if other.label == "Person" else projects)[other.id].extend(edge.evidence)
    weights = _Weights(r.views(ev for evs in [*people.values(), *projects.values()] for ev in evs))
    covered = r.neighbours(topic.id, ["COVERED"], "in")
    related: dict[str, list[Evidence]] = defaultdict(list)
    shared: dict[str, set[str]] = defaultdict(set)
    for session, _ in covered:
        for other, edge in r.neighbours(session.id, ["COVERED"], "out"):
            if other.id != topic.id:
                related[other.id].extend(edge.evidence)
                shared[other.id].add(session.id)
    related_topics = _involvements(r, related)
    for inv in related_topics:
        inv.score = float(len(shared[inv.node.id]))
    related_topics.sort(key=lambda i: (-i.score, i.node.name))
    decided = [d for d, _ in r.neighbours(topic.id, ["ABOUT"], "in")]
    return TopicAnswer(
        topic=topic,
        people=_involvements(r, people, weights, limit),
        projects=_involvements(r, projects, weights, limit),
        sessions=_session_involvements(r, covered),
        decisions=_newest_decisions(_decision_view(r, d) for d in decided),
        related_topics=related_topics[:limit])


def who_discussed(store: GraphStore, topic: str, limit: int = 20) -> TopicAnswer | None:
    """People and projects who discussed ``topic`` (who to ask now first), with sessions,
    decisions and related topics; None if no topic matches."""
    r = _Reader(store)
    node = resolve(store, topic, ("Topic",))
    return _topic_answer(r, node, limit) if node else None


def _collaborations(r: _Reader, project: Node) -> list[CollaborationView]:
    per_partner: dict[str, list[Edge]] = defaultdict(list)
    for partner, edge in r.neighbours(project.id, ["COLLABORATES_WITH"], "both"):
        if partner.id != project.id:
            per_partner[partner.id].append(edge)
    # decisions involving both projects
    shared: dict[str, list[DecisionView]] = defaultdict(list)
    for decision, _ in r.neighbours(project.id, ["INVOLVES"], "in"):
        involved = {p.id for p, _ in r.neighbours(decision.id, ["INVOLVES"], "out")}
        hits = [pid for pid in involved if pid in per_partner]
        if hits:
            view = _decision_view(r, decision)
            if view is not None:
                for pid in hits:
                    shared[pid].append(view)
    partners = r.nodes(per_partner)
    all_views = r.views(ev for edges in per_partner.values() for e in edges for ev in e.evidence)
    weights = _Weights(all_views)
    out = []
    for pid, edges in per_partner.items():
        views = _newest_first(r.views(ev for e in edges for ev in e.evidence))
        decisions_ = _newest_decisions(shared[pid])
        topics: list[str] = []
        for e in edges:
            topics.extend(str(t) for t in (e.props.get("topics") or []) if str(t) not in topics)
        # topics of the shared decisions, unless already there under a name or alias
        known = {normalize(t) for t in topics}
        for d in decisions_:
            for topic, _ in r.neighbours(d.node.id, ["ABOUT"], "out"):
                spellings = {normalize(x) for x in [topic.name, *topic.aliases]}
                if not spellings & known:
                    topics.append(topic.name)
                    known |= spellings
        events = list(dict.fromkeys([v.event for v in views if v.event]
                                    + [ev for d in decisions_ for ev in d.events]))
        out.append(CollaborationView(partner=partners[pid], topics=topics, decisions=decisions_,
                                     events=events, evidence=views,
                                     score=round(sum(weights(v) for v in views), 4)))
    out.sort(key=lambda c: (-c.score, c.partner.name))
    return out


def collaborators(store: GraphStore, project: str) -> list[CollaborationView]:
    """The projects ``project`` works with (either direction), on what, with which decisions.

    Raises :class:`NotFound` when no project matches."""
    r = _Reader(store)
    return _collaborations(r, _resolve_or_raise(store, project, "Project"))


def nodes_of_label(store: GraphStore, label: str) -> list[Node]:
    """Every node of one label, most connected first (e.g. all projects for a picker)."""
    # top_nodes over the label's full count lists every node of it
    total = store.counts()["nodes"].get(label, 0)
    return [n for n, _ in store.top_nodes(label, total)] if total else []


_all_of_label = nodes_of_label


def decisions(store: GraphStore, project: str | None = None, topic: str | None = None,
              status: str | None = None) -> list[DecisionView]:
    """Decisions, newest first: those INVOLVING ``project`` and/or ABOUT ``topic`` (both: the
    intersection), or all; filtered by ``status``. Raises :class:`NotFound` for an unknown
    project/topic and ValueError for an unknown status."""
    if status is not None and status not in DECISION_STATUSES:
        raise ValueError(f"unknown decision status {status!r} (one of: {', '.join(DECISION_STATUSES)})")
    r = _Reader(store)
    ids: set[str] | None = None
    if project:
        p = _resolve_or_raise(store, project, "Project")
        ids = {d.id for d, _ in r.neighbours(p.id, ["INVOLVES"], "in")}
    if topic:
        t = _resolve_or_raise(store, topic, "Topic")
        about = {d.id for d, _ in r.neighbours(t.id, ["ABOUT"], "in")}
        ids = about if ids is None else ids & about
    if ids is None:
        nodes = _all_of_label(store, "Decision")
        r._nodes.update({n.id: n for n in nodes})
        ids = {n.id for n in nodes}
    found = r.nodes(sorted(ids)).values()
    views = [_decision_view(r, d) for d in found
             if status is None or d.props.get("status") == status]
    return _newest_decisions(views)


def _project_profile(r: _Reader, p: Node, prof: Profile) -> None:
    sessions = r.neighbours(p.id, ["PARTICIPATED_IN"], "out")
    involved = [d for d, _ in r.neighbours(p.id, ["INVOLVES"], "in")]
    people: dict[str, list[Evidence]] = defaultdict(list)
    roles: dict[str, list[str]] = defaultdict(list)
    projects: dict[str, list[Evidence]] = defaultdict(list)
    topics: dict[str, list[Evidence]] = defaultdict(list)
    # being in a session shared by many projects says less about this one
    shared_session: dict[tuple, float] = {}
    for session, _ in sessions:
        present = r.neighbours(session.id, ["PARTICIPATED_IN"], "in")
        share = 1.0 / max(1, sum(1 for other, _ in present if other.label == "Project"))
        for other, edge in present:
            if other.label == "Person":
                people[other.id].extend(edge.evidence)
                for ev in edge.evidence:
                    shared_session[_ev_key(ev)] = min(shared_session.get(_ev_key(ev), 1.0), share)
            elif other.id != p.id:
                projects[other.id].extend(edge.evidence)
        for topic, edge in r.neighbours(session.id, ["COVERED"], "out"):
            topics[topic.id].extend(edge.evidence)
    for person, edge in r.neighbours(p.id, ["MEMBER_OF"], "in"):
        people[person.id].extend(edge.evidence)
        if edge.props.get("role"):
            roles[person.id].append(str(edge.props["role"]))
    for d in involved:
        for other, edge in r.neighbours(d.id, ["ASSIGNED_TO", "INVOLVES"], "out"):
            if other.label == "Person":
                people[other.id].extend(edge.evidence)
            elif other.id != p.id:
                projects[other.id].extend(edge.evidence)
    for topic, edge in r.neighbours(p.id, ["DISCUSSED"], "out"):
        topics[topic.id].extend(edge.evidence)
    prof.people = _involvements(r, people, factors=shared_session)
    for inv in prof.people:
        inv.roles = list(dict.fromkeys(roles.get(inv.node.id, [])))
    prof.topics = _involvements(r, topics)
    prof.projects = _involvements(r, projects)
    prof.decisions = _newest_decisions(_decision_view(r, d) for d in involved)
    prof.collaborators = _collaborations(r, p)
    prof.sessions = _session_involvements(r, sessions)
    prof.events = _event_involvements(r, [s for s, _ in sessions])
    prof.documents = _document_involvements(r, r.edges(p.id))


def _person_profile(r: _Reader, person: Node, prof: Profile) -> None:
    sessions = r.neighbours(person.id, ["PARTICIPATED_IN"], "out")
    projects: dict[str, list[Evidence]] = defaultdict(list)
    roles: dict[str, list[str]] = defaultdict(list)
    peers: dict[str, list[Evidence]] = defaultdict(list)
    for project, edge in r.neighbours(person.id, ["MEMBER_OF"], "out"):
        projects[project.id].extend(edge.evidence)
        if edge.props.get("role"):
            roles[project.id].append(str(edge.props["role"]))
    for session, _ in sessions:
        for other, edge in r.neighbours(session.id, ["PARTICIPATED_IN"], "in"):
            if other.label == "Project":
                projects[other.id].extend(edge.evidence)
            elif other.id != person.id:
                peers[other.id].extend(edge.evidence)
    topics = defaultdict(list)
    for topic, edge in r.neighbours(person.id, ["DISCUSSED"], "out"):
        topics[topic.id].extend(edge.evidence)
    assigned = [d for d, _ in r.neighbours(person.id, ["ASSIGNED_TO"], "in")]
    prof.projects = _involvements(r, projects)
    for inv in prof.projects:
        inv.roles = list(dict.fromkeys(roles.get(inv.node.id, [])))
    prof.topics = _involvements(r, topics)
    prof.decisions = _newest_decisions(_decision_view(r, d) for d in assigned)
    # people met in the same sessions, on the topics those sessions covered
    prof.collaborators = []
    for inv in _involvements(r, peers):
        topics_ = [t.name for s in dict.fromkeys(v.session_id for v in inv.evidence if v.session_id)
                   for t, _ in r.neighbours(s, ["COVERED"], "out")]
        prof.collaborators.append(CollaborationView(
            partner=inv.node, topics=list(dict.fromkeys(topics_)), events=inv.events,
            evidence=inv.evidence, score=inv.score))
    prof.sessions = _session_involvements(r, sessions)
    prof.events = _event_involvements(r, [s for s, _ in sessions])
    prof.documents = _document_involvements(r, r.edges(person.id))


def _neighbour_profile(r: _Reader, node: Node, prof: Profile) -> None:
    groups: dict[str, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    decided = []
    for other, edge in r.neighbours(node.id):
        if other.label == "Decision":
            decided.append(other)
        else:
            groups[other.label][other.id].extend(edge.evidence)
    prof.people = _involvements(r, groups["Person"])
    prof.topics = _involvements(r, groups["Topic"])
    prof.projects = _involvements(r, groups["Project"])
    prof.sessions = _session_involvements(r, [(n, e) for n, e in r.neighbours(node.id) if n.label == "Session"])
    prof.events = _involvements(r, groups["Event"])
    prof.decisions = _newest_decisions(_decision_view(r, d) for d in {d.id: d for d in decided}.values())
    prof.documents = _document_involvements(r, r.edges(node.id))


def profile(store: GraphStore, name: str) -> Profile | None:
    """A profile of whatever ``name`` resolves to (Project first, then Person, Topic, ...).

    Project: key people (who drive its sessions, members, decision owners), live
    topics with their events, decision log, collaborators, related projects, its
    sessions and events, and the notes to read first. Person: projects, topics,
    decisions assigned, sessions, people met in them. Topic: as :func:`who_discussed`.
    Other labels: their neighbours by label.
    """
    node = resolve(store, name)
    if node is None:
        return None
    r = _Reader(store)
    prof = Profile(node=node, label=node.label, kind=node.props.get("kind"))
    if node.label == "Project":
        _project_profile(r, node, prof)
    elif node.label == "Person":
        _person_profile(r, node, prof)
    elif node.label == "Topic":
        answer = _topic_answer(r, node, limit=50)
        prof.people, prof.projects, prof.sessions = answer.people, answer.projects, answer.sessions
        prof.decisions, prof.topics = answer.decisions, answer.related_topics
        prof.events = _event_involvements(r, [s.node for s in answer.sessions])
        prof.documents = _document_involvements(r, r.edges(node.id))
    else:
        _neighbour_profile(r, node, prof)
    return prof


def path(store: GraphStore, a: str, b: str, max_hops: int = 6) -> PathView | None:
    """How two things are connected: a shortest path (Documents skipped) with each hop's evidence."""
    start, end = resolve(store, a), resolve(store, b)
    if start is None or end is None:
        return None
    found = store.shortest_path(start.id, end.id, max_hops=max_hops)
    if found is None:
        return None
    r = _Reader(store)
    hops = []
    for (x, y), rel in zip(zip(found.nodes, found.nodes[1:]), found.types):
        evidence = [ev for e in r.edges(x.id, [rel], "both")
                    if {e.source, e.target} == {x.id, y.id} for ev in e.evidence]
        hops.append(_newest_first(r.views(evidence)))
    return PathView(nodes=found.nodes, types=found.types, evidence=hops)


def search(store: GraphStore, q: str, limit: int = 20) -> list[SearchHit]:
    """Nodes whose name, aliases, decision text or quoted evidence contain ``q``."""
    return [SearchHit(n, snippet) for n, snippet in store.search(q, limit=limit)]


def neighbourhood(store: GraphStore, name: str, depth: int = 1, limit: int = 200) -> GraphExport:
    """The subgraph within ``depth`` hops of ``name`` (at most ``limit`` nodes), for drawing.
    Document nodes are left out unless the centre is one; empty when nothing matches."""
    centre = resolve(store, name)
    if centre is None:
        return GraphExport([], [])
    r = _Reader(store)
    keep_docs = centre.label == "Document"
    nodes: dict[str, Node] = {centre.id: centre}
    edges: dict[tuple, Edge] = {}
    frontier = [centre.id]
    for _ in range(max(0, depth)):
        nxt = []
        for nid in frontier:
            for other, edge in r.neighbours(nid):
                if other.label == "Document" and not keep_docs:
                    continue
                if other.id not in nodes:
                    if len(nodes) >= limit:
                        continue
                    nodes[other.id] = other
                    nxt.append(other.id)
                edges[edge.key] = edge
        frontier = nxt
    # edges between kept nodes that the walk reached from both sides are already in;
    # keep only edges whose ends were both kept
    kept = [e for e in edges.values() if e.source in nodes and e.target in nodes]
    return GraphExport(list(nodes.values()), kept)


def overview(store: GraphStore, limit: int = 10) -> Overview:
    """Counts, the PTG timeline, and the most connected projects, people and topics."""
    r = _Reader(store)
    counts = store.counts()
    events = []
    for event in _all_of_label(store, "Event"):
        sessions = [s for s, _ in r.neighbours(event.id, ["PART_OF"], "in")]
        docs = {d.id for s in sessions for d, _ in r.neighbours(s.id, ["RECORDS"], "in")}
        events.append(EventView(node=event, start=_str(event.props.get("start")),
                                end=_str(event.props.get("end")), sessions=len(sessions), documents=len(docs)))
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
