"""The user questions (graph/queries.py) on a small hand-built graph over three PTGs,
run against every store: the queries use only the store primitives."""
from __future__ import annotations

import json

import pytest

from ptgkg.graph import queries as q
from ptgkg.graph.model import Edge

from tests.test_store_contract import DocBuilder

BOBCAT, CARACAL, EPOXY = "2023.2 Bobcat PTG", "2024.1 Caracal PTG", "2025.1 Epoxy PTG"


def _common(b: DocBuilder):
    ids = {
        "kolla": b.node("Project", "Kolla", aliases=["kolla"], kind="team"),
        "tripleo": b.node("Project", "TripleO", kind="team"),
        "hc": b.node("Topic", "container health checks", aliases=["health checks"]),
    }
    return ids


def bobcat_pad():
    """Kolla's Bobcat etherpad: Alice talks a lot about health checks (long ago)."""
    b = DocBuilder("kolla-bobcat", "Kolla Bobcat PTG", date="2023-03-28", event=BOBCAT)
    ids = _common(b)
    event = b.node("Event", BOBCAT, cycle="2023.2", location="virtual", start="2023-03-27", end="2023-03-31")
    michal = b.node("Person", "Michal Nasiadka")
    alice = b.node("Person", "Alice Old")
    upgrades = b.node("Topic", "upgrades")
    hc_s = b.node("Session", "Kolla: health checks", key="bobcat-kolla-hc")
    up_s = b.node("Session", "Kolla: upgrades", key="bobcat-kolla-upgrades")
    b.edge(michal, "MEMBER_OF", ids["kolla"], "PTL: Michal Nasiadka", role="PTL")
    b.edge(b.doc_id, "RECORDS", hc_s, "Health checks")
    b.edge(hc_s, "PART_OF", event, "Health checks")
    b.edge(hc_s, "COVERED", ids["hc"], "Health checks")
    b.edge(ids["kolla"], "PARTICIPATED_IN", hc_s, "Kolla team session on health checks")
    b.edge(alice, "PARTICIPATED_IN", hc_s, "Alice: I wrote the first healthcheck scripts")
    b.edge(michal, "PARTICIPATED_IN", hc_s, "Michal: let us review them next cycle")
    b.edge(alice, "DISCUSSED", ids["hc"], "Alice: health checks should use curl",
           "Alice: health checks must not hit the database", "Alice: add a timeout to every health check")
    b.edge(ids["kolla"], "DISCUSSED", ids["hc"], "Kolla wants health checks in all images")
    b.edge(b.doc_id, "RECORDS", up_s, "Upgrades")
    b.edge(up_s, "PART_OF", event, "Upgrades")
    b.edge(up_s, "COVERED", upgrades, "Upgrades")
    b.edge(ids["kolla"], "PARTICIPATED_IN", up_s, "Kolla upgrade session")
    b.edge(michal, "PARTICIPATED_IN", up_s, "Michal: skip-level upgrades need CI first")
    decision = b.node("Decision", "Defer skip-level upgrades", key="bobcat-skip-level",
                      text="Skip-level upgrades are deferred until CI covers them.", status="proposed")
    b.edge(decision, "MADE_IN", up_s, "Proposal: defer skip-level upgrades")
    b.edge(decision, "ABOUT", upgrades, "Proposal: defer skip-level upgrades")
    b.edge(decision, "INVOLVES", ids["kolla"], "Proposal: defer skip-level upgrades")
    return b.build()


def epoxy_pad():
    """Kolla's Epoxy etherpad: Bob is the current health checks person; decisions made."""
    b = DocBuilder("kolla-epoxy", "Kolla Epoxy PTG", date="2024-10-22", event=EPOXY)
    ids = _common(b)
    event = b.node("Event", EPOXY, cycle="2025.1", location="virtual", start="2024-10-21", end="2024-10-25")
    bob = b.node("Person", "Bob Newer")
    carol = b.node("Person", "Carol Peer")
    ghost = b.node("Person", "Ghost Writer")
    images = b.node("Topic", "container images")
    osup = b.node("Topic", "operating system support")
    hc_s = b.node("Session", "Kolla: health checks", key="epoxy-kolla-hc", date="2024-10-23")
    b.edge(b.doc_id, "RECORDS", hc_s, "Health checks and images (Wednesday)")
    b.edge(hc_s, "PART_OF", event, "Health checks and images (Wednesday)")
    b.edge(hc_s, "COVERED", ids["hc"], "Health checks and images (Wednesday)")
    b.edge(hc_s, "COVERED", images, "Health checks and images (Wednesday)")
    b.edge(ids["kolla"], "PARTICIPATED_IN", hc_s, "Kolla session with TripleO folks")
    b.edge(ids["tripleo"], "PARTICIPATED_IN", hc_s, "Kolla session with TripleO folks")
    b.edge(bob, "PARTICIPATED_IN", hc_s, "Bob: the health check timeouts are fixed now")
    b.edge(carol, "PARTICIPATED_IN", hc_s, "Carol: TripleO will reuse them")
    b.edge(bob, "DISCUSSED", ids["hc"], "Bob: health checks now report the failing dependency",
           "Bob: health check intervals are configurable per service")
    b.edges.append(Edge(ghost, ids["hc"], "DISCUSSED", []))  # a fact nothing supports
    b.edge(ids["kolla"], "COLLABORATES_WITH", ids["tripleo"],
           "Kolla and TripleO share the health check scripts", topics=["health checks"])
    enable = b.node("Decision", "Enable health checks by default", key="epoxy-hc-default",
                    text="Health checks will be enabled by default in Kolla images.", status="agreed")
    b.edge(enable, "MADE_IN", hc_s, "AGREED: enable health checks by default")
    b.edge(enable, "ABOUT", ids["hc"], "AGREED: enable health checks by default")
    b.edge(enable, "INVOLVES", ids["kolla"], "AGREED: enable health checks by default")
    b.edge(enable, "INVOLVES", ids["tripleo"], "AGREED: enable health checks by default")
    b.edge(enable, "ASSIGNED_TO", bob, "ACTION bob: flip the default")
    drop = b.node("Decision", "Drop CentOS Stream 8", key="epoxy-drop-cs8",
                  text="CentOS Stream 8 images are dropped this cycle.", status="action")
    b.edge(drop, "MADE_IN", hc_s, "ACTION: drop CentOS Stream 8 images")
    b.edge(drop, "ABOUT", osup, "ACTION: drop CentOS Stream 8 images")
    b.edge(drop, "INVOLVES", ids["kolla"], "ACTION: drop CentOS Stream 8 images")
    return b.build()


def tripleo_recap():
    """An undated TripleO blog recap of Caracal, without sessions: the event gives the date."""
    b = DocBuilder("tripleo-caracal-recap", "TripleO at the Caracal PTG", event=CARACAL, kind="html")
    ids = _common(b)
    b.node("Event", CARACAL, cycle="2024.1", location="virtual", start="2023-10-23", end="2023-10-27")
    kolla_ansible = b.node("Project", "Kolla Ansible", kind="deliverable")
    b.edge(ids["tripleo"], "COLLABORATES_WITH", ids["kolla"],
           "TripleO builds its containers from Kolla images", topics=["container images"])
    b.edge(ids["kolla"], "COLLABORATES_WITH", kolla_ansible,
           "Kolla Ansible deploys what Kolla builds", topics=["deployment"])
    retire = b.node("Decision", "Retire TripleO", key="caracal-retire-tripleo",
                    text="TripleO is retired after this cycle.", status="agreed")
    b.edge(retire, "INVOLVES", ids["tripleo"], "The team agreed to retire TripleO")
    return b.build()


@pytest.fixture
def kg(store):
    for g in (bobcat_pad(), epoxy_pad(), tripleo_recap()):
        store.write_document(g)
    return store


def names(items):
    return [i.node.name for i in items]


def test_who_discussed_ranks_who_to_ask_now(kg):
    answer = q.who_discussed(kg, "Health Checks")
    assert answer.topic.name == "container health checks"
    # Alice has more mentions, but two years older: Bob is who to ask now
    assert names(answer.people) == ["Bob Newer", "Alice Old"]
    bob, alice = answer.people
    assert (bob.mentions, alice.mentions) == (2, 3)
    assert bob.score > alice.score and alice.score < alice.mentions
    assert bob.last_date == "2024-10-23" and bob.events == [EPOXY] and bob.sessions == ["Kolla: health checks"]
    assert alice.last_date == "2023-03-28" and alice.events == [BOBCAT]
    assert "Alice: health checks must not hit the database" in [v.quote for v in alice.evidence]
    assert "Ghost Writer" not in names(answer.people)  # no evidence, no answer
    assert names(answer.projects) == ["Kolla"]
    # sessions dated by their own date, else their event's start
    assert [s.last_date for s in answer.sessions] == ["2024-10-23", "2023-03-27"]
    assert [d.node.name for d in answer.decisions] == ["Enable health checks by default"]
    assert names(answer.related_topics) == ["container images"]
    assert q.who_discussed(kg, "health").topic.name == "container health checks"  # part of a name
    assert q.who_discussed(kg, "quantum computing") is None
    json.dumps(answer.to_dict())


def test_evidence_context_gives_session_event_and_date(kg):
    views = {v.quote: v for v in q.evidence_views(kg, [
        ev for e in kg.edges("person:michal-nasiadka") for ev in e.evidence])}
    upgrade = views["Michal: skip-level upgrades need CI first"]
    assert (upgrade.session, upgrade.event, upgrade.date) == ("Kolla: upgrades", BOBCAT, "2023-03-28")
    assert upgrade.doc_title == "Kolla Bobcat PTG" and upgrade.doc_source == "notes/kolla-bobcat.txt"
    review = views["Michal: let us review them next cycle"]
    assert (review.session, review.session_id) == ("Kolla: health checks", "session:bobcat-kolla-hc")
    # before the first session heading: no session, the document's event
    ptl = views["PTL: Michal Nasiadka"]
    assert (ptl.session, ptl.event, ptl.date) == (None, BOBCAT, "2023-03-28")
    # the session's own date beats the document's
    [bob] = [v for v in q.evidence_views(kg, kg.edges("person:bob-newer", ["PARTICIPATED_IN"])[0].evidence)]
    assert (bob.session, bob.event, bob.date) == ("Kolla: health checks", EPOXY, "2024-10-23")
    # an undated recap without sessions: the event it names dates it
    [recap] = [e for e in kg.edges("project:kolla-ansible")]
    [view] = q.evidence_views(kg, recap.evidence)
    assert (view.session, view.event, view.date) == (None, CARACAL, "2023-10-23")


def test_collaborators_merge_both_directions_with_topics_decisions_and_quotes(kg):
    found = q.collaborators(kg, "kolla")
    assert names_of(found) == ["TripleO", "Kolla Ansible"]
    tripleo = found[0]
    # the edge topics of both directions; the shared decision's topic is "health checks" already
    assert tripleo.topics == ["health checks", "container images"]
    assert [d.node.name for d in tripleo.decisions] == ["Enable health checks by default"]
    quotes = {v.quote for v in tripleo.evidence}
    assert quotes == {"Kolla and TripleO share the health check scripts",
                      "TripleO builds its containers from Kolla images"}
    assert set(tripleo.events) == {EPOXY, CARACAL}
    assert found[1].topics == ["deployment"] and found[1].decisions == []
    # from the other side too
    assert names_of(q.collaborators(kg, "TripleO")) == ["Kolla"]
    with pytest.raises(q.NotFound, match="no project named 'Zun'"):
        q.collaborators(kg, "Zun")


def test_a_hubs_closest_partners_are_the_head_of_all_its_partners(kg):
    """Asking for the best N partners gives the first N of the whole ranking, with the
    same topics, PTGs and shared decisions, and says how many partners there are."""
    every = q.collaborations(kg, "Kolla", limit=None)
    assert every.total == len(every.partners) == 2
    for n in (1, 2, 5):
        q.clear_caches()
        head = q.collaborations(kg, "Kolla", limit=n)
        assert head.total == 2
        assert [(c.partner.name, c.topics, c.events, c.score, c.decision_count) for c in head.partners] == \
            [(c.partner.name, c.topics, c.events, c.score, c.decision_count) for c in every.partners[:n]]


def names_of(collabs):
    return [c.partner.name for c in collabs]


def test_profile_shows_the_best_collaborators_as_collaborators_does(kg, monkeypatch):
    """A busy project's profile lists only its best partners, each with the same shared
    decisions, topics and PTGs as the full collaborators answer gives it."""
    every = q.collaborators(kg, "Kolla")
    monkeypatch.setattr(q, "LIST_LIMIT", 1)
    q.clear_caches()
    shown = q.profile(kg, "Kolla").collaborators
    assert names_of(shown) == names_of(every)[:1] == ["TripleO"]
    assert [d.node.name for d in shown[0].decisions] == [d.node.name for d in every[0].decisions] \
        == ["Enable health checks by default"]
    assert (shown[0].topics, shown[0].events, shown[0].decision_count) == \
        (every[0].topics, every[0].events, every[0].decision_count)


def test_decisions_filters_and_order(kg):
    every = q.decisions(kg)
    assert len(every) == 4
    dates = [d.date for d in every]
    assert dates == sorted(dates, reverse=True)
    kolla = q.decisions(kg, project="Kolla")
    assert [d.node.name for d in kolla][-1] == "Defer skip-level upgrades"
    assert {d.node.name for d in kolla[:2]} == {"Enable health checks by default", "Drop CentOS Stream 8"}
    enable = next(d for d in kolla if d.status == "agreed")
    assert enable.text == "Health checks will be enabled by default in Kolla images."
    assert enable.sessions == ["Kolla: health checks"] and enable.events == [EPOXY]
    assert enable.date == "2024-10-23" and enable.owners == ["Bob Newer"]
    assert sorted(enable.projects) == ["Kolla", "TripleO"] and enable.topics == ["container health checks"]
    assert "AGREED: enable health checks by default" in [v.quote for v in enable.evidence]
    assert [d.node.name for d in q.decisions(kg, project="Kolla", status="action")] == ["Drop CentOS Stream 8"]
    assert [d.node.name for d in q.decisions(kg, topic="upgrades")] == ["Defer skip-level upgrades"]
    assert [d.node.name for d in q.decisions(kg, project="kolla", topic="health checks")] == \
        ["Enable health checks by default"]
    assert {d.node.name for d in q.decisions(kg, project="TripleO")} == {"Retire TripleO", "Enable health checks by default"}
    assert q.decisions(kg, project="Kolla Ansible") == []
    with pytest.raises(q.NotFound):
        q.decisions(kg, topic="quantum computing")
    with pytest.raises(ValueError, match="unknown decision status"):
        q.decisions(kg, status="maybe")


def test_project_profile_for_a_newcomer(kg):
    prof = q.profile(kg, "KOLLA")
    assert prof.label == "Project" and prof.kind == "team"
    # Michal: PTL, in both Kolla-only Bobcat sessions (older). Bob: owns the newest decision,
    # in the Epoxy session Kolla shares with TripleO (which counts half). Carol was only in
    # that shared session, Alice in one Kolla-only session a cycle and a half earlier.
    assert names(prof.people) == ["Michal Nasiadka", "Bob Newer", "Alice Old", "Carol Peer"]
    assert "Ghost Writer" not in names(prof.people)
    michal = prof.people[0]
    assert michal.roles == ["PTL"]
    assert {"container health checks", "container images", "upgrades"} <= set(names(prof.topics))
    hc = next(t for t in prof.topics if t.node.name == "container health checks")
    assert set(hc.events) == {EPOXY, BOBCAT}
    assert [d.node.name for d in prof.decisions][-1] == "Defer skip-level upgrades"
    assert names_of(prof.collaborators) == ["TripleO", "Kolla Ansible"]
    assert "container images" in prof.collaborators[0].topics
    assert "TripleO" in names(prof.projects)
    assert names(prof.events) == [EPOXY, BOBCAT]
    assert [s.last_date for s in prof.sessions] == sorted((s.last_date for s in prof.sessions), reverse=True)
    # the notes to read first hold the most evidence about Kolla
    assert names(prof.documents)[0] == "Kolla Bobcat PTG"
    assert set(names(prof.documents)) == {"Kolla Bobcat PTG", "Kolla Epoxy PTG", "TripleO at the Caracal PTG"}
    json.dumps(prof.to_dict())


def test_person_and_topic_profiles(kg):
    bob = q.profile(kg, "bob newer")
    assert bob.label == "Person"
    assert set(names(bob.projects)) == {"Kolla", "TripleO"}
    assert names(bob.topics) == ["container health checks"]
    assert [d.node.name for d in bob.decisions] == ["Enable health checks by default"]
    assert names(bob.sessions) == ["Kolla: health checks"] and names(bob.events) == [EPOXY]
    assert names_of(bob.collaborators) == ["Carol Peer"]
    assert bob.collaborators[0].topics == ["container health checks", "container images"]
    michal = q.profile(kg, "Michal Nasiadka")
    assert names(michal.projects) == ["Kolla"] and michal.projects[0].roles == ["PTL"]
    assert names_of(michal.collaborators) == ["Alice Old"]
    topic = q.profile(kg, "health checks")
    assert topic.label == "Topic" and names(topic.people) == ["Bob Newer", "Alice Old"]
    event = q.profile(kg, EPOXY)
    assert event.label == "Event" and names(event.sessions) == ["Kolla: health checks"]
    assert q.profile(kg, "nobody at all") is None


def test_path_search_neighbourhood_and_overview(kg):
    found = q.path(kg, "Alice Old", "TripleO")
    assert found.nodes[0].name == "Alice Old" and found.nodes[-1].name == "TripleO"
    assert len(found.evidence) == len(found.types) and all(found.evidence)
    assert q.path(kg, "Alice Old", "nobody at all") is None
    json.dumps(found.to_dict())

    hits = q.search(kg, "by default")
    assert "Enable health checks by default" in [h.node.name for h in hits]
    assert all("by default" in snippet.lower() for _, snippet in hits)

    around = q.neighbourhood(kg, "Kolla")
    ids = {n.id for n in around.nodes}
    assert {"project:kolla", "project:tripleo", "project:kolla-ansible"} <= ids
    assert all(n.label != "Document" for n in around.nodes)
    assert all(e.source in ids and e.target in ids and e.evidence for e in around.edges)
    assert len(q.neighbourhood(kg, "Kolla", depth=2, limit=5).nodes) == 5
    # when not all fit, the most strongly tied stay: most evidence to Kolla, then by id
    ties: dict[str, int] = {}
    for e in kg.edges("project:kolla"):
        other = e.target if e.source == "project:kolla" else e.source
        if e.evidence and e.type != "RECORDS":
            ties[other] = ties.get(other, 0) + len(e.evidence)
    strongest = sorted(ties, key=lambda o: (-ties[o], o))[:3]
    assert len(ties) > 3 and ties[strongest[0]] > min(ties.values())
    assert [n.id for n in q.neighbourhood(kg, "Kolla", limit=4).nodes] == ["project:kolla", *strongest]
    assert q.neighbourhood(kg, "nobody at all").nodes == []

    view = q.overview(kg)
    assert [e.node.name for e in view.events] == [BOBCAT, CARACAL, EPOXY]
    assert [(e.sessions, e.documents) for e in view.events] == [(2, 1), (0, 0), (1, 1)]
    assert view.top_projects[0].node.name == "Kolla"
    assert view.counts["nodes"]["Decision"] == 4
    json.dumps(view.to_dict())


def test_long_lists_keep_the_best_and_say_how_many(kg, monkeypatch):
    """On a graph of many PTGs a profile shows the top of each list, with the totals."""
    full = q.profile(kg, "Kolla")
    alice_full = q.who_discussed(kg, "health checks").people
    monkeypatch.setattr(q, "LIST_LIMIT", 2)
    monkeypatch.setattr(q, "DECISION_LIMIT", 1)
    monkeypatch.setattr(q, "EVIDENCE_PER_ITEM", 1)
    q.clear_caches()
    short = q.profile(kg, "Kolla")
    assert names(short.people) == names(full.people)[:2]  # the same ranking, cut
    assert short.totals["people"] == len(full.people) == 4
    assert [d.node.name for d in short.decisions] == [d.node.name for d in full.decisions][:1]
    assert short.totals["decisions"] == len(full.decisions) > 1
    assert short.totals["topics"] == len(full.topics)
    # one quote kept per person, the newest; the mention count is still all of them
    people = q.who_discussed(kg, "health checks").people
    alice = next(p for p in people if p.node.name == "Alice Old")
    alice_before = next(p for p in alice_full if p.node.name == "Alice Old")
    assert alice.mentions == alice_before.mentions == 3 and len(alice.evidence) == 1
    assert alice.evidence[0] == alice_before.evidence[0]


def test_edges_many_answers_like_edges_node_by_node(kg):
    ids = ["project:kolla", "project:tripleo", "topic:container-health-checks", "person:nobody"]
    for types, direction in [(None, "both"), (["DISCUSSED"], "in"), (["COLLABORATES_WITH", "INVOLVES"], "both"),
                             (["PARTICIPATED_IN"], "out")]:
        many = kg.edges_many(ids, types, direction)
        assert list(many) == ids
        for nid in ids:
            assert [(e.key, e.evidence, e.props) for e in many[nid]] == \
                   [(e.key, e.evidence, e.props) for e in kg.edges(nid, types, direction)]
    assert kg.edges_many(["person:nobody"]) == {"person:nobody": []}


def test_answers_follow_a_write_through_the_context_cache(kg):
    """The evidence context is cached per graph version: a new note shows up at once."""
    before = q.who_discussed(kg, "health checks")
    b = DocBuilder("kolla-flamingo", "Kolla Flamingo PTG", date="2025-10-21")
    hc = b.node("Topic", "container health checks")
    dana = b.node("Person", "Dana Newest")
    b.edge(dana, "DISCUSSED", hc, "Dana: health checks now run in parallel")
    kg.write_document(b.build())
    after = q.who_discussed(kg, "health checks")
    assert "Dana Newest" not in names(before.people)
    dana_inv = next(p for p in after.people if p.node.name == "Dana Newest")
    assert dana_inv.evidence[0].date == "2025-10-21"
    # a note rewritten with another date: the same quotes, now dated anew
    alice = next(p for p in after.people if p.node.name == "Alice Old")
    assert {v.date for v in alice.evidence} == {"2023-03-28"}
    redated = bobcat_pad()
    doc = next(n for n in redated.nodes if n.id == redated.doc_id)
    doc.props["date"] = "2023-03-30"
    kg.write_document(type(redated)(redated.doc_id, redated.content_hash + "-redated", redated.nodes, redated.edges))
    alice = next(p for p in q.who_discussed(kg, "health checks").people if p.node.name == "Alice Old")
    assert {v.date for v in alice.evidence} == {"2023-03-30"}


@pytest.mark.parametrize("dated", ["over six years", "all on one day"])
def test_a_project_with_many_people_ranks_its_top_exactly_as_the_full_ranking(store, monkeypatch, dated):
    """Only the best are scored in full; the cut must not change who is on top (on one
    day every weight is 1, so scores tie with the evidence counts the cut relies on)."""
    import random

    rng = random.Random(11)
    people = [f"Person {i:03d}" for i in range(120)]
    for d in range(24):
        year, month = (2019 + d // 4, 1 + 3 * (d % 4)) if dated == "over six years" else (2024, 4)
        b = DocBuilder(f"nova-{d}", f"Nova notes {d}", date=f"{year}-{month:02d}-15")
        nova = b.node("Project", "Nova", kind="team")
        session = b.node("Session", f"Nova: session {d}", key=f"nova-s{d}", date=f"{year}-{month:02d}-15")
        b.edge(b.doc_id, "RECORDS", session, f"Session {d}")
        b.edge(nova, "PARTICIPATED_IN", session, f"Nova session {d}")
        for name in rng.sample(people, rng.randint(3, 30)):
            pid = b.node("Person", name)
            quotes = [f"{name} spoke ({k}) in session {d}" for k in range(rng.randint(1, 3))]
            b.edge(pid, "PARTICIPATED_IN", session, *quotes)
            if rng.random() < 0.2:
                b.edge(pid, "MEMBER_OF", nova, f"{name} is a Nova core", role="core")
        store.write_document(b.build())
    monkeypatch.setattr(q, "LIST_LIMIT", 1000)
    everyone = q.profile(store, "Nova").people
    monkeypatch.setattr(q, "LIST_LIMIT", 7)
    q.clear_caches()
    top = q.profile(store, "Nova")
    assert len(everyone) > 100 and top.totals["people"] == len(everyone)
    assert [(p.node.name, p.score, p.mentions) for p in top.people] == \
           [(p.node.name, p.score, p.mentions) for p in everyone[:7]]


def test_top_lists_are_exact_when_sessions_of_one_note_differ_in_date(store, monkeypatch):
    """Notes whose sessions fall on different days, quotes before the first session heading
    (dated by the note, or undated), sessions shared with another project (whose people
    count less): the trimmed lists are still the head of the full rankings."""
    import random

    rng = random.Random(5)
    people = [f"Person {i:03d}" for i in range(90)]
    topics = [f"topic {i:02d}" for i in range(30)]
    for d in range(16):
        dated = d % 5 != 0  # every fifth note has no date at all: its preface is undated
        b = DocBuilder(f"nova-mixed-{d}", f"Nova notes {d}", **({"date": f"{2018 + d // 3}-05-02"} if dated else {}))
        nova = b.node("Project", "Nova", kind="team")
        glance = b.node("Project", "Glance", kind="team")
        for name in rng.sample(people, 3):  # said before the first heading: no session
            b.edge(b.node("Person", name), "DISCUSSED", b.node("Topic", rng.choice(topics)), f"{name} opened ({d})")
        for k in range(2):
            day = {} if k and d % 2 else {"date": f"{2017 + d // 2 + k}-0{1 + k}-15"}
            session = b.node("Session", f"Nova: part {k} of {d}", key=f"nova-mixed-{d}-{k}", **day)
            b.edge(b.doc_id, "RECORDS", session, f"Part {k} of notes {d}")
            b.edge(nova, "PARTICIPATED_IN", session, f"Nova session {d}.{k}")
            if rng.random() < 0.5:
                b.edge(glance, "PARTICIPATED_IN", session, f"Glance joins {d}.{k}")
            for topic in rng.sample(topics, 3):
                tid = b.node("Topic", topic)
                b.edge(session, "COVERED", tid, f"{topic} in {d}.{k}")
                b.edge(nova, "DISCUSSED", tid, f"Nova on {topic} in {d}.{k}")
            for name in rng.sample(people, rng.randint(4, 20)):
                pid = b.node("Person", name)
                b.edge(pid, "PARTICIPATED_IN", session, *[f"{name} spoke ({j}) in {d}.{k}" for j in range(rng.randint(1, 3))])
                if rng.random() < 0.3:
                    b.edge(pid, "DISCUSSED", b.node("Topic", rng.choice(topics)), f"{name} on a topic in {d}.{k}")
        store.write_document(b.build())
    monkeypatch.setattr(q, "LIST_LIMIT", 1000)
    full = q.profile(store, "Nova")
    everyone_on_topic = q.who_discussed(store, "topic 00", limit=1000)
    monkeypatch.setattr(q, "LIST_LIMIT", 6)
    q.clear_caches()
    top = q.profile(store, "Nova")

    def head(invs, n=6):
        return [(i.node.name, i.score, i.mentions, i.last_date) for i in invs[:n]]

    assert len(full.people) > 60 and len({p.score for p in full.people}) > 20
    assert head(top.people) == head(full.people)
    assert head(top.topics) == head(full.topics)
    assert head(top.projects) == head(full.projects)
    q.clear_caches()
    assert head(q.who_discussed(store, "topic 00", limit=3).people, 3) == head(everyone_on_topic.people, 3)
    # the dates weighed are those the quotes are shown with (not every date their notes hold)
    with store.snapshot():
        r = q._Reader(store)
        evidence = [ev for e in store.edges("project:nova") for ev in e.evidence]
        for doc in {ev.doc for ev in evidence}:
            said = [ev for ev in evidence if ev.doc == doc]
            assert r.dates(said) == {v.date for v in r.views(said)}


def test_dates_of_quotes_are_those_of_their_sessions(kg):
    """The dates a ranking weighs by, read per note, are the dates the quotes are shown with."""
    with kg.snapshot():
        r = q._Reader(kg)
        evidence = [ev for e in kg.edges("project:kolla") for ev in e.evidence]
        evidence += [ev for e in kg.edges("topic:container-health-checks") for ev in e.evidence]
        assert r.dates(evidence) == {v.date for v in r.views(evidence)}
        assert len(r.dates(evidence)) > 2
