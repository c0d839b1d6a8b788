"""Entity resolution: one document's facts -> one :class:`DocumentGraph` whose nodes are
the real-world entities, with ids shared across documents and stores.

* projects: gazetteer canonical names ("kolla-ansible", "the Kolla team", "#kolla" -> Kolla);
* people: full names as keys (case and diacritics folded by ``node_id``); a first
  name alone joins the one full name in the same note that starts with it; a nick
  joins the name it was given next to ("Paul Bourke (pbourke)"), or one of ``known``
  people (governance PTLs, other notes: :mod:`.reconcile` makes those joins once a
  whole corpus is stored); a nick or first name several known people share joins none
  of them (see :class:`PeopleIndex`);
* topics: canonical topics.yaml names, else the heading text;
* sessions: one per (event, heading), so two notes about the same room meet;
* decisions: one per (event, decision sentence).

>>> idx = PeopleIndex.from_rows([("pbourke", "person:paul-bourke", "Person", "Paul Bourke")])
>>> idx.lookup("PBourke")
('person:paul-bourke', 'Paul Bourke')
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from ..ingest.facts import DocumentFacts, PersonRef
from ..ingest.gazetteer import Gazetteer
from .model import DocumentGraph, Edge, Evidence, Node, node_id, normalize

__all__ = ["PeopleIndex", "AliasRow", "names_as_written", "resolve_document",
           "resolve_people", "MAX_EVIDENCE_PER_EDGE", "SEEN_AS"]

MAX_EVIDENCE_PER_EDGE = 12

#: Per-document property of a Person node the note named only by nick or first name,
#: joined to a person known from other documents: the names as written. Stores keep it
#: with the document's own entry and leave it out of merged nodes; it lets
#: :mod:`.reconcile` redo that join once the whole corpus is known.
SEEN_AS = "_seen_as"


AliasRow = tuple[str, str, str, str]
"""(alias, node id, label, name): one name a person is known under."""


def names_as_written(person: Node) -> list[str] | None:
    """The names a note used for a person it did not name in full itself (a nick or first
    name alone, joined to someone known from other notes or not), or None when the note
    names them itself: an *anchor*, whose names other notes may join.

    >>> names_as_written(Node("person:paul-bourke", "Person", "Paul Bourke", ["pbourke"]))
    >>> names_as_written(Node("person:pbourke", "Person", "pbourke"))
    ['pbourke']
    >>> names_as_written(Node("person:paul-bourke", "Person", "Paul Bourke", ["pbourke"], {SEEN_AS: ["pbourke"]}))
    ['pbourke']
    """
    seen = person.props.get(SEEN_AS)
    if seen:
        return [str(x) for x in seen]
    if len(person.name.split()) == 1 and person.id == node_id("Person", person.name):
        return [person.name, *person.aliases]
    return None


@dataclass
class PeopleIndex:
    """Normalized alias (name, nick, first name) -> the people the store knows under it.

    Built from the names of the people notes name in full (anchors, see
    :func:`names_as_written`): from the store's per-document entries
    (:meth:`from_entries`) or from rows (:meth:`from_rows`). The answer to
    :meth:`lookup` depends on which rows were seen, never on their order.

    * an alias one person has resolves to them;
    * an alias several people share (two Omars both called "Omar", two "esato"s)
      resolves to the one whose own name it is, else to nobody (the note's own
      context, or a new node, decides), rather than to whoever happened to come first;
    * a person's display name is the one its latest row gave (from the store, the
      latest note by date, as in the merged node it exports).

    >>> idx = PeopleIndex.from_rows([("omar", "person:omar-wong", "Person", "Omar Wong"),
    ...                                     ("omar wong", "person:omar-wong", "Person", "Omar Wong"),
    ...                                     ("omar", "person:omar-eriksen", "Person", "Omar Eriksen")])
    >>> idx.lookup("Omar") is None
    True
    >>> idx.lookup("OMAR WONG")
    ('person:omar-wong', 'Omar Wong')
    """

    people_by_alias: dict[str, set[str]] = field(default_factory=dict)
    name_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> "PeopleIndex":
        idx = cls()
        idx.add_rows(rows)
        return idx

    def add_rows(self, rows) -> None:
        """Learn ``(alias, node id, label, name)`` rows (Person rows only); a later row's
        name for a node replaces an earlier one."""
        for alias, nid, label, name in rows:
            if label != "Person":
                continue
            key = normalize(alias)
            if key:
                self.people_by_alias.setdefault(key, set()).add(nid)
            self.name_of[nid] = name

    @classmethod
    def from_entries(cls, entries) -> "PeopleIndex":
        """The index of the anchors among per-document Person entries ``(document id,
        node)`` as :meth:`GraphStore.node_entries` gives them (in merge order)."""
        idx = cls()
        idx.add_rows((alias, n.id, "Person", n.name) for _, n in entries if names_as_written(n) is None
                     for alias in (n.name, *n.aliases))
        return idx

    def lookup(self, alias: str) -> tuple[str, str] | None:
        """(node id, display name) of the one person ``alias`` names, or None."""
        key = normalize(alias)
        ids = self.people_by_alias.get(key)
        if not ids:
            return None
        if len(ids) > 1:
            ids = {nid for nid in ids if normalize(self.name_of[nid]) == key}
            if len(ids) != 1:
                return None
        (nid,) = ids
        return nid, self.name_of[nid]


def nick_candidates(full_name: str) -> set[str]:
    """The nicks OpenStack contributors usually derive from their name.

    >>> sorted(nick_candidates("Eduardo Gonzalez"))[:4]
    ['e-gonzalez', 'e_gonzalez', 'edu', 'eduardo']
    >>> "egonzalez" in nick_candidates("Eduardo Gonzalez")
    True
    """
    parts = [p for p in normalize(full_name).replace("-", " ").split() if p.isalpha()]
    if len(parts) < 2:
        return set()
    first, last = parts[0], parts[-1]
    out = {first + last, first[0] + last, first + last[0], last + first[0], last, first,
           f"{first}.{last}", f"{first}_{last}", f"{first}-{last}", f"{first[0]}_{last}", f"{first[0]}-{last}",
           first[:3]}
    return {x for x in out if len(x) >= 3}


def resolve_people(refs: list[PersonRef], known: PeopleIndex,
                   named: tuple[str, ...] = (), joined: set[PersonRef] | None = None,
                   ) -> dict[PersonRef, tuple[str, str, set[str]]]:
    """Map each reference in one note to (node id, canonical name, aliases).

    ``named`` are further full names the note gives outside its text (its author).
    ``joined``, when given, receives the references resolved only through ``known``
    (a nick or first name the note does not tie to a full name itself)."""
    full: dict[str, str] = {}  # normalized full name -> display
    nick_to_full: dict[str, str] = {}
    for name in named:
        if name and len(name.split()) >= 2:
            full.setdefault(normalize(name), name)
    for r in refs:
        if r.name and len(r.name.split()) >= 2:
            full.setdefault(normalize(r.name), r.name)
            if r.nick:
                nick_to_full.setdefault(normalize(r.nick), r.name)
    first_names: dict[str, list[str]] = defaultdict(list)
    for key, display in full.items():
        first_names[key.split()[0]].append(display)

    out: dict[PersonRef, tuple[str, str, set[str]]] = {}
    for r in refs:
        aliases = {x for x in (r.name, r.nick) if x}
        display: str | None = None
        nid: str | None = None
        if r.name and len(r.name.split()) >= 2:
            display = full[normalize(r.name)]
        elif r.name:
            matches = first_names.get(normalize(r.name), [])
            if len(matches) == 1:
                display = matches[0]
            elif normalize(r.name) in nick_to_full:
                display = nick_to_full[normalize(r.name)]
        if display is None and r.nick:
            display = nick_to_full.get(normalize(r.nick))
        if display is None and (r.nick or r.name) and not (r.name and len(r.name.split()) > 1):
            # "egonzalez" next to "Eduardo Gonzalez": the usual nick shapes, if exactly one fits
            key = normalize(r.nick or r.name).replace(" ", "")
            fits = [d for k, d in full.items() if key not in (k.split()[0],) and (
                key in nick_candidates(d) or (len(k.split()[0]) >= 4 and k.split()[0] in key
                                              and len(key) - len(k.split()[0]) <= 4))]
            if len(fits) == 1:
                display = fits[0]
        if display is None:
            hit = known.lookup(r.name or r.nick or "") or (known.lookup(r.nick) if r.nick else None)
            if hit:
                nid, display = hit
                if joined is not None:
                    joined.add(r)
        if display is None:
            display = r.name or r.nick or "?"
        if nid is None:
            hit = known.lookup(display)
            nid = hit[0] if hit else node_id("Person", display)
        out[r] = (nid, display, aliases)
    return out


def _decision_key(event: str | None, doc_id: str, text: str) -> str:
    return hashlib.sha1(f"{event or doc_id}|{normalize(text)}".encode()).hexdigest()[:16]


class _GraphBuilder:
    def __init__(self, doc_id: str) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}
        self.doc_id = doc_id

    def node(self, label: str, nid: str, name: str, aliases=(), **props) -> str:
        n = self.nodes.get(nid)
        if n is None:
            n = self.nodes[nid] = Node(nid, label, name, [], {})
        for a in aliases:
            if a and a != n.name and a not in n.aliases:
                n.aliases.append(a)
        n.props.update({k: v for k, v in props.items() if v is not None})
        return nid

    def edge(self, source: str, rel: str, target: str, ev: Evidence, **props) -> None:
        if source == target:
            return
        e = self.edges.get((source, rel, target))
        if e is None:
            e = self.edges[(source, rel, target)] = Edge(source, target, rel, [], {})
        if ev not in e.evidence and len(e.evidence) < MAX_EVIDENCE_PER_EDGE:
            e.evidence.append(ev)
        for k, v in props.items():
            if isinstance(v, list):
                cur = e.props.setdefault(k, [])
                cur.extend(x for x in v if x not in cur)
            elif v is not None:
                e.props[k] = v


def resolve_document(facts: DocumentFacts, gz: Gazetteer, known: PeopleIndex | None = None,
                     fingerprint: str = "") -> DocumentGraph:
    """Build the document's graph; every edge carries at least one Evidence."""
    known = known or PeopleIndex()
    d = facts.document
    g = _GraphBuilder(d.id)
    meta = d.metadata
    g.node("Document", d.id, d.title or d.source, source=d.source, kind=d.kind, title=d.title,
           date=meta.get("date"), author=meta.get("author"), url=meta.get("url"),
           event=facts.event, language=facts.language)

    event_id = None
    ev_entry = gz.event(facts.event) if facts.event else None
    if ev_entry:
        event_id = g.node("Event", node_id("Event", ev_entry.name), ev_entry.name, **ev_entry.props)
    date = meta.get("date") or (ev_entry.start.isoformat() if ev_entry else None)

    session_ids: dict[int, str] = {}
    for s in facts.sessions:
        key = f"{ev_entry.name if ev_entry else d.id}::{s.title}"
        sid = g.node("Session", node_id("Session", key), s.title, event=ev_entry.name if ev_entry else None,
                     date=date, day=s.is_day or None)
        session_ids[s.index] = sid
        g.edge(d.id, "RECORDS", sid, s.evidence)
        if event_id:
            g.edge(sid, "PART_OF", event_id, s.evidence)

    def sess(idx: int | None) -> str | None:
        return session_ids.get(idx if idx is not None else 0) or session_ids.get(0)

    def project(name: str, surface: str = "") -> str:
        entry = gz.project(name)
        canonical = entry.name if entry else name
        # deliverable names and spellings as written stay findable as aliases
        aliases = [surface] if surface and normalize(surface) != normalize(canonical) else []
        return g.node("Project", node_id("Project", canonical), canonical, aliases=aliases,
                      kind=entry.kind if entry else "external")

    def topic(name: str) -> str:
        entry = gz.topic(name)
        canonical = entry.name if entry else name
        return g.node("Topic", node_id("Topic", canonical), canonical)

    refs = [m.person for m in facts.people]
    refs += [x.actor for x in facts.discussions if isinstance(x.actor, PersonRef)]
    refs += [o for dec in facts.decisions for o in dec.owners] + [m.person for m in facts.memberships]
    joined: set[PersonRef] = set()
    people = resolve_people(list(dict.fromkeys(refs)), known,
                            (str(meta.get("author") or ""), str(meta.get("replying_to") or "")), joined)

    def person(ref: PersonRef) -> str:
        nid, display, aliases = people[ref]
        return g.node("Person", nid, display, aliases=sorted(aliases - {display}))

    for m in facts.people:
        sid = sess(m.session)
        if sid:
            g.edge(person(m.person), "PARTICIPATED_IN", sid, m.evidence)
    for m in facts.projects:
        sid = sess(m.session)
        if sid:
            g.edge(project(m.name, m.surface), "PARTICIPATED_IN", sid, m.evidence)
    for m in facts.topics:
        sid = sess(m.session)
        if sid:
            g.edge(sid, "COVERED", topic(m.name), m.evidence)
    for x in facts.discussions:
        src = person(x.actor) if x.actor_label == "Person" else project(x.actor)
        g.edge(src, "DISCUSSED", topic(x.topic), x.evidence)
    for c in facts.collaborations:
        a, b = sorted((project(c.projects[0]), project(c.projects[1])))
        topic_names = [g.nodes[topic(t)].name for t in c.topics]
        g.edge(a, "COLLABORATES_WITH", b, c.evidence, topics=topic_names)
    for m in facts.memberships:
        g.edge(person(m.person), "MEMBER_OF", project(m.project), m.evidence, role=m.role)
    for dec in facts.decisions:
        did = g.node("Decision", node_id("Decision", _decision_key(facts.event, d.id, dec.text)),
                     dec.text[:160], text=dec.text, status=dec.status, date=date,
                     event=ev_entry.name if ev_entry else None)
        sid = sess(dec.session)
        if sid:
            g.edge(did, "MADE_IN", sid, dec.evidence)
        for t in dec.topics:
            g.edge(did, "ABOUT", topic(t), dec.evidence)
        for p in dec.projects:
            g.edge(did, "INVOLVES", project(p), dec.evidence)
        for o in dec.owners:
            g.edge(did, "ASSIGNED_TO", person(o), dec.evidence)

    # a person known only through other documents keeps the names this note used
    seen_as: dict[str, list[str]] = {}
    for ref, (nid, _, _) in people.items():
        if ref in joined:
            seen_as.setdefault(nid, []).extend(x for x in (ref.name, ref.nick) if x)
    for ref, (nid, _, _) in people.items():
        if ref not in joined:
            seen_as.pop(nid, None)  # the note names them itself: its own join, not another's
    for nid, names in seen_as.items():
        if nid in g.nodes:
            g.nodes[nid].props[SEEN_AS] = list(dict.fromkeys(names))

    # Sessions, topics and people nobody refers to any more are not kept
    linked = {e.source for e in g.edges.values()} | {e.target for e in g.edges.values()}
    nodes = [n for n in g.nodes.values() if n.id in linked or n.label == "Document"]
    graph = DocumentGraph(d.id, f"{d.hash[:48]}:{fingerprint}", nodes, list(g.edges.values()))
    graph.check()
    return graph
