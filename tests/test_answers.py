"""Materialized answers (graph/answers.py, graph/materialize.py), on every store: the busy
nodes' profiles and partners are computed once per graph version and served while the
graph stays as it was; a served answer is the computed one, and a write, a damaged file
or a run killed half-way never makes a query answer from another graph."""
from __future__ import annotations

import json
import sqlite3

import pytest

from ptgkg.config import get_settings
from ptgkg.graph import answers, materialize as mat, queries as q
from ptgkg.graph.stores.embedded import EmbeddedStore

from tests.test_queries import bobcat_pad, epoxy_pad, tripleo_recap
from tests.test_store_contract import DocBuilder

LABELS = ("Project", "Person", "Topic")


@pytest.fixture
def kg(store, tmp_path, monkeypatch):
    # a store other than an embedded one keeps its answers in answers_dir: a test's own
    monkeypatch.setenv("PTGKG_ANSWERS_DIR", str(tmp_path / "answers"))
    get_settings.cache_clear()
    for g in (bobcat_pad(), epoxy_pad(), tripleo_recap()):
        store.write_document(g)
    yield store
    get_settings.cache_clear()


def every(store, label):
    return q.nodes_of_label(store, label)


def never_computed(monkeypatch):
    """Make computing a project's profile or partners fail: what answers then was served."""
    def refuse(*_a, **_k):
        raise AssertionError("computed, not served")
    monkeypatch.setattr(q, "_project_facts", refuse)
    monkeypatch.setattr(q, "_collaborations", refuse)
    monkeypatch.setattr(q, "_chosen_decisions", refuse)


def test_busy_nodes_are_those_with_enough_relationships(kg):
    degree = {n.id: d for label in LABELS for n, d in kg.top_nodes(label, 100)}
    busy = mat.busy_nodes(kg, 3)
    assert busy and {n.id for n in busy} == {nid for nid, d in degree.items() if d >= 3}
    assert mat.busy_nodes(kg, 10_000) == []


def test_served_answers_are_the_computed_ones(kg, monkeypatch):
    computed = {n.id: q.profile(kg, n.id) for label in LABELS for n in every(kg, label)}
    partners = {n.id: q.collaborations(kg, n.id) for n in every(kg, "Project")}
    decided = {n.id: q.decisions_answer(kg, n.id) for n in every(kg, "Project")}
    assert any(d.total for d in decided.values())
    done = mat.materialize(kg, min_degree=1)
    assert done.skipped is None and done.nodes == len(computed)
    # a project's partners and decisions too, and the network with its analytics
    assert done.answers == len(computed) + 2 * len(partners) + 2
    never_computed(monkeypatch)
    for nid, prof in computed.items():
        assert q.profile(kg, nid) == prof
    for nid, found in partners.items():
        assert q.collaborations(kg, nid) == found
        assert q.collaborators(kg, nid) == found.partners
        assert q.decisions_answer(kg, nid) == decided[nid]
        assert q.decisions(kg, nid) == decided[nid].decisions
    kolla = q.profile(kg, "Kolla")  # by name too, and as a user sees it
    assert {"Michal Nasiadka", "Bob Newer"} <= {p.node.name for p in kolla.people}
    assert kolla.collaborators[0].partner.name == "TripleO"
    assert kolla.collaborators[0].evidence[0].quote == "Kolla and TripleO share the health check scripts"
    # other limits are computed, as before
    with pytest.raises(AssertionError, match="computed, not served"):
        q.collaborations(kg, "Kolla", limit=1)


def test_materializing_again_keeps_the_current_answers(kg):
    assert mat.materialize(kg, min_degree=1).answers > 0
    again = mat.materialize(kg, min_degree=1)
    assert again.answers == 0 and again.skipped == "the stored answers are current"
    assert mat.materialize(kg, min_degree=0).skipped == "answers_min_degree is 0"


def test_a_write_makes_every_stored_answer_stale(kg, monkeypatch):
    mat.materialize(kg, min_degree=1)
    b = DocBuilder("kolla-flamingo", "Kolla Flamingo PTG", date="2025-04-08", event="2025.2 Flamingo PTG")
    kolla = b.node("Project", "Kolla", aliases=["kolla"], kind="team")
    dana = b.node("Person", "Dana Newest")
    b.edge(dana, "MEMBER_OF", kolla, "Dana joined the Kolla core team")
    kg.write_document(b.build())
    assert answers.served(kg, "profile", "project:kolla", q.Profile) is None
    assert "Dana Newest" in [p.node.name for p in q.profile(kg, "Kolla").people]
    # and again once materialized for the new graph
    mat.materialize(kg, min_degree=1)
    never_computed(monkeypatch)
    assert "Dana Newest" in [p.node.name for p in q.profile(kg, "Kolla").people]


def test_a_write_while_computing_keeps_none(kg, store_factory):
    mat.materialize(kg, min_degree=1)
    before = (answers.answer_file(kg).generation(), _rows(answers.answer_file(kg).path))
    kg.write_document(_note("another"))  # the stored answers are now stale
    other = store_factory()  # another process, as it were, writing meanwhile
    late = [_note("late")]

    def write_meanwhile(_node):
        if late:
            other.write_document(late.pop())

    done = mat.materialize(kg, min_degree=1, progress=write_meanwhile)
    assert done.skipped == "the graph changed while they were computed" and done.answers == 0
    file = answers.answer_file(kg)
    assert (file.generation(), _rows(file.path)) == before  # the older set, whole, and not served
    assert answers.served(kg, "profile", "project:kolla", q.Profile) is None


def _note(key):
    b = DocBuilder(key, f"A {key} note", date="2025-04-10")
    b.edge(b.node("Person", f"{key} writer"), "DISCUSSED", b.node("Topic", "upgrades"), f"{key}: upgrades again")
    return b.build()


def test_a_run_killed_while_computing_leaves_the_older_answers(kg):
    mat.materialize(kg, min_degree=1)
    file = answers.answer_file(kg)
    before = (file.generation(), _rows(file.path))
    kg.write_document(_note("another"))

    def killed(_node):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        mat.materialize(kg, min_degree=1, progress=killed)
    assert (file.generation(), _rows(file.path)) == before
    assert q.profile(kg, "Kolla") == q.profile(kg, "Kolla", materialized=False)


def _rows(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT kind, key, length(body) FROM answers ORDER BY kind, key").fetchall()


def test_an_answer_of_another_shape_is_computed_instead(kg):
    mat.materialize(kg, min_degree=1)
    file = answers.answer_file(kg)
    with sqlite3.connect(file.path) as conn:
        conn.execute("UPDATE answers SET body=? WHERE kind='profile' AND key='project:kolla'",
                     (json.dumps({"node": {"id": "project:kolla"}, "unknown": 1}),))
    assert q.profile(kg, "Kolla") == q.profile(kg, "Kolla", materialized=False)


def test_a_damaged_answer_file_is_ignored(tmp_path):
    with EmbeddedStore(tmp_path / "kg") as store:
        for g in (bobcat_pad(), epoxy_pad()):
            store.write_document(g)
        expected = q.profile(store, "Kolla")
        (tmp_path / "kg" / answers.FILE_NAME).write_bytes(b"\x00\xffnot a database" * 100)
    with EmbeddedStore(tmp_path / "kg", read_only=True) as store:
        assert q.profile(store, "Kolla") == expected


def test_small_graphs_get_no_file(tmp_path):
    with EmbeddedStore(tmp_path / "kg") as store:
        store.write_document(bobcat_pad())
        done = mat.materialize(store, min_degree=1000)
        assert done.skipped == "no node has 1000 relationships"
        assert not (tmp_path / "kg" / answers.FILE_NAME).exists()
    with EmbeddedStore(tmp_path / "kg", read_only=True) as store:
        assert mat.materialize(store, min_degree=1).skipped == "the store is open read-only"


def test_the_network_and_its_analytics_are_served_as_computed(kg, monkeypatch):
    from ptgkg.graph import network

    computed = network.collaboration_network(kg)
    assert computed.pairs and network.network_analytics(kg) is None
    mat.materialize(kg, min_degree=1)
    monkeypatch.setattr(network, "_collaboration_network", lambda _s: (_ for _ in ()).throw(AssertionError))
    served = network.collaboration_network(kg)
    assert served == computed and served.pairs[("project:kolla", "project:tripleo")].evidence
    assert network.network_analytics(kg) == network.analyse(network.to_networkx(computed))


def test_answers_kept_by_another_ptgkg_are_computed_again(kg):
    mat.materialize(kg, min_degree=1)
    file = answers.answer_file(kg)
    with sqlite3.connect(file.path) as conn:
        conn.execute("UPDATE meta SET value='0' WHERE key='format'")
    assert not file.current(kg.generation())
    assert answers.served(kg, "profile", "project:kolla", q.Profile) is None  # not served either
    assert mat.materialize(kg, min_degree=1).answers > 0 and file.current(kg.generation())
    assert answers.served(kg, "profile", "project:kolla", q.Profile) == q.profile(kg, "Kolla", materialized=False)


def test_an_ingest_run_can_end_by_computing_the_busy_nodes_answers(tmp_path):
    from ptgkg.config import Settings
    from ptgkg.pipeline import Ingestor
    from tests.conftest import DATA

    settings = Settings(store=str(tmp_path / "kg"), answers_min_degree=8)
    answered = []
    with EmbeddedStore(tmp_path / "kg") as store:
        plain = Ingestor(store, settings).run([DATA / "notes"], answering=answered.append)
        assert plain.answers is None and not answered and not (tmp_path / "kg" / answers.FILE_NAME).exists()
        # the same notes again, unchanged: nothing is written, and the run ends with the answers
        summary = Ingestor(store, settings, materialize=True).run([DATA / "notes"], answering=answered.append)
        busy = mat.busy_nodes(store, 8)
        assert busy and answered == [n.name for n in busy]
        assert summary.answers.answers >= len(busy) and summary.to_dict()["answers_materialized"] == summary.answers.answers
        assert answers.answer_file(store).current(store.generation())
        # nothing written: the answers stay as they are
        again = Ingestor(store, settings, materialize=True).run([DATA / "notes"], answering=answered.append)
        assert again.answers.skipped == "the stored answers are current" and len(answered) == len(busy)


def test_a_store_id_names_a_file_only_when_it_is_a_plain_name(tmp_path):
    class Remote:  # a Neo4j store, as answer_file sees it: its id is the generation's first part
        def __init__(self, generation):
            self.generation = lambda: generation

    assert answers.answer_file(Remote("../../etc/x:3"), tmp_path) is None  # a tampered meta node
    assert answers.answer_file(Remote("empty"), tmp_path) is None
    assert answers.answer_file(Remote("3f2a9c:3"), tmp_path).path == tmp_path / "3f2a9c.sqlite"
