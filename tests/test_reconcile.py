"""People named only by nick or first name join across documents the same way
whatever order the notes arrive in (one run, shards, a late import)."""
from __future__ import annotations

import itertools

from ptgkg.graph.reconcile import as_written, reconcile_people
from ptgkg.graph.resolve import SEEN_AS, PeopleIndex, resolve_document
from ptgkg.ingest.facts import PersonRef
from ptgkg.ingest.gazetteer import Gazetteer

from tests.test_resolve import _note

NOTES = {
    "nick-first.txt": [PersonRef(None, "wvarga"), PersonRef("Jana")],
    "full-name.txt": [PersonRef("Wei Varga", "wvarga"), PersonRef("Jana Park", "jpark"), PersonRef("Jana")],
    "other-jana.txt": [PersonRef("Jana Weber", "jweber"), PersonRef("Jana")],
    "nick-again.txt": [PersonRef(None, "wvarga"), PersonRef(None, "jpark")],
}


def _ingest(store, order, gz) -> None:
    """What an ingest does: each note resolved alone and written, then one pass."""
    for name in order:
        store.write_document(resolve_document(_note(name, NOTES[name]), gz))
    reconcile_people(store)


def _people_of(store) -> dict[str, set[str]]:
    """Person node -> the notes whose facts name them."""
    docs = {g.doc_id: g for g in store.document_graphs()}
    out: dict[str, set[str]] = {}
    for g in docs.values():
        for n in g.nodes:
            if n.label == "Person":
                out.setdefault(n.id, set()).add(next(d.name for d in g.nodes if d.id == g.doc_id))
    return out


def test_joins_do_not_depend_on_the_order_notes_arrive_in(store):
    gz = Gazetteer.load()
    exports = []
    for order in [list(NOTES), list(reversed(NOTES)), ["other-jana.txt", "nick-first.txt", "full-name.txt",
                                                       "nick-again.txt"]]:
        for g in list(store.document_graphs()):  # start empty
            store.remove_document(g.doc_id)
        _ingest(store, order, gz)
        exports.append(store.export().to_json_dict())
        people = _people_of(store)
        # the nick joins the one person who is "Wei Varga (wvarga)"; "Jana" names two people: nobody
        assert {"nick-first.txt", "full-name.txt", "nick-again.txt"} <= people["person:wei-varga"]
        assert "person:wvarga" not in people
        assert people["person:jana"] == {"nick-first.txt"}
        assert "nick-again.txt" in people["person:jana-park"]
        assert reconcile_people(store).documents == 0  # a second pass has nothing to do
        exported = {n["id"]: n for n in exports[-1]["nodes"]}
        assert SEEN_AS not in exported["person:wei-varga"]  # bookkeeping stays out of answers
        assert "wvarga" in exported["person:wei-varga"]["aliases"]
    assert exports[1] == exports[0] and exports[2] == exports[0]


def test_a_join_is_undone_when_the_name_becomes_ambiguous(store):
    """A first name joined the one Jana the store knew; once a later run stores a
    second Jana, the note's "Jana" is a person of its own again, as if read last."""
    gz = Gazetteer.load()
    _ingest(store, ["full-name.txt", "nick-first.txt"], gz)
    assert "nick-first.txt" in _people_of(store)["person:jana-park"]
    store.write_document(resolve_document(_note("other-jana.txt", NOTES["other-jana.txt"]), gz))
    done = reconcile_people(store)
    assert done.parted == 1 and done.joined == 0
    assert _people_of(store)["person:jana"] == {"nick-first.txt"}
    assert "nick-first.txt" not in _people_of(store)["person:jana-park"]
    assert "nick-first.txt" in _people_of(store)["person:wei-varga"]  # "wvarga" is still one person


def test_as_written_undoes_joins_and_nothing_else(store):
    gz = Gazetteer.load()
    _ingest(store, ["full-name.txt", "nick-again.txt"], gz)
    graphs = {g.doc_id: g for g in store.document_graphs()}
    nick_again = next(g for g in graphs.values() if any(n.name == "nick-again.txt" for n in g.nodes))
    written = as_written(nick_again)
    assert sorted(n.id for n in written.nodes if n.label == "Person") == ["person:jpark", "person:wvarga"]
    assert len(written.edges) == len(nick_again.edges)
    assert all(SEEN_AS not in n.props for n in written.nodes)
