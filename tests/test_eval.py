"""Extraction quality against hand-written gold annotations (tests/eval/).

The scorer itself is checked on small hand-built graphs; the pipeline is then
scored on the sample notes (always) and on the real PTG notes (when present),
against the thresholds of the issue.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node, node_id
from tests.eval.score import (
    DATA_GOLD_DIR, DATA_NOTES, REALDATA_GOLD_DIR, Report, evaluate, extraction_from_graph,
    format_report, gold_problems, load_gold, load_gold_dir, resolve_document, score_document,
)

THRESHOLDS = {"people_f1": 0.90, "projects_f1": 0.90, "decision_recall": 0.80,
              "decision_precision": 0.70, "collaboration_recall": 0.80}


# --------------------------------------------------------------------------- the scorer


GOLD = """\
document: kolla-notes.md
event: "Ussuri PTG"
people: ["Mark Goddard", "Radosław Piliszek"]
projects: ["Kolla", "Ironic", "Ceph"]
aliases:
  "Radosław Piliszek": ["yoctozepto"]
decisions:
  - text: "Drop Python 2 support"
    status: agreed
    quote_contains: "we agreed to drop python 2"
  - text: "Mark writes the health check spec"
    status: action
    quote_contains: ["Mark will write", "Mark will draft"]
collaborations: [["Kolla", "Ironic"]]
discussed: [["Mark Goddard", "container health checks"]]
"""

TEXT = ("In Ussuri we agreed to drop Python 2. Mark will write the health check spec. "
        "Kolla and Ironic work together on bifrost. Ceph was mentioned.")


def _ev(quote: str) -> list[Evidence]:
    start = TEXT.find(quote)
    return [Evidence("doc:1", quote, start, start + len(quote))]


def _graph(extra_nodes=(), extra_edges=()) -> DocumentGraph:
    def n(label, name, aliases=(), **props):
        key = props.pop("key", name)
        return Node(node_id(label, key), label, name, list(aliases), props)

    nodes = [
        n("Person", "Mark Goddard", ["Mark"]),
        n("Person", "yoctozepto"),
        n("Project", "Kolla", ["the Kolla team"]),
        n("Project", "Ironic"),
        n("Project", "OpenStack"),                      # not in the gold: a false positive
        n("Topic", "Container health checks", ["health checks"]),
        n("Event", "Ussuri PTG"),
        n("Session", "Kolla"),
        n("Decision", "d1", text="Drop Python 2.", status="agreed", key="d1"),
        n("Decision", "d2", text="Write the health check spec.", status="agreed", key="d2"),
        n("Decision", "d3", text="Ceph was mentioned.", status="proposed", key="d3"),
        *extra_nodes,
    ]
    edges = [
        Edge("decision:d1", "session:kolla", "MADE_IN", _ev("In Ussuri we agreed to drop Python 2.")),
        Edge("decision:d2", "session:kolla", "MADE_IN", _ev("Mark will write the health check spec.")),
        Edge("decision:d3", "session:kolla", "MADE_IN", _ev("Ceph was mentioned.")),
        Edge("project:kolla", "project:ironic", "COLLABORATES_WITH", _ev("Kolla and Ironic work together on bifrost.")),
        Edge("project:ironic", "project:kolla", "COLLABORATES_WITH", _ev("Kolla and Ironic work together on bifrost.")),
        Edge("person:mark-goddard", "topic:container-health-checks", "DISCUSSED", _ev("Mark will write the health check spec.")),
        *extra_edges,
    ]
    g = DocumentGraph("doc:1", "h", nodes, edges)
    g.check()
    return g


@pytest.fixture
def gold(tmp_path):
    path = tmp_path / "kolla-notes.yaml"
    path.write_text(GOLD, encoding="utf-8")
    return load_gold(path)


def test_scorer_counts_matches_misses_and_false_positives(gold):
    score = score_document(gold, extraction_from_graph(_graph(), TEXT), "ours")
    people, projects = score.kinds["people"], score.kinds["projects"]
    # an alias in the gold ("yoctozepto") and an alias on the node ("Mark") both match
    assert people.as_tuple() == (1.0, 1.0, 1.0)
    # Ceph missed, "OpenStack" not in the gold
    assert (projects.gold_ok, projects.gold, projects.pred_ok, projects.pred) == (2, 3, 2, 3)
    decisions = score.kinds["decisions"]
    # the evidence quote locates both gold decisions; d3 matches nothing
    assert (decisions.gold_ok, decisions.gold, decisions.pred_ok, decisions.pred) == (2, 2, 2, 3)
    assert (score.status_correct, score.status_matched) == (1, 2)   # d2 is an action, not agreed
    # a pair extracted in both directions is one collaboration
    assert score.kinds["collaborations"].as_tuple() == (1.0, 1.0, 1.0)
    assert score.kinds["discussed"].recall == 1.0
    assert score.event_found is True
    assert score.duplicates == []
    assert score.misses == {"projects": ["Ceph"]}


def test_scorer_reports_duplicate_people_and_projects(gold):
    extra = [Node("person:mark", "Person", "Mark"), Node("project:kolla-2", "Project", "kolla"),
             Node("topic:health-checks-2", "Topic", "Container  health checks")]
    score = score_document(gold, extraction_from_graph(_graph(extra_nodes=extra), TEXT), "ours")
    # "Mark" repeats an alias of "Mark Goddard"; "kolla" is Kolla again; the topic repeats itself
    assert sorted(score.duplicates) == ["Topic: Container health checks / Container  health checks",
                                        "people: Mark Goddard / Mark", "projects: Kolla / kolla"]
    assert score.duplicate_count == 3
    assert Report("t", [score], []).duplicates("ours") == 3


def test_empty_extraction_scores_zero_recall(gold):
    score = score_document(gold, None, "baseline")
    assert score.kinds["people"].recall == 0.0 and score.kinds["people"].f1 == 0.0
    assert score.kinds["decisions"].precision is None       # nothing extracted: undefined, not perfect
    assert score.kinds["collaborations"].recall == 0.0


def test_macro_average_skips_documents_with_nothing_expected_or_found(gold, tmp_path):
    control = tmp_path / "control.yaml"
    control.write_text("document: kata.md\npeople: []\nprojects: [\"Kata Containers\"]\n"
                       "decisions: []\ncollaborations: []\n", encoding="utf-8")
    quiet = score_document(load_gold(control), None, "ours")
    found = score_document(gold, extraction_from_graph(_graph(), TEXT), "ours")
    report = Report("t", [quiet, found], [])
    assert report.macro("ours", "people") == (1.0, 1.0, 1.0)   # the control has neither side
    assert report.macro("ours", "projects")[1] == pytest.approx((0 + 2 / 3) / 2, abs=1e-3)
    assert "kata.md" in format_report(report)


def test_malformed_gold_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [a]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.yaml"):
        load_gold(bad)


# --------------------------------------------------------------------------- the gold itself


def _check_gold_dir(gold_dir: Path, root: Path) -> None:
    golds = load_gold_dir(gold_dir)
    assert golds, f"no gold annotations in {gold_dir}"
    for g in golds:
        path = resolve_document(g, root)
        assert path is not None, f"{g.document} not found under {root}"
        assert not gold_problems(g, path.read_text(encoding="utf-8", errors="replace"))
        for d in g.decisions:
            assert d.status in ("agreed", "action", "proposed", "open"), (g.document, d.text)
        names = set(g.projects)
        for a, b in g.collaborations:
            assert {a, b} <= names, f"{g.document}: collaboration {a}-{b} names an unlisted project"


def test_sample_notes_gold_is_well_formed():
    _check_gold_dir(DATA_GOLD_DIR, DATA_NOTES)


def test_realdata_gold_is_well_formed(realdata):
    _check_gold_dir(REALDATA_GOLD_DIR, realdata)


# --------------------------------------------------------------------------- the pipeline


def _assert_thresholds(report: Report, skip: tuple[str, ...] = ()) -> None:
    assert report.ours_error is None, f"ptgkg extraction did not run: {report.ours_error}"
    failures = []

    def check(name: str, value, minimum: float) -> None:
        if value is not None and value < minimum and name not in skip:
            failures.append(f"{name} {value:.2f} < {minimum:.2f}")

    check("people F1", report.macro("ours", "people")[2], THRESHOLDS["people_f1"])
    check("projects F1", report.macro("ours", "projects")[2], THRESHOLDS["projects_f1"])
    dec_p, dec_r, _ = report.macro("ours", "decisions")
    check("decision recall", dec_r, THRESHOLDS["decision_recall"])
    check("decision precision", dec_p, THRESHOLDS["decision_precision"])
    check("collaboration recall", report.macro("ours", "collaborations")[1], THRESHOLDS["collaboration_recall"])
    dups = [f"{d.document}: {x}" for d in report.ours for x in d.duplicates]
    if dups:
        failures.append(f"{len(dups)} duplicate entities: " + "; ".join(dups[:10]))
    ours_only = Report(report.name, report.ours, [], gold_problems=report.gold_problems)
    assert not failures, "\n".join(failures) + "\n\n" + format_report(ours_only, details=True)


def test_sample_notes_meet_the_thresholds():
    report = evaluate(DATA_GOLD_DIR, DATA_NOTES, baseline=False, name="sample notes")
    assert report.ours, "no gold annotations for the sample notes"
    assert not report.gold_problems, report.gold_problems
    _assert_thresholds(report)


@pytest.fixture(scope="module")
def realdata_report(request):
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent on this machine")
    return evaluate(REALDATA_GOLD_DIR, REALDATA, baseline=True, name="realdata")


@pytest.mark.realdata
def test_realdata_meets_the_thresholds_and_beats_the_baseline(realdata_report, capsys):
    report = realdata_report
    with capsys.disabled():
        print("\n" + format_report(report))
    assert not report.gold_problems, report.gold_problems
    _assert_thresholds(report)
    for kind in ("people", "projects"):
        assert report.macro("ours", kind)[2] > report.macro("baseline", kind)[2], kind
    for kind in ("decisions", "collaborations"):
        assert report.macro("ours", kind)[1] > report.macro("baseline", kind)[1], kind
