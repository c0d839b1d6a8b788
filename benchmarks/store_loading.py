"""Store loading (issue 6, benchmark 4): facts per second written over Bolt to FalkorDB.

Same data, same server, one run:

* ours: ``Neo4jStore.write_document`` per document (batched writes: ``UNWIND`` batches on
  Neo4j; on FalkorDB, whose Bolt endpoint has no transactions, one guarded statement
  per document with a ``FOREACH`` per batch, sent to FalkorDB's Redis port when it is
  too long for its Bolt endpoint, as docs/neo4j.md configures FalkorDB; a second row
  sends everything over Bolt);
* baseline: one parameterised ``MERGE`` statement per fact (a node, or a relationship
  with its evidence), each sent and committed on its own, the loop a first version
  would write.

A fact is a node or a relationship of a document graph. The document graphs are what
ptgkg extracts from a generated corpus (ingested into an embedded store first).
FalkorDB's Bolt endpoint splices parameters into the query text without escaping, so
the baseline sends its parameters the way ptgkg does
(:meth:`ptgkg.graph.cypher.Dialect.prepare`: Bolt parameters when FalkorDB reads them
back intact, else its ``CYPHER k=v`` header). Target: ours / baseline >= 20x.

    .venv/bin/python benchmarks/store_loading.py [--quick] [--documents N]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bolt_settings, falkordb_server, table, timed, verdict  # noqa: E402

TARGET = 20.0


def document_graphs(n_docs: int, seed: int, work: Path) -> list:
    from generate_corpus import generate
    from ptgkg.config import get_settings
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from ptgkg.pipeline import Ingestor

    generate(work / "corpus", documents=n_docs, seed=seed)
    with EmbeddedStore(work / "embedded") as store:
        Ingestor(store, get_settings()).run([work / "corpus"])
        return list(store.document_graphs())


def naive_load(uri: str, graphs: list) -> int:
    """One auto-committed, parameterised MERGE per node and per relationship."""
    import neo4j

    from ptgkg.graph import cypher

    dialect = cypher.FALKORDB
    statements = 0
    with neo4j.GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        for g in graphs:
            labels = {n.id: n.label for n in g.nodes}
            for n in g.nodes:
                props = {k: v if isinstance(v, (str, int, float, bool)) else json.dumps(v)
                         for k, v in n.props.items() if v is not None and k.isidentifier()}
                query, params = dialect.prepare(
                    f"MERGE (n:`{cypher.check_label(n.label)}` {{id: $id}}) "
                    "SET n.name = $name, n.aliases = $aliases, n += $props",
                    {"id": n.id, "name": n.name, "aliases": list(n.aliases), "props": props})
                session.run(query, params).consume()
                statements += 1
            for e in g.edges:
                query, params = dialect.prepare(
                    f"MATCH (a:`{cypher.check_label(labels[e.source])}` {{id: $s}}), "
                    f"(b:`{cypher.check_label(labels[e.target])}` {{id: $t}}) "
                    f"MERGE (a)-[r:`{cypher.check_type(e.type)}`]->(b) "
                    "SET r.ev_doc = $ev_doc, r.ev_quote = $ev_quote, r.ev_start = $ev_start, r.ev_end = $ev_end",
                    {"s": e.source, "t": e.target, "ev_doc": [x.doc for x in e.evidence],
                     "ev_quote": [x.quote for x in e.evidence], "ev_start": [x.start for x in e.evidence],
                     "ev_end": [x.end for x in e.evidence]})
                session.run(query, params).consume()
                statements += 1
    return statements


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="batched Neo4jStore writes vs one statement per fact, over Bolt")
    ap.add_argument("--quick", action="store_true", help="a few documents (CI)")
    ap.add_argument("--documents", type=int, help="documents (default 60; quick 4)")
    ap.add_argument("--seed", type=int, default=4)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-loading-"))
    graphs = document_graphs(args.documents or (4 if args.quick else 60), args.seed, work)
    facts = sum(len(g.nodes) + len(g.edges) for g in graphs)
    rust = importlib.util.find_spec("neo4j._rust") is not None or importlib.util.find_spec("neo4j_rust_ext") is not None
    import neo4j

    print(f"{len(graphs)} document graphs, {facts:,} facts; neo4j driver {neo4j.__version__}, "
          f"neo4j-rust-ext {'installed' if rust else 'not installed'}", flush=True)
    with falkordb_server(work / "falkordb") as server:
        if server is None:
            return 0
        from ptgkg.graph import cypher
        from ptgkg.graph.stores.neo4j_store import Neo4jStore

        # as docs/neo4j.md configures FalkorDB: writes too long for its Bolt endpoint go to
        # its Redis port; the Bolt-only row shows what that costs or saves. Each way twice,
        # alternating, the faster of each kept: the first load also warms the server up
        timings: dict[str, float] = {}
        for path, settings in [("bolt", bolt_settings()), ("redis", bolt_settings(server))] * 2:
            store = Neo4jStore(server.uri, settings=settings)
            store.wipe()
            with timed() as took:
                for g in graphs:
                    store.write_document(g)
            timings[path] = min(took[0], timings.get(path, took[0]))
            counts = store.counts()
            store.wipe()
            store.close()
        with timed() as t_naive:
            statements = naive_load(server.uri, graphs)
        ours, naive = facts / timings["redis"], facts / t_naive[0]
        table(["writer", "statements", "seconds", "facts/s"], [
            ["Neo4jStore.write_document (batched)", f"{len(graphs)} documents", timings["redis"], ours],
            ["  the same, all over Bolt", f"{len(graphs)} documents", timings["bolt"], facts / timings["bolt"]],
            ["one MERGE per fact", statements, t_naive[0], naive],
        ], title=f"loading {facts:,} facts into FalkorDB over Bolt ({server.uri}; writes over "
                 f"{cypher.FALKORDB_BOLT_MESSAGE_BYTES:,} bytes through its Redis port)")
        print(f"stored by ours: {sum(counts['nodes'].values()):,} nodes, {sum(counts['edges'].values()):,} relationships")
        verdict("batched writes >= 20x per-fact statements", ours / naive >= TARGET,
                f"{ours:,.0f} vs {naive:,.0f} facts/s = {ours / naive:.1f}x (target >= {TARGET:.0f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
