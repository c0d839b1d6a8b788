"""Whole-graph export: the SPEC's JSON shape and GraphML that graph tools can read back."""
from __future__ import annotations

import io
import json
import sys

import networkx as nx
import pytest

from ptgkg.graph.export import export_json, write_graphml, write_json

from tests.test_queries import bobcat_pad, epoxy_pad, tripleo_recap


@pytest.fixture
def kg(store):
    for g in (bobcat_pad(), epoxy_pad(), tripleo_recap()):
        store.write_document(g)
    return store


def test_json_follows_the_spec(kg):
    data = export_json(kg)
    assert set(data) == {"nodes", "edges"}
    ids = {n["id"] for n in data["nodes"]}
    for n in data["nodes"]:
        assert {"id", "label", "name", "aliases"} <= set(n) and isinstance(n["aliases"], list)
    kolla = next(n for n in data["nodes"] if n["id"] == "project:kolla")
    assert (kolla["label"], kolla["name"], kolla["kind"]) == ("Project", "Kolla", "team")
    decisions = [n for n in data["nodes"] if n["label"] == "Decision"]
    assert len(decisions) == 4 and all(d["text"] and d["status"] in ("agreed", "action", "proposed") for d in decisions)
    for e in data["edges"]:
        assert e["source"] in ids and e["target"] in ids
        assert e["weight"] == len(e["evidence"])
        for ev in e["evidence"]:
            assert set(ev) == {"doc", "quote", "start", "end"} and ev["doc"] in ids
    alice = next(e for e in data["edges"] if e["source"] == "person:alice-old" and e["type"] == "DISCUSSED")
    assert alice["weight"] == 3
    collab = next(e for e in data["edges"] if e["type"] == "COLLABORATES_WITH" and e["source"] == "project:kolla"
                  and e["target"] == "project:tripleo")
    assert collab["topics"] == ["health checks"]


def test_write_json_to_stream_path_and_stdout(kg, tmp_path, capsys):
    expected = export_json(kg)
    text = io.StringIO()
    write_json(kg, text)
    assert json.loads(text.getvalue()) == expected
    binary = io.BytesIO()
    write_json(kg, binary)
    assert json.loads(binary.getvalue().decode("utf-8")) == expected
    out = tmp_path / "graph.json"
    write_json(kg, out)
    assert json.loads(out.read_text(encoding="utf-8")) == expected
    write_json(kg, sys.stdout)
    assert json.loads(capsys.readouterr().out) == expected


def test_graphml_round_trips_through_networkx(kg, tmp_path):
    out = tmp_path / "graph.graphml"
    write_graphml(kg, out)
    g = nx.read_graphml(out, force_multigraph=True)
    data = export_json(kg)
    assert set(g.nodes) == {n["id"] for n in data["nodes"]}
    assert g.number_of_edges() == len(data["edges"])
    assert g.nodes["person:bob-newer"]["label"] == "Person"
    kolla = g.nodes["project:kolla"]
    assert kolla["name"] == "Kolla" and json.loads(kolla["aliases"]) == ["kolla"]
    edges = {(s, t, d["type"]): d for s, t, d in g.edges(data=True)}
    alice = edges[("person:alice-old", "topic:container-health-checks", "DISCUSSED")]
    assert alice["weight"] == 3
    quotes = [ev["quote"] for ev in json.loads(alice["evidence"])]
    assert "Alice: health checks must not hit the database" in quotes
    collab = edges[("project:kolla", "project:tripleo", "COLLABORATES_WITH")]
    assert json.loads(collab["topics"]) == ["health checks"]
    # the same to a text stream (the CLI's stdout)
    buf = io.StringIO()
    write_graphml(kg, buf)
    assert buf.getvalue() == out.read_text(encoding="utf-8")
