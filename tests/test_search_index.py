"""The embedded store's quote index: search answers from it exactly as from the quotes
folded in memory (same nodes, order and snippets), stays exact through replaced and
removed documents, is built for stores written before it, and is never trusted when
a writer that does not keep it has written since."""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node, normalize
from ptgkg.graph.stores.embedded import STORE_FILE, EmbeddedStore

from tests.test_dashboard import build_store

HOSTILE_QUERIES = ['"a" OR b*', "NEAR(", "kolla*", 'AND "', "health) OR (checks", '"', "^kolla", "col:kolla",
                   "<script>", "x](javascript"]


def accents_graph(version: int = 1) -> DocumentGraph:
    """A document whose quotes hold accents, capitals and odd spacing, and words no name has."""
    doc = "document:accents"
    quotes = [f"Cédric  JEANNERET reviewed the Übersicht pipeline (v{version})",
              f"cedric jeanneret fixed zqxwv tokens {version}",
              f"ÉTÉ planning for {version}: Zürich   meetup"]
    nodes = [Node(doc, "Document", "Accents", props={"version": version}),
             Node("person:cedric", "Person", "Cédric Jeanneret"),
             Node("topic:zurich-meetup", "Topic", "regional gathering"),
             Node("project:kolla", "Project", "Kolla", props={"kind": "team"}),
             Node("session:accents", "Session", "Accents session")]
    edges = [Edge("person:cedric", "topic:zurich-meetup", "DISCUSSED",
                  [Evidence(doc, q, i * 100, i * 100 + len(q)) for i, q in enumerate(quotes)]),
             Edge("project:kolla", "topic:zurich-meetup", "DISCUSSED", [Evidence(doc, quotes[2], 200, 200 + len(quotes[2]))]),
             Edge(doc, "session:accents", "RECORDS", [Evidence(doc, quotes[0], 0, len(quotes[0]))])]
    return DocumentGraph(doc, f"accents-{version}", nodes, edges)


def without_index(store: Path, to: Path) -> Path:
    """A copy of ``store`` as a ptgkg without the quote index left it."""
    shutil.copytree(store, to)
    raw = sqlite3.connect(to / STORE_FILE)
    raw.execute("DROP TABLE quote_fts")
    raw.execute("DROP TABLE quote_rows")
    raw.execute("DROP TABLE quote_edges")
    raw.execute("DELETE FROM meta WHERE key = 'quotes_indexed'")
    raw.commit()
    raw.close()
    return to


def queries_for(store: EmbeddedStore) -> list[str]:
    """Words and phrases of the store's own quotes (many found in no name), short ones,
    case and accent variants, and FTS syntax."""
    quotes = sorted({ev.quote for e in store.export().edges for ev in e.evidence})
    words = sorted({w for q in quotes for w in re.findall(r"\w{3,}", q)})
    picked = words[::max(1, len(words) // 80)]
    phrases = [" ".join(q.split()[1:4]) for q in quotes[::max(1, len(quotes) // 20)]]
    return (picked + phrases + [w.upper() for w in picked[:10]] + ["ci", "ko", "k", "é", "zq"]
            + ["CEDRIC", "cédric   jeanneret", "ubersicht", "ZURICH meetup", "zqxwv", "ete planning"] + HOSTILE_QUERIES)


def answers(store: EmbeddedStore, queries: list[str], limit: int) -> dict[str, list[tuple[str, str]]]:
    return {q: [(n.id, snippet) for n, snippet in store.search(q, limit=limit)] for q in queries}


@pytest.fixture(scope="module")
def kg(tmp_path_factory) -> Path:
    location = build_store(tmp_path_factory.mktemp("search-index"))
    with EmbeddedStore(location) as store:
        store.write_document(accents_graph())
    return location


def test_index_answers_exactly_as_the_quotes_folded_in_memory(kg, tmp_path):
    old = without_index(kg, tmp_path / "old")
    with EmbeddedStore(kg, read_only=True) as indexed, EmbeddedStore(old, read_only=True) as folded:
        queries = queries_for(indexed)
        for limit in (5, 20, 500):
            assert answers(indexed, queries, limit) == answers(folded, queries, limit)
        # the comparison is between the two paths: the indexed store never folded its quotes
        assert indexed._search_index[3] is None and folded._search_index[3] is not None
        # quote-only hits are there: a word of a quote and nowhere else finds its people
        assert {n.id for n, _ in indexed.search("zqxwv")} == {"person:cedric", "topic:zurich-meetup"}
        assert indexed.search("ZQXWV") == indexed.search("zqxwv")
        found = dict((n.id, s) for n, s in indexed.search("ubersicht"))
        # a document's relationship shows at its other end only
        assert found == dict.fromkeys(["person:cedric", "topic:zurich-meetup", "session:accents"],
                                      "Cédric  JEANNERET reviewed the Übersicht pipeline (v1)")
        for hostile in HOSTILE_QUERIES:  # literal text: no error, and only quotes that hold it
            for node, snippet in indexed.search(hostile, limit=50):
                assert normalize(hostile) in normalize(snippet) or normalize(hostile) in normalize(node.name)


def test_index_follows_replaced_and_removed_documents(kg, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(kg, work)
    queries = ["zqxwv", "ubersicht", "(v1)", "(v2)", "planning for 2", "cedric", "kolla", "ci"]
    with EmbeddedStore(work) as store:
        store.write_document(accents_graph(2))
        assert "(v1)" not in str(store.search("pipeline (v"))
        assert [s for _, s in store.search("pipeline (v2)")][:1] == ["Cédric  JEANNERET reviewed the Übersicht pipeline (v2)"]
        after_replace = answers(store, queries, 20)
        store.remove_document("document:accents")
        assert store.search("zqxwv") == []
        after_remove = answers(store, queries, 20)
        raw = store._connection()
        raw.execute("INSERT INTO quote_fts(quote_fts) VALUES ('integrity-check')")  # raises if out of step
        # one row per distinct quote of each relationship, no more: removed documents leave none
        assert raw.execute("SELECT count(*) FROM quote_rows WHERE doc_id = 'document:accents'").fetchone()[0] == 0
    for state, expected in (("replaced", after_replace), ("removed", after_remove)):
        old = tmp_path / f"old-{state}"
        shutil.copytree(work, old)
        if state == "replaced":
            with EmbeddedStore(old) as store:
                store.write_document(accents_graph(2))  # the index follows a re-add too
        raw = sqlite3.connect(old / STORE_FILE)
        raw.execute("DROP TABLE quote_fts")
        raw.execute("DROP TABLE quote_rows")
        raw.execute("DROP TABLE quote_edges")
        raw.execute("DELETE FROM meta WHERE key = 'quotes_indexed'")
        raw.commit()
        raw.close()
        with EmbeddedStore(old, read_only=True) as folded:
            assert answers(folded, queries, 20) == expected


def test_stores_without_the_index_get_it_on_the_first_writable_open(kg, tmp_path):
    old = without_index(kg, tmp_path / "old")
    with EmbeddedStore(old, read_only=True) as store:  # read-only: answers by folding, writes nothing
        expected = answers(store, ["zqxwv", "ubersicht", "ci", "kolla"], 20)
    raw = sqlite3.connect(old / STORE_FILE)
    assert not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'quote_rows'").fetchone()
    raw.close()
    with EmbeddedStore(old) as store:
        assert store._quote_index_generation(store._connection()) == (store.generation().split(":")[1],) * 2
        assert answers(store, list(expected), 20) == expected
        assert store._search_index[3] is None


def test_a_write_by_a_ptgkg_without_the_index_is_not_trusted(kg, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(kg, work)
    # an older ptgkg removes a document: its rows go, the generation moves, the index stays behind
    raw = sqlite3.connect(work / STORE_FILE)
    for table in ("node_support", "edge_support", "documents"):
        raw.execute(f"DELETE FROM {table} WHERE {'id' if table == 'documents' else 'doc_id'} = 'document:accents'")
    raw.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
    raw.commit()
    raw.close()
    with EmbeddedStore(work, read_only=True) as store:
        assert store.search("zqxwv") == []  # the stale index is not asked
    with EmbeddedStore(work) as store:  # rebuilt on the next writable open
        assert store.search("zqxwv") == [] and store._search_index[3] is None
        store.write_document(accents_graph(3))
        assert {n.id for n, _ in store.search("zqxwv")} == {"person:cedric", "topic:zurich-meetup"}


def test_a_pinned_graph_is_not_answered_from_a_newer_index(kg, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(kg, work)
    other = DocumentGraph("document:later", "later", [
        Node("document:later", "Document", "Later"), Node("person:newcomer", "Person", "Newcomer"),
        Node("project:kolla", "Project", "Kolla", props={"kind": "team"})],
        [Edge("person:newcomer", "project:kolla", "MEMBER_OF", [Evidence("document:later", "wxyzzy quote", 0, 12)])])
    with EmbeddedStore(work, read_only=True) as reader, EmbeddedStore(work) as writer:
        with reader.snapshot():
            writer.write_document(other)
            assert "person:newcomer" not in [n.id for n, _ in reader.search("wxyzzy")]
        assert {n.id for n, _ in reader.search("wxyzzy")} == {"person:newcomer", "project:kolla"}
