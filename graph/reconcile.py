"""People across documents, once they are stored: a note that names someone only by a
nick or a first name ("wvarga", "Jana") joins the one person the whole corpus knows
under that name, whichever note arrived first.

At ingest each note resolves against the people stored so far (:mod:`.resolve`), so
the graph depended on the order notes came in: a nick read before the note that says
"Wei Varga (wvarga)" stayed a person of its own, a first name read while only one Jana
was known joined her even after a second one came, and shards ingesting on several
machines each knew only their share. :func:`reconcile_people` redoes those joins from
everything stored, and rewrites only the documents whose people change. Its rule
depends on which documents are stored, never on their order:

* a person a note names in full, or ties to a full name itself ("Paul Bourke
  (pbourke)", "Jana" next to "Jana Park"), is that note's own: an *anchor*, never
  changed;
* a person a note names only by nick or first name joins the one anchor of any
  document known under that name (:class:`~.resolve.PeopleIndex`); when several or
  none are, they stay a person of their own under the name as written.

The rule reads the names as the note wrote them: stores keep them with the
document's own entry (:data:`~.resolve.SEEN_AS`) when a join was made.

>>> from .stores.embedded import EmbeddedStore
>>> from .model import DocumentGraph, Edge, Evidence, Node
>>> import tempfile
>>> def note(doc, person, aliases=()):
...     session = Node(f"session:{doc}", "Session", "Upgrades")
...     return DocumentGraph(f"doc:{doc}", "h", [Node(f"doc:{doc}", "Document", doc), session, person],
...         [Edge(f"doc:{doc}", session.id, "RECORDS", [Evidence(f"doc:{doc}", "Upgrades", 0, 8)]),
...          Edge(person.id, session.id, "PARTICIPATED_IN", [Evidence(f"doc:{doc}", "hi", 9, 11)])])
>>> with EmbeddedStore(tempfile.mkdtemp()) as store:
...     _ = store.write_document(note("a", Node("person:wvarga", "Person", "wvarga")))
...     _ = store.write_document(note("b", Node("person:wei-varga", "Person", "Wei Varga", ["wvarga"])))
...     print(reconcile_people(store))
...     sorted(n.id for n in store.export().nodes if n.label == "Person")
people across documents: 1 joined, 0 parted, 1 documents rewritten
['person:wei-varga']
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import DocumentGraph, Edge, Node, node_id
from .resolve import SEEN_AS, PeopleIndex, names_as_written
from .stores.base import GraphStore, merge_props

__all__ = ["reconcile_people", "ReconcileSummary", "as_written"]


@dataclass
class ReconcileSummary:
    """What :func:`reconcile_people` changed."""

    joined: int = 0      # per-document people now joined to a person named in full elsewhere
    parted: int = 0      # per-document people no longer joined (their name became ambiguous)
    documents: int = 0   # documents rewritten

    def __str__(self) -> str:
        return (f"people across documents: {self.joined} joined, {self.parted} parted, "
                f"{self.documents} documents rewritten")


def _own_props(person: Node) -> dict:
    return {k: v for k, v in person.props.items() if k != SEEN_AS}


def _person_of_its_own(person: Node, names: list[str]) -> Node:
    """``person`` as the note wrote them, joined to nobody: under the first name written."""
    return Node(node_id("Person", names[0]), "Person", names[0], names[1:], _own_props(person))


def _person_as_resolved(person: Node, names: list[str], anchors: PeopleIndex) -> Node:
    """The document's entry for ``person`` under the rule above."""
    found = {hit for hit in map(anchors.lookup, names) if hit}
    if len(found) == 1:
        ((nid, name),) = found
        return Node(nid, "Person", name, [x for x in names if x != name], {**_own_props(person), SEEN_AS: names})
    return _person_of_its_own(person, names)


def _same(a: Node, b: Node) -> bool:
    return (a.id, a.name, sorted(a.aliases), a.props) == (b.id, b.name, sorted(b.aliases), b.props)


def _rewritten(graph: DocumentGraph, replaced: dict[str, Node]) -> DocumentGraph:
    """``graph`` with some people replaced; two entries that become one person are
    merged (the note's own anchor keeps its name), and so are their edges."""
    nodes: dict[str, Node] = {}
    for n in graph.nodes:
        new = replaced.get(n.id, n)
        have = nodes.get(new.id)
        if have is None:
            nodes[new.id] = Node(new.id, new.label, new.name, list(new.aliases), dict(new.props))
            continue
        have_is_anchor, new_is_anchor = SEEN_AS not in have.props, SEEN_AS not in new.props
        anchor, other = (new, have) if new_is_anchor and not have_is_anchor else (have, new)
        merged = Node(anchor.id, anchor.label, anchor.name, list(anchor.aliases), dict(anchor.props))
        merged.aliases.extend(a for a in [other.name, *other.aliases] if a != merged.name and a not in merged.aliases)
        merge_props(merged.props, _own_props(other))
        if have_is_anchor or new_is_anchor:
            merged.props.pop(SEEN_AS, None)  # the note names this person itself
        nodes[new.id] = merged
    moved = {old: new.id for old, new in replaced.items()}
    edges: dict[tuple[str, str, str], Edge] = {}
    for e in graph.edges:
        source, target = moved.get(e.source, e.source), moved.get(e.target, e.target)
        have = edges.get((source, e.type, target))
        if have is None:
            edges[(source, e.type, target)] = Edge(source, target, e.type, list(e.evidence), dict(e.props))
        else:
            have.evidence.extend(x for x in e.evidence if x not in have.evidence)
            merge_props(have.props, e.props)
    return DocumentGraph(graph.doc_id, graph.content_hash, list(nodes.values()), list(edges.values()))


def as_written(graph: DocumentGraph) -> DocumentGraph:
    """``graph`` with every person it names only by nick or first name under that name,
    as if no join across documents were made: the part of a document's contribution no
    other document decides (what a check that a document was stored whole compares)."""
    local = {}
    for n in graph.nodes:
        names = names_as_written(n) if n.label == "Person" else None
        if names is not None:
            local[n.id] = _person_of_its_own(n, names)
    return _rewritten(graph, local) if local else graph


def reconcile_people(store: GraphStore) -> ReconcileSummary:
    """Join (or part) the people notes name only by nick or first name, by the rule of
    this module, rewriting each document that changes in one write of its own.

    Safe to run at any time and to interrupt: each document is rewritten whole, and a
    second run finishes what a first one started. Run it once after every shard of a
    sharded ingest has finished (``ptgkg resolve``); a plain ``ptgkg ingest`` runs it."""
    entries = store.node_entries("Person")
    anchors = PeopleIndex.from_entries(entries)
    changes: dict[str, dict[str, Node]] = {}
    summary = ReconcileSummary()
    for doc_id, person in entries:
        names = names_as_written(person)
        if names is None:
            continue
        resolved = _person_as_resolved(person, names, anchors)
        if not _same(resolved, person):
            changes.setdefault(doc_id, {})[person.id] = resolved
            if SEEN_AS in resolved.props:
                summary.joined += 1
            else:
                summary.parted += 1
    for doc_id, replaced in changes.items():
        graph = store.document_graph(doc_id)
        if graph is not None:
            store.write_document(_rewritten(graph, replaced))
            summary.documents += 1
    return summary
