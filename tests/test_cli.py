"""The CLI end to end on data/notes, as a user runs it."""
from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from ptgkg.cli import app
from ptgkg.graph import queries
from ptgkg.graph.stores import open_store

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    from tests.conftest import DATA

    store = tmp_path_factory.mktemp("cli") / "store"
    result = invoke("ingest", DATA / "notes", "--store", store)
    assert result.exit_code == 0, result.output
    return store


def test_ingest_summary_and_idempotence(kg):
    from tests.conftest import DATA

    again = invoke("ingest", DATA / "notes", "--store", kg, "--json")
    summary = json.loads(again.stdout)
    assert summary["ingested"] == 0 and summary["unchanged"] >= 7
    assert summary["nodes_added"] == 0 and summary["edges_added"] == 0


def test_export_json_follows_the_spec(kg):
    data = json.loads(invoke("export", "--store", kg, "--format", "json").stdout)
    assert set(data) == {"nodes", "edges"}
    labels = {n["label"] for n in data["nodes"]}
    assert {"Person", "Project", "Topic", "Decision", "Session", "Event", "Document"} <= labels
    for n in data["nodes"]:
        assert {"id", "label", "name", "aliases"} <= set(n)
        if n["label"] == "Decision":
            assert n["text"] and n["status"] in ("agreed", "action", "proposed", "open")
    ids = {n["id"] for n in data["nodes"]}
    docs = {n["id"]: n for n in data["nodes"] if n["label"] == "Document"}
    for e in data["edges"]:
        assert e["source"] in ids and e["target"] in ids
        assert e["weight"] == len(e["evidence"]) >= 1
        for ev in e["evidence"]:
            assert set(ev) == {"doc", "quote", "start", "end"} and ev["doc"] in docs
            assert ev["quote"] and ev["end"] > ev["start"]
    names = {n["name"] for n in data["nodes"] if n["label"] == "Project"}
    assert {"Kolla", "TripleO"} <= names
    # one node per real-world entity
    keys = [(n["label"], n["name"].casefold()) for n in data["nodes"] if n["label"] in ("Person", "Project", "Topic")]
    assert len(keys) == len(set(keys))


def test_graphml_export(kg, tmp_path):
    out = tmp_path / "kg.graphml"
    assert invoke("export", "--store", kg, "--format", "graphml", "-o", out).exit_code == 0
    import networkx as nx

    g = nx.read_graphml(out)
    assert g.number_of_nodes() > 20 and g.number_of_edges() > 20


def test_ask_collaborators_kolla(kg):
    result = invoke("ask", "collaborators", "Kolla", "--store", kg)
    assert result.exit_code == 0
    assert "TripleO" in result.stdout and "health checks" in result.stdout and "“" in result.stdout
    data = json.loads(invoke("ask", "collaborators", "kolla", "--store", kg, "--json").stdout)
    tripleo = next(c for c in data["collaborators"] if c["partner"]["name"] == "TripleO")
    assert any("health" in t for t in tripleo["topics"])
    assert tripleo["evidence"] and all(ev["quote"] for ev in tripleo["evidence"])
    assert data["total"] == len(data["collaborators"])
    closest = invoke("ask", "collaborators", "Kolla", "--store", kg, "--limit", "1")
    assert f"works with {data['total']} project(s), the closest 1 below" in closest.stdout
    best, *others = [c["partner"]["name"] for c in data["collaborators"]]
    assert best in closest.stdout and not any(f"  {name} on " in closest.stdout for name in others)


def test_ask_who_discussed_health_checks(kg):
    result = invoke("ask", "who-discussed", "health checks", "--store", kg, "--json")
    data = json.loads(result.stdout)
    assert data["people"], "people who discussed health checks"
    assert any(p["node"]["name"] == "Kolla" for p in data["projects"])
    assert all(p["evidence"] for p in data["people"])
    assert any("Queens PTG" in p["events"] for p in data["people"])


def test_ask_profile_and_decisions(kg):
    result = invoke("ask", "profile", "Kolla", "--store", kg)
    assert result.exit_code == 0
    assert "Key people" in result.stdout and "Decisions" in result.stdout and "TripleO" in result.stdout
    assert "[agreed]" in result.stdout  # statuses are printed, not swallowed as markup
    result = invoke("ask", "decisions", "--project", "Kolla", "--store", kg, "--json")
    rows = json.loads(result.stdout)
    assert rows and all(r["evidence"] for r in rows)
    assert any("ceph-ansible" in r["text"] for r in rows)
    assert "note:" not in result.stderr  # every decision, by default
    # --limit keeps the newest, and says how many there are (stderr: stdout stays JSON)
    newest = invoke("ask", "decisions", "--project", "Kolla", "--limit", "1", "--store", kg, "--json")
    assert json.loads(newest.stdout) == rows[:1]
    assert f"note: the newest 1 of {len(rows)} decisions; --limit 0 for all" in newest.stderr
    text = invoke("ask", "decisions", "--project", "Kolla", "--limit", "2", "--store", kg)
    assert f"the newest 2 of {len(rows)} decisions" in text.stdout
    assert len(json.loads(invoke("ask", "decisions", "--project", "Kolla", "--limit", "0", "--store", kg,
                                 "--json").stdout)) == len(rows)
    # the log lists every decision by default, past the 100 a profile shows
    every = json.loads(invoke("ask", "decisions", "--store", kg, "--json").stdout)
    with open_store(kg, read_only=True) as store:
        assert len(every) == queries.decisions_answer(store, limit=None).total > queries.DECISION_LIMIT


def test_ask_path_and_unknown_name(kg):
    result = invoke("ask", "path", "TripleO", "Documentation", "--store", kg)
    assert result.exit_code == 0 and "Kolla" in result.stdout
    result = runner.invoke(app, ["ask", "profile", "Nonexistent Project XYZ", "--store", str(kg)])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_bad_inputs_are_rejected_with_a_reason_and_lose_nothing(kg, tmp_path):
    store = tmp_path / "copy"
    shutil.copytree(kg, store)
    before = invoke("stats", "--store", store, "--json").stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (bad / "empty.md").write_text("   \n")
    (bad / "broken.html").write_text("<html><body><div><p>Kolla and TripleO agreed to work together on "
                                     "container health checks.<div><span>")
    result = runner.invoke(app, ["ingest", str(bad), "--store", str(store), "--json"])
    assert "Traceback" not in result.output
    summary = json.loads(result.stdout)
    reasons = {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in summary["rejected"]}
    assert "image.txt" in reasons and "empty.md" in reasons
    assert all(len(r.splitlines()) == 1 for r in reasons.values())
    after = json.loads(invoke("stats", "--store", store, "--json").stdout)
    assert all(after["nodes"][k] >= v for k, v in json.loads(before)["nodes"].items())


def test_unreachable_bolt_store_is_one_line_without_password(monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pass")
    result = runner.invoke(app, ["stats", "--store", "bolt://127.0.0.1:1"])
    assert result.exit_code != 0
    assert "bolt://127.0.0.1:1" in result.output and "s3cret-pass" not in result.output
    assert "Traceback" not in result.output


def test_a_document_the_pipeline_fails_on_is_rejected_and_the_rest_ingested(tmp_path, monkeypatch):
    """One note breaking the NLP must not stop the run or lose the other notes."""
    import ptgkg.pipeline as pipeline
    from tests.conftest import DATA

    real = pipeline.extract_facts

    def flaky(doc, gz):
        if "Dublin" in doc._.ptg_document.title:
            raise IndexError("simulated extractor bug")
        return real(doc, gz)

    monkeypatch.setattr(pipeline, "extract_facts", flaky)
    result = runner.invoke(app, ["ingest", str(DATA / "notes"), "--store", str(tmp_path / "s"), "--json"])
    summary = json.loads(result.stdout)
    assert summary["ingested"] >= 6
    reasons = [r["reason"] for r in summary["rejected"]]
    assert reasons == ["extraction failed: IndexError: simulated extractor bug"]


def test_shards_then_resolve_give_one_runs_export(tmp_path, repo):
    """Two machines' shares, written in the opposite order to one run, then `ptgkg resolve`,
    on synthetic notes where people are often named by nick in one note and in full in
    another, and notes of different dates disagree."""
    import sys

    sys.path.insert(0, str(repo / "benchmarks"))
    from generate_corpus import generate

    corpus = tmp_path / "corpus"
    generate(corpus, documents=30, seed=6, doc_words=(200, 400))
    one_run, store = tmp_path / "one-run", tmp_path / "sharded"
    assert invoke("ingest", corpus, "--store", one_run).exit_code == 0
    for k in (2, 1):
        result = invoke("ingest", corpus, "--store", store, "--shard", f"{k}/2", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["documents_rewritten"] == 0  # a shard leaves that to resolve
        assert "ptgkg resolve" in result.stderr
    resolved = json.loads(invoke("resolve", "--store", store, "--json").stdout)
    assert resolved["documents_rewritten"] > 0
    expected = json.loads(invoke("export", "--store", one_run, "--format", "json").stdout)
    sharded = json.loads(invoke("export", "--store", store, "--format", "json").stdout)
    assert sharded == expected
    again = json.loads(invoke("resolve", "--store", store, "--json").stdout)
    assert again["documents_rewritten"] == 0


def test_materialized_answers_print_as_computed_ones(kg, tmp_path, monkeypatch):
    store = tmp_path / "store"
    shutil.copytree(kg, store)
    asked = [("ask", "profile", "Kolla"), ("ask", "collaborators", "Kolla"), ("ask", "profile", "TripleO")]
    before = [invoke(*a, "--store", store, "--json").stdout for a in asked]
    result = invoke("materialize", "--store", store, "--min-degree", "1")
    assert result.exit_code == 0 and result.stdout.startswith("materialized "), result.output
    assert (store / "answers.sqlite").is_file()
    assert [invoke(*a, "--store", store, "--json").stdout for a in asked] == before
    again = invoke("materialize", "--store", store, "--min-degree", "1")
    assert "the stored answers are current" in again.stdout
    # a run that writes leaves them stale; with --materialize it computes them again at its end
    from ptgkg.config import get_settings
    from tests.conftest import DATA

    (tmp_path / "notes").mkdir()
    shutil.copy(next(DATA.glob("notes/*.md")), tmp_path / "notes" / "copy.md")
    monkeypatch.setenv("PTGKG_ANSWERS_MIN_DEGREE", "1")
    get_settings.cache_clear()
    try:
        ran = json.loads(invoke("ingest", tmp_path / "notes", "--store", store, "--json", "--materialize").stdout)
    finally:
        monkeypatch.delenv("PTGKG_ANSWERS_MIN_DEGREE")
        get_settings.cache_clear()
    assert ran["ingested"] == 1 and ran["answers_materialized"] > 0
    with open_store(store, read_only=True) as st:
        from ptgkg.graph import answers

        assert answers.answer_file(st).generation() == st.generation()
        assert queries.profile(st, "Kolla") == queries.profile(st, "Kolla", materialized=False)
