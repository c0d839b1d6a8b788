"""Entity resolution: one node per real-world entity."""
from __future__ import annotations

from ptgkg.graph.governance import governance_graph
from ptgkg.graph.model import Evidence
from ptgkg.graph.reconcile import reconcile_people
from ptgkg.graph.resolve import PeopleIndex, resolve_document, resolve_people
from ptgkg.ingest.document import Document
from ptgkg.ingest.facts import (CollaborationFact, DecisionFact, DocumentFacts, PersonMention, PersonRef,
                                ProjectMention, SessionFact)
from ptgkg.ingest.gazetteer import Gazetteer

EV = Evidence("doc:x", "a sentence", 0, 10)


def test_first_name_joins_the_full_name_in_the_same_note():
    refs = [PersonRef("Lajos Katona"), PersonRef("Lajos"), PersonRef("Slawek")]
    got = resolve_people(refs, PeopleIndex())
    assert got[PersonRef("Lajos")][:2] == got[PersonRef("Lajos Katona")][:2]
    assert got[PersonRef("Slawek")][1] == "Slawek"


def test_ambiguous_first_name_stays_apart():
    refs = [PersonRef("Mark Goddard"), PersonRef("Mark McLoughlin"), PersonRef("Mark")]
    got = resolve_people(refs, PeopleIndex())
    assert got[PersonRef("Mark")][1] == "Mark"


def test_nick_joins_name_given_in_parentheses_and_store_known_nicks():
    refs = [PersonRef("Paul Bourke", "pbourke"), PersonRef(None, "pbourke"), PersonRef(None, "mgoddard")]
    known = PeopleIndex.from_rows([("mgoddard", "person:mark-goddard", "Person", "Mark Goddard")])
    got = resolve_people(refs, known)
    assert got[PersonRef(None, "pbourke")][1] == "Paul Bourke"
    assert got[PersonRef(None, "mgoddard")][:2] == ("person:mark-goddard", "Mark Goddard")


def test_diacritics_and_case_share_one_id():
    got = resolve_people([PersonRef("Cédric Jeanneret"), PersonRef("Cedric JEANNERET")], PeopleIndex())
    ids = {v[0] for v in got.values()}
    assert len(ids) == 1


def test_project_aliases_resolve_to_one_node():
    gz = Gazetteer.load()
    doc = Document.from_text("n.txt", "text", "n", "x" * 20)
    facts = DocumentFacts(doc, None, "en", sessions=[SessionFact(0, "n", EV)])
    for name in ("kolla-ansible", "Kolla", "the Kolla team", "#kolla"):
        facts.projects.append(ProjectMention(gz.project(name).name, 0, EV))
    facts.collaborations.append(CollaborationFact(("Kolla", "TripleO"), ["health checks"], 0, EV))
    facts.decisions.append(DecisionFact("Kolla and TripleO share checks", "agreed", 0, EV, ["health checks"],
                                        ["Kolla", "TripleO"], [PersonRef("Paul Bourke")]))
    facts.people.append(PersonMention(PersonRef("Paul Bourke"), 0, EV))
    g = resolve_document(facts, gz)
    projects = [n for n in g.nodes if n.label == "Project"]
    assert sorted(n.name for n in projects) == ["Kolla", "TripleO"]
    collab = [e for e in g.edges if e.type == "COLLABORATES_WITH"]
    assert collab[0].props["topics"] == ["health checks"] and collab[0].evidence == [EV]
    assert all(e.evidence for e in g.edges)
    decision = next(n for n in g.nodes if n.label == "Decision")
    assert decision.props["status"] == "agreed"
    assert {e.type for e in g.edges if e.source == decision.id} == {"MADE_IN", "ABOUT", "INVOLVES", "ASSIGNED_TO"}


def test_governance_seeds_teams_people_and_nicks():
    text = ("---\nkolla:\n  ptl:\n    name: 'Mark Goddard'\n    irc: 'mgoddard'\n    email: m@x\n"
            "  deliverables:\n    kolla-ansible:\n      repos: [openstack/kolla-ansible]\n    kayobe: {}\n"
            "Quality Assurance:\n  deliverables:\n    tempest: {}\n")
    g = governance_graph("projects.yaml", text, Gazetteer.load())
    kolla = next(n for n in g.nodes if n.name == "Kolla")
    assert "kayobe" in kolla.aliases
    mark = next(n for n in g.nodes if n.label == "Person")
    assert mark.name == "Mark Goddard" and mark.aliases == ["mgoddard"]
    member = next(e for e in g.edges if e.type == "MEMBER_OF")
    assert member.props["role"] == "PTL"
    ev = member.evidence[0]
    assert text[ev.start:ev.end] == ev.quote and "Mark Goddard" in ev.quote


def _note(source: str, people: list[PersonRef]) -> DocumentFacts:
    """A one-session note in which each of ``people`` discussed the session's topic."""
    doc = Document.from_text(source, "text", source, f"{source}: " + ", ".join(p.surface for p in people))
    ev = Evidence(doc.id, doc.text, 0, len(doc.text))
    facts = DocumentFacts(doc, None, "en", sessions=[SessionFact(0, "gate jobs", ev)])
    facts.people = [PersonMention(p, 0, ev) for p in people]
    return facts


def test_a_name_two_people_share_joins_neither_across_notes(store):
    """Each note resolved alone, then joined across the store: a nick one person has joins
    them; a first name or nick two people share ("Omar", "esato") joins neither, in
    whichever order the notes were written."""
    gz = Gazetteer.load()
    notes = [
        _note("zed-nova.txt", [PersonRef("Omar Wong", "owong"), PersonRef("Omar"),
                               PersonRef("Eva Sato", "esato"), PersonRef("Cédric Jeanneret")]),
        _note("zed-cinder.txt", [PersonRef("Omar Eriksen", "oeriksen"), PersonRef("Omar"),
                                 PersonRef("Ethan Sato", "esato"), PersonRef("Cedric Jeanneret")]),
        _note("zed-neutron.txt", [PersonRef("Omar"), PersonRef(None, "owong"), PersonRef(None, "esato"),
                                  PersonRef("Cedric")]),
    ]
    for order in (notes, notes[::-1]):
        for g in list(store.document_graphs()):
            store.remove_document(g.doc_id)
        for facts in order:
            store.write_document(resolve_document(facts, gz))
        reconcile_people(store)
        third = store.document_graph(notes[2].document.id)
        assert {n.id: n.name for n in third.nodes if n.label == "Person"} == {
            "person:omar": "Omar", "person:omar-wong": "Omar Wong", "person:esato": "esato",
            "person:cedric": "Cedric"}
        index = PeopleIndex.from_entries(store.node_entries("Person"))
        assert index.lookup("Omar") is None and index.lookup("esato") is None
        assert index.lookup("OWONG") == ("person:omar-wong", "Omar Wong")
