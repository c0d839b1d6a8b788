"""The fast paths of the decision log give the answers of the full computation: the
newest ``limit`` decisions of a project (a hub's profile), one quote per decision, the
log's table rows, decisions by id, and the collaboration network built from them.

The graph is made so that shortcuts would show: decisions made in sessions whose dates
are newer (or older) than their quotes' documents, documents whose sections have
different dates, undated documents, decisions sharing a date (their names break the tie),
events from sessions and from notes, one sentence supporting several relationships, and
a decision nothing supports."""
from __future__ import annotations

import random

import pytest

from ptgkg.dashboard import network
from ptgkg.graph import queries as q
from ptgkg.graph.model import Edge

from tests.test_store_contract import DocBuilder

DATES = ["2021-03-01", "2022-10-10", "2022-10-10", "2023-06-05", None]
PROJECTS = ["Nova", "Neutron", "Cinder", "Glance"]


def _documents(n_docs: int = 6, per_doc: int = 7, seed: int = 5):
    rng = random.Random(seed)
    sessions: list[tuple[str, str | None]] = []  # (key, date) of sessions made so far
    graphs = []
    count = 0
    for i in range(n_docs):
        doc_date = DATES[i % len(DATES)]
        # some notes name their PTG (no Event node: the name is the event), some sessions are
        # PART_OF an Event whose start dates those without a date of their own
        doc_props = {**({"date": doc_date} if doc_date else {}), **({"event": f"PTG {i % 2}"} if i % 3 == 1 else {})}
        b = DocBuilder(f"pad-{i}", f"Pad {i}", **doc_props)
        projects = {name: b.node("Project", name) for name in PROJECTS}
        topic = b.node("Topic", f"topic {i % 3}")
        owner = b.node("Person", f"Owner {i % 2}")
        summit = b.node("Event", f"Summit {i // 2 % 2}", start=["2020-05-04", "2024-01-08"][i // 2 % 2])
        # a quote before any heading (no session: two follow), then two sections of their own dates
        heads = []
        for j, when in enumerate([rng.choice(DATES), None]):
            key = f"pad-{i}-s{j}"
            props = {"date": when} if when else {}
            heads.append(b.node("Session", f"Session {i}.{j}", key=key, **props))
            sessions.append((key, when))
            if i % 2 == 0:
                b.edge(heads[-1], "PART_OF", summit, f"Session {i}.{j} at Summit {i // 2 % 2}")
        for j in range(per_doc):
            count += 1
            # several decisions share a name: the id breaks the tie
            d = b.node("Decision", f"Decision {count % 9}", key=f"d-{i}-{j}", text=f"We decided {count}",
                       status=rng.choice(["agreed", "open", "action"]))
            if j == 2:
                b.edge(b.doc_id, "RECORDS", heads[0], f"Heading {i}.0")
            if j == 4:
                b.edge(b.doc_id, "RECORDS", heads[1], f"Heading {i}.1")
            if j == 6 and i == 0:
                b.edge(d, "INVOLVES", projects["Nova"])  # nothing supports this decision
                continue
            # made in a session of this or an earlier document: its date and the quotes' disagree
            key, when = rng.choice(sessions)
            s = b.node("Session", "made in " + key, key=key, **({"date": when} if when else {}))
            b.edge(d, "MADE_IN", s, f"Decision {count} made in {key}")
            if j % 3:
                b.edge(d, "ABOUT", topic, f"Decision {count} is about topic {i % 3}")
            else:  # one sentence supports several relationships (as in real notes)
                said = b.line(f"Owner {i % 2} takes decision {count} on topic {i % 3}")
                b.edges += [Edge(d, topic, "ABOUT", [said]), Edge(d, owner, "ASSIGNED_TO", [said])]
            for name in rng.sample(PROJECTS, rng.choice([1, 2, 2, 3])):
                b.edge(d, "INVOLVES", projects[name], f"Decision {count} involves {name}",
                       *([f"{name} agreed to decision {count}"] if rng.random() < 0.3 else []))
        if i % 2:
            b.edge(projects["Nova"], "COLLABORATES_WITH", projects["Neutron"], f"Nova and Neutron pair {i}",
                   topics=["ports"])
        graphs.append(b.build())
    return graphs


@pytest.fixture
def log(store):
    for g in _documents():
        store.write_document(g)
    q.clear_caches()
    return store


def _plain(views):
    return [v.to_dict() for v in views]


def _by_the_definition(store) -> list[dict]:
    """Every decision with evidence, worked out plainly from the store: its relationships
    with evidence, its distinct quotes in context (``evidence_views``), its date (the
    newest of its sessions' dates, a session undated taking its event's start, else of
    its quotes' dates, the first of equals), its events (its sessions' then its quotes'),
    newest first, then by name and id."""
    from datetime import date

    def day(when):
        return date.fromisoformat(when).toordinal() if when else 0

    out = []
    for node, _ in store.top_nodes("Decision", 1000):
        edges = [e for e in store.edges(node.id, direction="out") if e.evidence]
        if not edges:
            continue
        ends = {n.id: n for n in store.get_nodes(e.target for e in edges)}
        of = {kind: list(dict.fromkeys(ends[e.target].name for e in edges if e.type == kind))
              for kind in ("MADE_IN", "ABOUT", "INVOLVES", "ASSIGNED_TO")}
        quotes = q.evidence_views(store, [ev for e in edges for ev in e.evidence])
        when, events = None, []
        for e in edges:
            if e.type != "MADE_IN":
                continue
            session = ends[e.target]
            event = next((store.get_nodes([x.target])[0] for x in store.edges(session.id, ["PART_OF"], "out")
                          if x.evidence), None)
            said = session.props.get("date") or (event.props.get("start") if event else None)
            if said and (when is None or day(said) > day(when)):
                when = said
            events += [event.name] if event else []
        for v in quotes:
            if v.date and (when is None or day(v.date) > day(when)):
                when = v.date
            events += [v.event] if v.event else []
        shown = sorted(quotes, key=lambda v: (v.doc, v.start))[:q.EVIDENCE_PER_ITEM]
        out.append({"node": q.node_dict(node), "text": node.props.get("text") or node.name,
                    "status": node.props.get("status") or "open", "sessions": of["MADE_IN"],
                    "events": list(dict.fromkeys(events)), "date": when, "topics": of["ABOUT"],
                    "projects": of["INVOLVES"], "owners": of["ASSIGNED_TO"], "evidence": [v.to_dict() for v in shown]})
    return sorted(out, key=lambda d: (-day(d["date"]), d["node"]["name"], d["node"]["id"]))


def test_decisions_are_what_their_relationships_and_quotes_say(log):
    expected = _by_the_definition(log)
    assert len(expected) == 6 * 7 - 1  # the unsupported decision is left out
    assert any(len(d["events"]) > 1 for d in expected) and any(d["owners"] for d in expected)
    assert _plain(q.decisions(log)) == expected
    q.clear_caches()  # from cold, the log's rows first: the same facts
    assert [tuple(r) for r in q.decision_log(log)] == [_row_of(v) for v in q.decisions(log)]
    assert _plain(q.decisions(log)) == expected


def test_the_newest_decisions_are_the_first_of_all_of_them(log):
    full = q.decisions(log, project="Nova")
    assert len(full) > 10
    assert len({d.date for d in full}) < len(full)  # shared dates: names and ids break ties
    for limit in (1, 2, 3, 5, 8, len(full), len(full) + 3):
        q.clear_caches()  # from cold: only the decisions that can be among the newest are read
        assert _plain(q.decisions(log, project="Nova", limit=limit)) == _plain(full[:limit])
        # and again, with some decisions' facts known from the first call
        assert _plain(q.decisions(log, project="Nova", limit=limit + 1)) == _plain(full[:limit + 1])


def test_an_answer_keeps_the_newest_decisions_and_counts_them_all(log):
    full = q.decisions(log, project="Nova", limit=None)
    for limit in (1, 3, len(full) + 1):
        found = q.decisions_answer(log, project="Nova", limit=limit)
        assert found.total == len(full) and _plain(found.decisions) == _plain(full[:limit])
    # by default the newest DECISION_LIMIT, as in a profile (this graph has fewer)
    assert len(full) < q.DECISION_LIMIT and _plain(q.decisions(log, project="Nova")) == _plain(full)


def test_a_profile_shows_the_newest_decisions_and_counts_them_all(log, monkeypatch):
    full = q.decisions(log, project="Nova")
    for limit in (1, 4, 9):
        monkeypatch.setattr(q, "DECISION_LIMIT", limit)
        q.clear_caches()
        prof = q.profile(log, "Nova")
        assert _plain(prof.decisions) == _plain(full[:limit])
        assert prof.totals["decisions"] == len(full)  # the unsupported decision is not counted


def test_one_quote_per_decision_is_the_first_of_the_full_answer(log):
    full = q.decisions(log)
    q.clear_caches()
    short = q.decisions(log, quotes=1)
    assert [d.node.id for d in short] == [d.node.id for d in full]
    for a, b in zip(short, full):
        assert a.evidence == b.evidence[:1] and a.evidence
        assert (a.date, a.events, a.sessions, a.projects, a.topics, a.status) == \
               (b.date, b.events, b.sessions, b.projects, b.topics, b.status)


def test_decisions_by_id_keep_the_order_and_leave_out_what_is_not_a_decision(log):
    full = q.decisions(log)
    wanted = {d.node.id for d in full[::3]} | {"project:nova", "decision:nowhere"}
    assert _plain(q.decision_views(log, wanted)) == _plain([d for d in full if d.node.id in wanted])


def _row_of(view) -> tuple:
    """What the decision log's table shows of a decision, from its full view."""
    first = view.evidence[0]
    return (view.node.id, view.text, view.status, view.date, view.sessions, view.events, view.topics,
            view.projects, view.owners, first.quote, first.doc_title or first.doc_source or first.doc)


def test_the_log_rows_are_the_decisions_in_order_with_their_first_quote(log):
    for choice in ({}, {"project": "Nova"}, {"topic": "topic 1"}, {"project": "neutron", "topic": "topic 2"},
                   {"status": "open"}):
        full = q.decisions(log, **choice)
        q.clear_caches()  # from cold, and again with every decision's facts known
        for _ in range(2):
            rows = q.decision_log(log, **choice)
            assert rows and [tuple(r) for r in rows] == [_row_of(v) for v in full]
    assert len(q.decision_log(log)) == len(q.decisions(log)) == 6 * 7 - 1  # the unsupported one is left out
    with pytest.raises(q.NotFound):
        q.decision_log(log, project="Swift")
    with pytest.raises(ValueError):
        q.decision_log(log, status="maybe")


def test_a_row_names_its_document_by_title_else_source_else_id(store):
    from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node

    for i, props in enumerate([{"title": "Etherpad 1"}, {"source": "notes/pad.txt"}, {}]):
        doc = f"document:pad-{i}"
        ev = Evidence(doc, f"We agreed {i}.", 0, 12)
        store.write_document(DocumentGraph(doc, f"h{i}", [
            Node(doc, "Document", "", props=props), Node(f"decision:d{i}", "Decision", f"d{i}", props={"text": f"d{i}"}),
            Node("topic:t", "Topic", "t")], [Edge(f"decision:d{i}", "topic:t", "ABOUT", [ev])]))
    q.clear_caches()
    sources = {r.id: r.source for r in q.decision_log(store)}
    assert sources == {"decision:d0": "Etherpad 1", "decision:d1": "notes/pad.txt", "decision:d2": "document:pad-2"}
    assert sources == {v.node.id: _row_of(v)[-1] for v in q.decisions(store)}


def test_network_links_carry_the_decisions_involving_both_and_their_topics(log):
    full = q.decisions(log, limit=None)
    net = network.collaboration_network(log)
    names = {n.id: n.name for n in net.projects.values()}
    seen = 0
    for (a, b), pair in net.pairs.items():
        expected = [d for d in full if {names[a], names[b]} <= set(d.projects)]
        assert sorted(pair.decision_ids) == sorted(d.node.id for d in expected)
        assert all(set(d.topics) <= set(pair.topics) for d in expected)
        assert pair.weight == max(1, len(pair.topics) + len(expected))
        # what the page shows of a link's decisions: their views, newest first, read for it alone
        assert q.decision_views(log, pair.decision_ids) == expected
        seen += len(expected)
    assert seen and any(p.evidence for p in net.pairs.values()) and any(not p.evidence for p in net.pairs.values())


def test_the_network_reads_no_decision_quotes_until_filtered_by_ptg(log, monkeypatch):
    rows = q.decision_log(log)
    events = network.decision_events(rows)
    q.clear_caches()

    def refused(*args, **kwargs):
        raise AssertionError("the network read every decision in context")

    for name in ("decision_log", "decisions", "decisions_answer", "_decision_facts", "_one_decision"):
        monkeypatch.setattr(q, name, refused)
    net = network.collaboration_network(log)
    monkeypatch.undo()
    assert net.pairs and {d for p in net.pairs.values() for d in p.decision_ids} <= set(events)
    with pytest.raises(ValueError):
        network.filter_network(net, [net.events[0].name])
    for event in (e.name for e in net.events):
        sub = network.filter_network(net, [event], decision_events=events)
        for key, pair in sub.pairs.items():
            assert all(event in events[d] for d in pair.decision_ids)
            assert all(v.event == event for v in pair.evidence)
            assert set(pair.decision_ids) == {d for d in net.pairs[key].decision_ids if event in events[d]}


def test_the_collector_runs_again_after_the_log_and_the_network_unless_it_was_off(log):
    import gc

    assert gc.isenabled()
    q.decision_log(log)
    network.collaboration_network(log)
    assert gc.isenabled()
    gc.disable()
    try:
        q.clear_caches()
        q.decisions(log)
        network.collaboration_network(log)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_merged_evidence_is_what_the_json_decoder_reads_from_the_support_rows():
    import json

    from ptgkg.graph.model import Edge, Evidence
    from ptgkg.graph.stores.embedded import _merge_edge, _merged_evidence

    one = '[["doc:a","We agreed.",3,13]]'
    two = '[["doc:a","We agreed.",3,13],["doc:b","Nova owns it.",0,13]]'
    spaced = ' [["doc:c", "Spaced out.", 5, 16]] '  # not canonical: the full decoder reads it
    for texts in ([one], [two], [one, two], [spaced, one], ["[]"], [one, "[]"]):
        expected = list(dict.fromkeys(Evidence(*item) for text in texts for item in json.loads(text)))
        assert _merged_evidence(texts) == expected
    with pytest.raises(json.JSONDecodeError):
        _merged_evidence(['[["doc:a","x",0,1]] trailing'])
    edge = _merge_edge(("project:nova", "COLLABORATES_WITH", "project:neutron"),
                       [('{"topics":["ports"]}', one), ('{"topics":["ports","dhcp"]}', two)])
    assert edge == Edge("project:nova", "project:neutron", "COLLABORATES_WITH",
                        [Evidence("doc:a", "We agreed.", 3, 13), Evidence("doc:b", "Nova owns it.", 0, 13)],
                        {"topics": ["ports", "dhcp"]})
    with pytest.raises(ValueError):
        _merge_edge(("project:nova", "NOT_A_TYPE", "project:neutron"), [("{}", one)])


def _pages(log, size: int, **choice) -> list:
    """Every page of the filtered log, read from cold one after the other."""
    q.clear_caches()
    first = q.decision_log_page(log, **choice, offset=0, limit=size)
    pages = [first] + [q.decision_log_page(log, **choice, offset=at, limit=size)
                       for at in range(size, first.total, size)]
    return pages


def test_the_log_page_by_page_is_the_whole_log_with_its_counts(log):
    """Pages cut the filtered log (same rows, same order) and count what it counts, for
    every filter the log page offers; each page read from cold builds only what it needs."""
    everything = q.decision_log(log)
    assert len(everything) == 6 * 7 - 1
    later_events = [e for r in everything for e in r.events][-1:]  # a PTG an older row names
    for choice, keep in [({}, lambda r: True),
                         ({"project": "Nova"}, lambda r: "Nova" in r.projects),
                         ({"topic": "topic 1", "statuses": ["open", "action"]},
                          lambda r: "topic 1" in r.topics and r.status in ("open", "action")),
                         ({"events": later_events}, lambda r: set(later_events) & set(r.events)),
                         ({"project": "neutron", "statuses": ["agreed"], "events": ["PTG 0", "PTG 1"]},
                          lambda r: "Neutron" in r.projects and r.status == "agreed"
                          and {"PTG 0", "PTG 1"} & set(r.events))]:
        expected = [r for r in everything if keep(r)]
        assert expected, choice
        for size in (4, 10):
            pages = _pages(log, size, **choice)
            assert [r for p in pages for r in p.rows] == expected
            assert all(len(p.rows) == size for p in pages[:-1]) and pages[-1].rows
            statuses = {s: sum(1 for r in expected if r.status == s) for s in {r.status for r in expected}}
            assert all(p.total == len(expected) and p.statuses == statuses for p in pages)
    q.clear_caches()
    q.decision_log_page(log, limit=3)
    built = sum(1 for f in q._context_cache(log).decision_facts.values() if f is not None)
    assert 3 <= built < len(everything)  # the newest page, not every decision
    assert q.decision_log_page(log, offset=100).rows == []
    with pytest.raises(q.NotFound):
        q.decision_log_page(log, project="Swift")
    with pytest.raises(ValueError):
        q.decision_log_page(log, statuses=["agreed", "maybe"])


def test_recurring_items_of_a_page_are_those_of_the_whole_log(log):
    """An item's "recurring" PTGs, worked out from its topics' decisions only, are those the
    whole log gives it, page after page."""
    from ptgkg.dashboard.decision_log import UNSETTLED, recurring_among, recurring_items

    everything = q.decision_log(log)
    whole = recurring_items(everything)
    assert whole and any(len(v) > 2 for v in whole.values())
    found, seen = {}, 0
    for page in _pages(log, 5):
        ids = [r.id for r in page.rows if r.status in UNSETTLED]
        related = q.related_decision_log(log, ids, UNSETTLED)
        assert [r.id for r in related] == [r.id for r in everything if r.id in {x.id for x in related}]  # log order
        found.update(recurring_among(ids, related))
        seen += len(related) < len(everything)  # a page reads its topics' decisions, not all
    assert found == whole and seen
