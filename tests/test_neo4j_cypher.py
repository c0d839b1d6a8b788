"""The statements ptgkg sends to Neo4j, checked by Neo4j's own Cypher front end.

No Neo4j server can run here: the Bolt tests run on FalkorDB, whose Cypher is not
Neo4j's, and the Neo4j dialect's statements (``cypher.NEO4J``) differ from FalkorDB's
(degrees, reply batching, write batches, constraints, shortest paths). Without a check
of their own they would first meet Neo4j in a user's hands, as the ``NEO4J_URI`` tests
do only where such a server exists.

So the Neo4j store's reads and writes run on FalkorDB while every statement builder of
:mod:`ptgkg.graph.cypher` is also asked for its Neo4j twin, with the same arguments the
store gave it (and every variant of its ``legacy``/``kept``/``among`` flags). Those
twins, the statements both dialects share, and the schema go through Neo4j's parser and
semantic analysis (``@neo4j-cypher/language-support``, Neo4j's own front end compiled to
JavaScript, pinned in ``tests/cypher_lint``; ``make test`` installs it with npm). It
reports unknown variables, functions and procedures, syntax and type errors: what would
fail on Neo4j 5 before a row is read.
"""
from __future__ import annotations

import functools
import inspect
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ptgkg.graph import cypher, queries
from tests._bolt import falkordb_settings

LINT = Path(__file__).resolve().parent / "cypher_lint"
NODE = shutil.which("node")

#: sent to every server, but only to tell FalkorDB apart (Neo4j refuses it, as meant) or
#: only ever to FalkorDB
FALKORDB_ONLY = {cypher.PROBE_FALKORDB, cypher.FALKORDB_INDEXES}
#: the statements the store sends as written, whatever the dialect
SHARED = [cypher.PROBE_NEO4J, cypher.WIPE, cypher.ENSURE_META, cypher.LOCK_META, cypher.READ_META, cypher.LIST_DOCUMENTS,
          cypher.READ_DEGREES_KEPT, cypher.DEGREES_KEPT, cypher.EVENT_SESSIONS, cypher.EVENT_DOCUMENTS,
          cypher.COUNT_NODES]
#: builders without a dialect, whose statements go to Neo4j as they are
DIALECT_FREE = ("existing_ids", "label_ids", "count_relationships")
#: flags a builder's statement varies with: each value of each is checked
FLAGS = {"legacy": (False, True), "kept": (False, True), "among": (False, True)}


def lint(statements: list[str]) -> list[list[str]]:
    """Each statement's errors, as Neo4j's front end reports them (see tests/cypher_lint/lint.mjs)."""
    done = subprocess.run([NODE, str(LINT / "lint.mjs")], input=json.dumps(statements), capture_output=True,
                          text=True, timeout=600, check=True, cwd=LINT)
    return json.loads(done.stdout)


def one_per_shape(statements: list[str]) -> list[str]:
    """One statement of each shape: the same statement for another label or relationship
    type (names ptgkg checks before quoting them) says nothing new to the front end, which
    takes ~0.15 s a statement."""
    shapes: dict[str, str] = {}
    for statement in statements:
        shapes.setdefault(re.sub(r"`[A-Za-z_][A-Za-z0-9_]*`", "`Name`", statement), statement)
    return list(shapes.values())


@pytest.fixture(scope="module")
def linter():
    if NODE is None or not (LINT / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        pytest.skip("Neo4j's Cypher front end is not installed: `make test` installs it "
                    "(npm ci --prefix tests/cypher_lint), which needs Node.js and npm")
    return lint


_depth = [0]  # builders call builders (most reads end in ``batched``): the outermost names the statement


def _outermost(wrapper):
    @functools.wraps(wrapper)
    def counted(*args, **kwargs):
        outermost = not _depth[0]
        _depth[0] += 1
        try:
            return wrapper(outermost, *args, **kwargs)
        finally:
            _depth[0] -= 1
    return counted


def _twin(builder, found: dict[str, str], name: str):
    """``builder`` as before, also recording the Neo4j statement(s) for the same arguments."""
    signature = inspect.signature(builder)

    @_outermost
    def wrapper(outermost, *args, **kwargs):
        result = builder(*args, **kwargs)
        if not outermost:
            return result
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        bound.arguments["dialect"] = cypher.NEO4J
        flags = [(k, FLAGS[k]) for k in bound.arguments if k in FLAGS]
        for values in _combinations([v for _, v in flags]):
            bound.arguments.update({k: v for (k, _), v in zip(flags, values)})
            twin = builder(*bound.args, **bound.kwargs)
            found.setdefault(twin[0] if isinstance(twin, tuple) else twin, name)
        return result
    return wrapper


def _combinations(choices: list[tuple]) -> list[tuple]:
    out = [()]
    for values in choices:
        out = [done + (v,) for done in out for v in values]
    return out


def _recorded(builder, found: dict[str, str], name: str):
    @_outermost
    def wrapper(outermost, *args, **kwargs):
        statement = builder(*args, **kwargs)
        if outermost:
            found.setdefault(statement, name)
        return statement
    return wrapper


def _run_the_store(store, notes: Path, tmp_path: Path) -> None:
    """Writes, rewrites, removals and every query the CLI and the dashboard ask."""
    from ptgkg.config import get_settings
    from ptgkg.graph.reconcile import reconcile_people
    from ptgkg.pipeline import Ingestor

    Ingestor(store, get_settings()).run([notes])
    reconcile_people(store)
    graphs = list(store.document_graphs())
    store.remove_document(graphs[0].doc_id)
    store.write_document(graphs[0])
    store.export()
    store.counts()
    store.event_counts()
    for label in ("Person", "Project", "Topic", "Decision", "Session", "Event", "Document"):
        store.node_entries(label)
        store.top_nodes(label, 5)
    projects = [n.name for n, _ in store.top_nodes("Project", 3)]
    people = [n.name for n, _ in store.top_nodes("Person", 2)]
    topic = store.top_nodes("Topic", 1)[0][0].name
    queries.clear_caches()
    for name in projects + people + [topic]:
        queries.profile(store, name)
        queries.neighbourhood(store, name, depth=2)
    queries.who_discussed(store, topic)
    queries.collaborations(store, projects[0])
    queries.decisions_answer(store, project=projects[0])
    queries.decision_log_page(store, project=projects[0])
    queries.path(store, people[0], projects[-1])
    queries.search(store, "health")
    queries.search(store, "zzzz-not-there")
    queries.overview(store)
    store.find_nodes(projects[0], label="Project")
    hub = store.top_nodes("Project", 1)[0][0].id
    for direction in ("out", "in", "both"):
        store.edges(hub, None, direction)
        store.edges(hub, ["DISCUSSED", "INVOLVES"], direction)
    store.edges_between([(n.id, m.id) for n, _ in store.top_nodes("Project", 2) for m, _ in store.top_nodes("Topic", 2)])
    from ptgkg.dashboard.network import collaboration_network

    collaboration_network(store)  # the dashboard's own reads (edge_keys)
    store.edge_keys([hub], None, "both")


@pytest.fixture(scope="module")
def sent_to_neo4j(falkordb_server, tmp_path_factory) -> dict[str, str]:
    """Every statement the Neo4j store would send to Neo4j for the workload of
    :func:`_run_the_store`: statement -> the builder that made it."""
    from ptgkg.graph.stores.neo4j_store import Neo4jStore
    from tests.conftest import DATA

    found: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, builder in list(vars(cypher).items()):
            if inspect.isfunction(builder) and "dialect" in inspect.signature(builder).parameters:
                mp.setattr(cypher, name, _twin(builder, found, name))
            elif name in DIALECT_FREE:
                mp.setattr(cypher, name, _recorded(builder, found, name))
        write_statements, shortest_path = cypher.Dialect.write_statements, cypher.Dialect.shortest_path

        def write_twins(dialect, steps, batch_size, generation):
            for statement, _ in write_statements(cypher.NEO4J, steps, batch_size, generation):
                found.setdefault(statement, "write_statements")
            return write_statements(dialect, steps, batch_size, generation)

        def path_twins(dialect, source_label, target_label, max_hops):
            found.setdefault(shortest_path(cypher.NEO4J, source_label, target_label, max_hops), "shortest_path")
            return shortest_path(dialect, source_label, target_label, max_hops)

        mp.setattr(cypher.Dialect, "write_statements", write_twins)
        mp.setattr(cypher.Dialect, "shortest_path", path_twins)
        store = Neo4jStore(falkordb_server.uri, settings=falkordb_settings(falkordb_server))
        try:
            store.wipe()
            _run_the_store(store, DATA / "notes", tmp_path_factory.mktemp("cypher"))
            store.wipe()
        finally:
            store.close()
    for statement in cypher.NEO4J.schema_statements() + SHARED:
        found.setdefault(statement, "schema or shared")
    return found


def test_every_statement_sent_to_neo4j_passes_its_own_cypher_front_end(linter, sent_to_neo4j):
    statements = [s for s in sent_to_neo4j if s not in FALKORDB_ONLY]
    made_by = {sent_to_neo4j[s] for s in statements}
    # the workload reached every kind of read and write, or the check would prove little
    assert {"read_state", "write_statements", "get_nodes", "edges_many", "node_edges", "edges_between",
            "find_nodes", "search", "search_quotes", "top_nodes", "export_nodes", "export_edges",
            "node_entries", "read_document", "existing_ids", "shortest_path", "count_relationships",
            "edge_keys"} <= made_by
    assert len(statements) > 100
    checked = one_per_shape(statements)
    assert {sent_to_neo4j[s] for s in checked} == made_by
    failures = [f"{sent_to_neo4j[s]}: {'; '.join(errors)}\n    {s[:400]}"
                for s, errors in zip(checked, linter(checked)) if errors]
    assert not failures, f"{len(failures)} of {len(checked)} statement shapes fail on Neo4j:\n" + "\n".join(failures)


def test_every_statement_constant_is_checked_or_falkordb_only():
    """A statement written as a constant of graph/cypher.py is in SHARED or FALKORDB_ONLY,
    so none reaches Neo4j unchecked."""
    constants = {name for name, value in vars(cypher).items()
                 if name.isupper() and not name.startswith("_") and isinstance(value, str)
                 and re.search(r"\b(MATCH|MERGE|RETURN|CREATE|CALL|UNWIND)\b", value)}
    assert {name for name in constants if getattr(cypher, name) not in set(SHARED) | FALKORDB_ONLY} == set()
    assert len(constants) >= 12


def test_the_front_end_refuses_what_neo4j_refuses(linter):
    """The check can fail: FalkorDB-only functions, unbound variables, a broken statement,
    and FalkorDB's dialect itself (its degrees count with ``indegree``, unknown to Neo4j)."""
    errors = linter([
        cypher.PROBE_FALKORDB,
        "MATCH (n:`Person` {id: $id}) RETURN m.name AS name",
        "MATCH (n:`Person` WHERE RETURN n",
        cypher.top_nodes("Person", cypher.FALKORDB),
        cypher.top_nodes("Person", cypher.NEO4J),
    ])
    assert [bool(e) for e in errors] == [True, True, True, True, False]
    assert "toJSON" in errors[0][0] and "`m`" in errors[1][0] and "indegree" in " ".join(errors[3])
