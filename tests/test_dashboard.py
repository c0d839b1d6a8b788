"""The Streamlit dashboard, page by page, with ``streamlit.testing.v1.AppTest``.

The graph is data/notes ingested by the real pipeline, plus one hostile etherpad
(markup in headings, quotes and decisions) and one hand-built document whose
*names* are hostile, so every place a name or a quote is shown gets checked.
"""
from __future__ import annotations

import hashlib
import re
import socket
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from ptgkg.config import Settings
from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node, node_id
from ptgkg.graph.stores import open_store

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LINK = "[x](javascript:alert(1))"

HOSTILE_PAD = f"""Stein PTG - Kolla hostile input session
Denver, Tuesday 11 September 2018

== Health checks {XSS_IMG} ==

  * Mark Goddard (mgoddard) discussed container health checks with {XSS_IMG} in the notes
  * AGREED: kolla and tripleo keep health checks {XSS_LINK} in one place
  * ACTION: mgoddard to check that {XSS_SCRIPT} renders as text
"""


def hostile_names_graph() -> DocumentGraph:
    """A document whose entity *names* are markup: a project, a person and a topic."""
    doc = node_id("Document", "hostile-names")
    text, ev = "", []

    def line(quote: str) -> Evidence:
        nonlocal text
        start = len(text)
        text += quote + "\n"
        return Evidence(doc, quote, start, start + len(quote))

    kolla = Node("project:kolla", "Project", "Kolla", props={"kind": "team"})
    evil_project = Node(node_id("Project", XSS_IMG), "Project", XSS_IMG, props={"kind": "external"})
    evil_person = Node(node_id("Person", XSS_LINK), "Person", XSS_LINK)
    evil_topic = Node(node_id("Topic", XSS_SCRIPT), "Topic", XSS_SCRIPT)
    edges = [
        Edge(kolla.id, evil_project.id, "COLLABORATES_WITH",
             [line(f"Kolla works with {XSS_IMG} on {XSS_SCRIPT}")], {"topics": [XSS_SCRIPT]}),
        Edge(evil_person.id, evil_topic.id, "DISCUSSED", [line(f"{XSS_LINK} talked about {XSS_SCRIPT}")]),
        Edge(kolla.id, evil_topic.id, "DISCUSSED", [line(f"Kolla discussed {XSS_SCRIPT} {XSS_LINK}")]),
    ]
    nodes = [Node(doc, "Document", "Hostile names", props={"title": f"Hostile {XSS_IMG}", "source": "hostile.txt"}),
             kolla, evil_project, evil_person, evil_topic]
    return DocumentGraph(doc, hashlib.sha256(text.encode()).hexdigest(), nodes, edges)


def build_store(folder: Path, hostile: bool = True) -> Path:
    """data/notes through the real pipeline; with ``hostile``, also a hostile etherpad
    and a document whose names are markup."""
    from ptgkg.pipeline import Ingestor

    inputs = [REPO / "data" / "notes"]
    if hostile:
        notes = folder / "hostile-notes"
        notes.mkdir(parents=True)
        (notes / "stein-hostile.etherpad.txt").write_text(HOSTILE_PAD, encoding="utf-8")
        inputs.append(notes)
    location = folder / "store"
    settings = Settings(store=str(location))
    with open_store(location, settings=settings) as store:
        summary = Ingestor(store, settings).run(inputs)
        assert not summary.rejected, summary.rejected
        if hostile:
            store.write_document(hostile_names_graph())
    return location


@pytest.fixture(scope="module")
def kg(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture
def app(kg, monkeypatch):
    """An AppTest of the whole app on the test graph; ``app(page, **query)`` runs a page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PTGKG_STORE", str(kg))
    monkeypatch.setenv("PTGKG_DASHBOARD_ALLOW_INGEST", "false")

    def run(page: str | None = None, /, **query: str):
        at = AppTest.from_file(str(APP), default_timeout=60).run()
        if page:
            at.switch_page(f"views/{page}.py")
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


# -- helpers ----------------------------------------------------------------------------

_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain(markdown: str) -> str:
    """What a reader sees of escaped Markdown text."""
    return _UNESCAPE.sub(r"\1", markdown)


def shown_markdown(at) -> list[str]:
    """Every Markdown string the page sends: markdown, captions, titles, link and expander
    labels, warnings."""
    out = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "warning", "info",
                                "success", "error") for e in getattr(at, kind)]
    out += [p.proto.label for p in at.get("page_link")]
    out += [e.label for e in at.expander]
    return out


def texts(at) -> str:
    return "\n".join(plain(s) for s in shown_markdown(at))


def links(at) -> list[tuple[str, str]]:
    """(page, query string) of every in-app link on the page."""
    return [(p.proto.page, p.proto.query_string) for p in at.get("page_link")]


def assert_inert(at) -> None:
    """No Markdown the page sends can turn into HTML tags or links: rendered by a
    CommonMark renderer *with raw HTML enabled* (worse than Streamlit), it has no tags
    and no javascript: links."""
    md = MarkdownIt("commonmark", {"html": True})
    for s in shown_markdown(at):
        html = md.render(s)
        assert "<script" not in html and "<img" not in html, s
        assert 'href="javascript' not in html, s


# -- unit: escaping, links, brief, decision log, network ---------------------------------

def test_md_escape_renders_markup_as_text():
    from ptgkg.dashboard.safe import md_escape

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for hostile in (XSS_SCRIPT, XSS_IMG, XSS_LINK, "**bold** _it_ `code` # h :red[x] $x$ | a |"):
        html = md.render(md_escape(hostile))
        assert "<script" not in html and "<img" not in html and "href=" not in html
        assert "<strong>" not in html and "<em>" not in html and "<code>" not in html and "<h1>" not in html
    assert md.render(md_escape(XSS_SCRIPT)).strip() == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert md_escape("two\nlines") == "two lines"


def test_page_url_percent_encodes_query_values():
    from ptgkg.dashboard.safe import page_url

    assert page_url("person", name="Paul Bourke") == "person?name=Paul%20Bourke"
    assert page_url("search", q="a&b=c#d") == "search?q=a%26b%3Dc%23d"
    assert page_url("decisions", project="Kolla", topic="") == "decisions?project=Kolla"


def test_network_elements_escape_html_for_the_component_info_panel(kg):
    from ptgkg.dashboard.network import analyse, collaboration_network, cytoscape_elements, to_networkx

    with open_store(kg, read_only=True) as store:
        net = collaboration_network(store)
    assert any({net.projects[a].name, net.projects[b].name} == {"Kolla", "TripleO"} for a, b in net.pairs)
    elements = cytoscape_elements(net, analyse(to_networkx(net)))
    names = {e["data"]["name"] for e in elements["nodes"]}
    assert "&lt;img src=x onerror=alert(1)&gt;" in names
    for element in elements["nodes"] + elements["edges"]:
        for value in element["data"].values():
            assert "<" not in str(value) and ">" not in str(value)


def test_the_drawing_keeps_the_strongest_links_and_sizes_nodes_against_the_most_active(kg):
    from ptgkg.dashboard.network import analyse, collaboration_network, cytoscape_elements, strongest_pairs, to_networkx

    with open_store(kg, read_only=True) as store:
        net = collaboration_network(store)
    analytics = analyse(to_networkx(net))
    every = cytoscape_elements(net, analytics, None)
    assert len(every["edges"]) == len(net.pairs) > 3
    drawn = cytoscape_elements(net, analytics, 3)
    strongest = strongest_pairs(net, 3)
    assert sorted((e["data"]["source"], e["data"]["target"]) for e in drawn["edges"]) == sorted(p.key for p in strongest)
    assert min(p.weight for p in strongest) >= max(p.weight for p in net.pairs.values() if p not in strongest)
    assert {n["data"]["id"] for n in drawn["nodes"]} == {i for p in strongest for i in p.key}
    sizes = {n["data"]["id"]: n["data"]["size"] for n in drawn["nodes"]}
    assert max(sizes.values()) == 70 and min(sizes.values()) >= 20


def test_a_dense_network_is_drawn_in_part_and_says_so(app, monkeypatch):
    from ptgkg.dashboard import network

    monkeypatch.setattr(network, "DRAWN_LINKS", 3)
    at = app("collaboration")
    said = [c.value for c in at.caption if "The drawing shows the 3 strongest of" in c.value]
    assert said and "the evidence box and the table below cover every link" in said[0]
    # every link can still be explained
    assert sum(1 for label in at.selectbox(key="focus").options if "↔" in label) > 3


def test_the_ptg_filter_and_the_recurring_items_are_built_from_the_decision_logs_own_list(kg, monkeypatch):
    from ptgkg.dashboard import common
    from ptgkg.dashboard.decision_log import recurring_items

    monkeypatch.setenv("PTGKG_STORE", str(kg))
    common._cached_call.clear()
    store, problem = common.read_store()
    assert store is not None, problem
    where, generation = common.settings().store, store.generation()
    net = common._cached_call("collaboration_network", where, generation, (), ())
    # the key cached("decision_log") gives the decision log page
    log = common._cached_call("decision_log", where, generation, (), ())
    events = common._cached_call("decision_events", where, generation, (), ())
    assert events == {d.id: d.events for d in log}
    assert {d for pair in net.pairs.values() for d in pair.decision_ids} <= set(events)
    assert common._cached_call("recurring_items", where, generation, (), ()) == recurring_items(log)


def test_betweenness_is_exact_within_its_budget_and_a_seeded_estimate_beyond_it(monkeypatch):
    import random

    import networkx as nx

    from ptgkg.graph import network

    def projects(n: int, links: int, seed: int) -> nx.Graph:
        rng = random.Random(seed)
        g = nx.Graph()
        for i in range(n):
            g.add_node(f"p{i}", name=f"Project {i:03d}", activity=1)
        while g.number_of_edges() < links:
            a, b = rng.sample(range(n), 2)
            g.add_edge(f"p{a}", f"p{b}", weight=rng.randint(1, 6))
        return g

    def reference(g: nx.Graph, k: int | None) -> dict[str, float]:
        for _, _, data in g.edges(data=True):  # the graph itself: a copy orders neighbours differently
            data["distance"] = 1.0 / data["weight"]
        return nx.betweenness_centrality(g, k=k, weight="distance", normalized=True, seed=7)

    # a few hundred projects with a few thousand links: every node's betweenness, exactly
    assert network.betweenness_sample(310, 1_500) is None
    sparse = projects(150, 400, seed=1)  # more than 100 projects: once a 100-source estimate
    assert network.analyse(sparse).betweenness == reference(sparse, None)
    # past the budget: as many sources as it affords, never fewer than the minimum, seeded
    assert network.betweenness_sample(310, 15_342) == network.BETWEENNESS_MIN_SAMPLE
    assert network.betweenness_sample(1_000, 5_000) == network.BETWEENNESS_BUDGET // 5_000
    monkeypatch.setattr(network, "BETWEENNESS_BUDGET", 20_000)
    dense = projects(80, 600, seed=2)
    k = network.betweenness_sample(80, 600)
    assert k is not None and network.BETWEENNESS_MIN_SAMPLE <= k < 80
    estimate = network.analyse(dense).betweenness
    assert estimate == reference(dense, k) == network.analyse(dense).betweenness
    assert estimate != reference(dense, None)


def test_decision_log_flags_items_that_come_back(kg):
    from ptgkg.dashboard.decision_log import decision_rows, recurring_items, to_csv
    from ptgkg.graph.queries import DecisionView

    def d(i, status, event, topic, project="Kolla", text="tag images"):
        return DecisionView(node=Node(f"decision:{i}", "Decision", text), text=text, status=status,
                            events=[event], topics=[topic], projects=[project])

    log = [d(1, "open", "Queens PTG", "stable branches"), d(2, "open", "Rocky PTG", "stable branches"),
           d(3, "agreed", "Stein PTG", "stable branches"), d(4, "open", "Rocky PTG", "upgrades"),
           d(5, "open", "Stein PTG", "stable branches", project="Nova")]
    recurring = recurring_items(log)
    assert recurring == {"decision:1": ["Queens PTG", "Rocky PTG"], "decision:2": ["Rocky PTG", "Queens PTG"]}
    frame = decision_rows(log, recurring)
    assert list(frame["recurring"])[:2] == ["Queens PTG → Rocky PTG", "Rocky PTG → Queens PTG"]
    evil = decision_rows([d(6, "open", "Stein PTG", "x", text="=cmd|' /C calc'!A0")])
    assert b"'=cmd" in to_csv(evil)


def test_the_log_table_from_rows_is_the_table_from_views(kg):
    """The page reads the log's plain rows; its table, counts and filter choices are those
    the full decision views give, for every filter."""
    from ptgkg.dashboard.decision_log import choices, recurring_items, table, to_csv
    from ptgkg.graph import queries

    with open_store(kg, read_only=True) as store:
        rows, views = queries.decision_log(store), queries.decisions(store, limit=None, quotes=1)
    recurring = recurring_items(rows)
    assert recurring and recurring == recurring_items(views)
    offered = choices(rows)
    assert offered == choices(views) and "Kolla" in offered.projects and len(offered.events) > 1
    kinds = [{}, {"statuses": ["open", "action"]}, {"events": offered.events[-1:]}, {"only_recurring": True}]
    for filters in kinds:
        a, b = table(rows, recurring, **filters), table(views, recurring, **filters)
        assert a.frame.equals(b.frame) and (a.decisions, a.unsettled, a.recurring) == (b.decisions, b.unsettled, b.recurring)
        assert a.decisions == len(a.frame) and to_csv(a.frame) == to_csv(b.frame)
    everything, again = table(rows, recurring), table(rows, recurring, only_recurring=True)
    assert everything.decisions == len(rows) and everything.recurring == again.decisions == len(recurring)
    assert (again.frame["recurring"] != "").all() and everything.unsettled >= again.decisions


def test_project_brief_has_every_section_with_quotes(kg):
    from ptgkg.dashboard.brief import project_brief
    from ptgkg.graph import queries

    with open_store(kg, read_only=True) as store:
        brief = project_brief(queries.profile(store, "Kolla"))
    sections = re.findall(r"^## (.+)$", brief, re.M)
    assert sections == ["What it works on", "Key people", "Decision log", "Works with", "Notes to read first"]
    works_with = brief.split("## Works with")[1].split("##")[0]
    assert "**TripleO**" in works_with and "\n  > " in works_with
    assert "Queens PTG" in brief and "Paul Bourke" in brief
    html = MarkdownIt("commonmark", {"html": True}).render(brief)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


# -- pages ---------------------------------------------------------------------------------

def test_overview_counts_timeline_top_lists_and_search_box(app, kg):
    at = app()
    with open_store(kg, read_only=True) as store:
        counts = store.counts()["nodes"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projects"] == f"{counts['Project']:,}" and metrics["Decisions"] == f"{counts['Decision']:,}"
    ptgs = at.dataframe[0].value
    assert {"Queens PTG", "Stein PTG"} <= set(ptgs["PTG"])
    assert ("project", "name=Kolla") in links(at) and ("topic", "name=health+checks") in links(at)
    at.text_input[0].input("Podman")
    at.button[0].click().run()
    assert at.query_params == {"q": "Podman"}
    assert at.title[0].value == "Search" and "Podman" in texts(at)


def test_topic_page_lists_people_with_sessions_dates_and_quotes(app):
    at = app("topic", name="health checks")
    assert at.title[0].value == "health checks"
    people = [q for p, q in links(at) if p == "person"]
    assert "name=Paul+Bourke" in people and "name=Mark+Goddard" in people
    assert "name=Kolla" in [q for p, q in links(at) if p == "project"]
    shown = texts(at)
    assert "Queens PTG" in shown and "2017-09" in shown and "> “" in shown  # dated, quoted evidence
    timeline = at.dataframe[0].value
    assert {"Queens PTG", "Stein PTG"} <= set(timeline["PTG"])
    decisions = at.dataframe[1].value
    assert decisions["status"].isin(["agreed", "action", "proposed", "open"]).all() and len(decisions)
    assert ("decisions", "topic=health+checks") in links(at)
    assert_inert(at)


def test_topic_page_unknown_name_explains_and_suggests(app):
    at = app("topic", name="container health")
    assert any("No topic called" in w.value for w in at.warning)
    assert any(p in ("topic", "search") for p, _ in links(at))
    at = app("topic", name="qqqxyz")
    assert any("No topic called" in w.value for w in at.warning)


def test_project_page_is_an_onboarding_view_with_collaborator_quotes(app):
    at = app("project", name="Kolla")
    assert at.title[0].value == "Kolla"
    assert ("project", "name=TripleO") in links(at)
    # the TripleO card quotes what shows the collaboration
    markdown = [plain(m.value) for m in at.markdown]
    assert any(m.startswith("> “") and "TripleO" in m for m in markdown)
    assert {"What it works on", "Works with", "Key people", "Notes to read first", "Decision log"} <= \
        {s.value for s in at.subheader}
    assert ("person", "name=Paul+Bourke") in links(at) or ("person", "name=Mark+Goddard") in links(at)
    assert at.get("download_button")[0].proto.label == "Download brief (Markdown)"
    log = at.dataframe[0].value
    assert len(log) and log["decision"].str.len().min() > 0
    assert ("decisions", "project=Kolla") in links(at)
    assert_inert(at)


def test_project_page_for_a_person_points_to_the_person(app):
    at = app("project", name="Paul Bourke")
    assert ("person", "name=Paul+Bourke") in links(at)


def test_person_page_projects_topics_decisions_sessions(app):
    at = app("person", name="pbourke")  # an IRC nick finds the person
    assert at.title[0].value == "Paul Bourke"
    assert ("project", "name=Kolla") in links(at)
    assert ("topic", "name=health+checks") in links(at)
    assert "Decisions assigned" in [s.value for s in at.subheader]
    assert any("spec" in plain(m.value) for m in at.markdown if m.value.startswith("**"))
    sessions = at.dataframe[0].value
    assert len(sessions) and (sessions["PTG"].str.contains("Queens PTG")).any()


def test_collaboration_page_explains_a_pair_and_finds_paths(app):
    at = app("collaboration")
    focus = at.selectbox(key="focus")
    pair = next(i for i, label in enumerate(focus.options) if label in ("Kolla ↔ TripleO", "TripleO ↔ Kolla"))
    focus.select_index(pair).run()
    shown = texts(at)
    assert "Decisions involving both" in shown and "What the notes say" in shown
    assert any(plain(m.value).startswith("> “") for m in at.markdown)
    centrality = at.dataframe[0].value
    assert {"Kolla", "TripleO"} <= set(centrality["project"]) and centrality["betweenness"].max() > 0
    # a PTG filter keeps only what was said there
    ptg = at.multiselect[0]
    ussuri = next(o for o in ptg.options if o.startswith("Ussuri PTG"))
    ptg.set_value([ussuri]).run()
    assert "Kolla" not in at.selectbox(key="focus").options
    assert at.query_params.get("event") == "Ussuri PTG"
    # a shortest path between two entities
    at.text_input[0].input("Kolla")
    at.text_input[1].input("Paul Bourke").run()
    chain = [plain(m.value) for m in at.markdown if "Paul Bourke" in m.value and "Kolla" in m.value]
    assert chain and chain[0].startswith("**Kolla** (Project) — ")
    assert_inert(at)


def test_decisions_page_filters_sorts_and_exports(app):
    at = app("decisions", project="Kolla")
    frame = at.dataframe[0].value
    assert len(frame) and frame["projects"].str.contains("Kolla").all()
    assert list(frame["date"]) == sorted(frame["date"], reverse=True)
    at.multiselect[0].set_value(["agreed"]).run()
    agreed = at.dataframe[0].value
    assert len(agreed) and (agreed["status"] == "agreed").all() and len(agreed) < len(frame)
    assert at.query_params == {"project": "Kolla", "status": "agreed"}
    assert at.get("download_button")[0].proto.label == "Download CSV"
    everything = app("decisions").dataframe[0].value
    assert len(everything) > len(frame)
    missing = app("decisions", project="Nonexistent Project")
    assert any("no project named" in w.value for w in missing.warning)


def test_the_log_offers_every_choice_its_decisions_name_without_reading_them(kg):
    from ptgkg.dashboard.decision_log import choices, options
    from ptgkg.graph import queries

    with open_store(kg, read_only=True) as store:
        offered, named = options(store), choices(queries.decision_log(store))
    for mine, theirs in [(offered.projects, named.projects), (offered.topics, named.topics), (offered.events, named.events)]:
        assert set(theirs) <= set(mine) and len(mine) == len(set(mine))
    assert offered.projects == sorted(offered.projects, key=str.casefold)
    assert offered.events.index("Queens PTG") < offered.events.index("Rocky PTG")  # oldest first


def test_decisions_page_pages_the_log_and_flags_recurring_items_on_each_page(app, kg, monkeypatch):
    """A page of rows at a time (``&page=N``): the same rows, order, counts and "recurring"
    column as the whole log, page after page; the page box moves through them."""
    from ptgkg.dashboard.decision_log import UNSETTLED, recurring_items, table
    from ptgkg.graph import queries

    with open_store(kg, read_only=True) as store:
        rows = queries.decision_log(store)
    whole = table(rows, recurring_items(rows)).frame
    assert len(whole) > 6 and (whole["recurring"] != "").any()
    monkeypatch.setattr(queries, "DECISION_PAGE", 3)
    seen = []
    for number in range(1, -(-len(whole) // 3) + 1):
        at = app("decisions", **({"page": str(number)} if number > 1 else {}))
        seen.append(at.dataframe[0].value)
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Decisions"] == f"{len(whole):,}"
        assert metrics["Not settled (open, proposed, action)"] == f"{whole['status'].isin(UNSETTLED).sum():,}"
        assert metrics["Recurring across PTGs, this page"] == f"{(seen[-1]['recurring'] != '').sum():,}"
    assert pd.concat(seen, ignore_index=True).equals(whole)
    at = app("decisions")
    at.number_input[0].increment().run()
    assert at.query_params.get("page") == "2" and at.dataframe[0].value.equals(seen[1])
    at = app("decisions", recurring="1")  # every recurring item of the log, counted in full
    only = at.dataframe[0].value
    assert len(only) == min(3, (whole["recurring"] != "").sum()) and (only["recurring"] != "").all()
    assert {m.label: m.value for m in at.metric}["Recurring across PTGs"] == f"{(whole['recurring'] != '').sum():,}"


def test_search_page_finds_names_decisions_and_quotes_as_text(app):
    at = app("search", q="onerror")
    assert XSS_IMG in texts(at)  # shown, as text
    assert_inert(at)
    at = app("search", q="health checks")
    assert ("topic", "name=health+checks") in links(at)


def test_hostile_names_render_inert_everywhere(app):
    for page, query in [("topic", {"name": XSS_SCRIPT}), ("person", {"name": XSS_LINK}),
                        ("project", {"name": "Kolla"}), ("search", {"q": "alert(1)"}),
                        ("collaboration", {}), ("decisions", {"project": "Kolla"})]:
        at = app(page, **query)
        assert_inert(at)
    at = app("topic", name=XSS_SCRIPT)
    assert at.title[0].value == md_escaped(XSS_SCRIPT)
    assert ("person", "name=%5Bx%5D%28javascript%3Aalert%281%29%29") in links(at)


def md_escaped(s: str) -> str:
    from ptgkg.dashboard.safe import md_escape

    return md_escape(s)


def test_no_raw_html_anywhere_in_the_dashboard():
    for path in (REPO / "dashboard").rglob("*.py"):
        source = path.read_text()
        assert "unsafe_allow_html" not in source, path
        assert "st.html(" not in source and "components.html(" not in source, path


def test_missing_store_gets_a_clear_message(app, monkeypatch, tmp_path):
    monkeypatch.setenv("PTGKG_STORE", str(tmp_path / "nowhere"))
    at = app("project", name="Kolla")
    assert any("No graph to show yet" in w.value for w in at.warning)


def test_ingest_page_hidden_when_not_allowed(app):
    at = app()
    with pytest.raises(ValueError):
        at.switch_page("views/ingest.py")


def test_ingest_page_uploads_pastes_and_reports_rejects(kg, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    store = tmp_path / "fresh"
    monkeypatch.setenv("PTGKG_STORE", str(store))
    monkeypatch.setenv("PTGKG_DASHBOARD_ALLOW_INGEST", "true")
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("views/ingest.py").run()
    note = (REPO / "data" / "notes" / "queens-kolla-tripleo-crossproject.etherpad.txt").read_bytes()
    at.file_uploader[0].set_value([("queens-kolla-tripleo-crossproject.etherpad.txt", note, "text/plain"),
                                   ("empty.md", b"", "text/markdown")])
    at.text_area[0].input(HOSTILE_PAD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Ingested 2" in s.value and "rejected 1" in s.value for s in at.success), [s.value for s in at.success]
    rejected = at.dataframe[0].value
    assert list(rejected["file"]) == ["empty.md"] and rejected["reason"].str.len().min() > 3
    assert "/tmp" not in " ".join(rejected["reason"])
    with open_store(store, read_only=True) as s:
        assert s.find_nodes("TripleO", "Project")
    assert_inert(at)


def test_neo4j_credentials_from_secrets_are_used_and_never_shown(app, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("PTGKG_STORE")
    for key in ("NEO4J_USERNAME", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(key, raising=False)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["PTGKG_STORE"] = f"bolt://127.0.0.1:{port}"
    at.secrets["NEO4J_USERNAME"] = "neo4j"
    at.secrets["NEO4J_PASSWORD"] = "s3cret-pw"
    at.run()
    assert not at.exception
    shown = plain("\n".join(shown_markdown(at) + [e.value for e in at.sidebar.caption]))
    assert f"bolt://127.0.0.1:{port}" in shown  # the store from the secrets is the one used...
    assert "No graph to show yet" in shown  # ...it is down: one clear line
    assert "s3cret" not in shown


def _recurring_by_pairs(decisions):
    """The definition of a recurring item, pair by pair (the reference for the indexed version)."""
    from ptgkg.dashboard.decision_log import UNSETTLED

    items = [d for d in decisions if d.status in UNSETTLED]
    out = {}
    for d in items:
        events = list(dict.fromkeys(d.events))
        for other in items:
            if other is d or not set(d.topics) & set(other.topics):
                continue
            if d.projects and other.projects and not set(d.projects) & set(other.projects):
                continue
            events.extend(e for e in other.events if e not in events)
        if len(events) >= 2:
            out[d.node.id] = events
    return out


def test_recurring_items_on_a_large_log_match_the_pairwise_definition():
    import random

    from ptgkg.dashboard.decision_log import recurring_items
    from ptgkg.graph.model import Node
    from ptgkg.graph.queries import DecisionView

    rng = random.Random(7)
    ptgs = [f"{c} PTG" for c in ("Queens", "Rocky", "Stein", "Train", "Ussuri", "Victoria")]
    log = [DecisionView(node=Node(f"decision:{i}", "Decision", f"d{i}"), text=f"d{i}",
                        status=rng.choice(["agreed", "action", "proposed", "open"]),
                        events=rng.sample(ptgs, rng.choice([0, 1, 1, 2])),
                        topics=rng.sample(["health checks", "upgrades", "quotas", "RBAC", "CI"], rng.choice([0, 1, 2])),
                        projects=rng.sample(["Kolla", "TripleO", "Nova", "Ironic"], rng.choice([0, 1, 2])))
           for i in range(400)]
    assert recurring_items(log) == _recurring_by_pairs(log)


def test_collaboration_page_serves_the_materialized_network(kg, app, monkeypatch, tmp_path):
    """Once a run has materialized the network and its analytics, the page draws and ranks
    from them (nothing is computed) exactly what it computes without them."""
    import shutil

    from ptgkg.dashboard import network
    from ptgkg.graph import network as graph_network
    from ptgkg.graph.materialize import materialize
    from ptgkg.graph.stores import open_store

    computed = app("collaboration")
    store_copy = tmp_path / "store"
    shutil.copytree(kg, store_copy)
    with open_store(store_copy) as store:
        assert materialize(store, min_degree=1).answers > 2
    monkeypatch.setenv("PTGKG_STORE", str(store_copy))

    def refuse(*_a, **_k):
        raise AssertionError("computed, not served")

    monkeypatch.setattr(graph_network, "_collaboration_network", refuse)
    monkeypatch.setattr(network, "analyse", refuse)
    served = app("collaboration")
    assert served.dataframe[0].value.equals(computed.dataframe[0].value)
    assert served.selectbox(key="focus").options == computed.selectbox(key="focus").options
    # a filter is analysed as before (the materialized analytics are the whole network's)
    served.multiselect[1].set_value([served.multiselect[1].options[0]]).run()
    assert served.exception and "computed, not served" in str(served.exception[0].value)
