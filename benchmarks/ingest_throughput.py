"""Ingest throughput against the bare model (issue 6, benchmark 1).

Same texts, same machine, one run:

* baseline: ``spacy.load(model).pipe(texts)``, the model's full default pipeline as a
  new user would run it, over the plain texts ptgkg's readers produce;
* ours: ``Ingestor(store).run([corpus])`` end to end: reading the files, ptgkg's NLP
  pipeline, extraction, resolution and writing the embedded store.

Both are timed with the model already loaded (load times are printed apart), so the
ratio compares steady-state words per second. Target: ours / baseline >= 1.0.

    .venv/bin/python benchmarks/ingest_throughput.py [--quick] [--words N] [--corpus DIR] [--profile]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import spacy_model_name, table, timed, verdict, words_of  # noqa: E402

TARGET = 1.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="ptgkg ingest vs spacy.load(model).pipe(texts)")
    ap.add_argument("--quick", action="store_true", help="a small corpus (CI)")
    ap.add_argument("--words", type=int, help="corpus size in words (default 300,000; quick 15,000)")
    ap.add_argument("--corpus", type=Path, help="ingest this folder instead of a generated corpus")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", type=Path, help="write a cProfile of our ingest to this file")
    args = ap.parse_args(argv)

    import spacy

    from generate_corpus import generate
    from ptgkg.config import get_settings
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from ptgkg.ingest.document import Document
    from ptgkg.ingest.pipeline import build_nlp
    from ptgkg.pipeline import Ingestor, read_inputs

    settings = get_settings()
    work = Path(tempfile.mkdtemp(prefix="ptgkg-bench-throughput-"))
    corpus = args.corpus
    if corpus is None:
        corpus = work / "corpus"
        words = args.words or (15_000 if args.quick else 300_000)
        generate(corpus, words=words, seed=args.seed)
    texts = [d.text for d in read_inputs([corpus], settings) if isinstance(d, Document)]
    n_words = words_of(texts)
    model = spacy_model_name(settings)
    print(f"corpus: {corpus} ({len(texts):,} documents, {n_words:,} words); model {model}", flush=True)

    # -- baseline: the bare model, full default pipeline ---------------------------------
    with timed() as load_bare:
        bare = spacy.load(model)
    with timed() as run_bare:
        tokens = sum(len(doc) for doc in bare.pipe(texts))
    del bare

    # -- ours: the whole ingest into a fresh embedded store --------------------------------
    with timed() as load_ours:
        nlp = build_nlp(settings)  # what Ingestor uses (cached per settings)
    store = EmbeddedStore(work / "store")
    ingestor = Ingestor(store, settings, workers=1)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with timed() as run_ours:
        summary = ingestor.run([corpus])
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(args.profile))
    store.close()
    if summary.rejected:
        print(f"note: {len(summary.rejected)} inputs rejected, e.g. {summary.rejected[0]}")

    bare_wps = n_words / run_bare[0]
    ours_wps = summary.words / run_ours[0]
    ratio = ours_wps / bare_wps
    cold_ratio = (summary.words / (run_ours[0] + load_ours[0])) / (n_words / (run_bare[0] + load_bare[0]))
    print()
    table(["pipeline", "components", "load s", "run s", "words", "words/s"], [
        ["spacy.load(model).pipe(texts)", ",".join(spacy.load(model).pipe_names), load_bare[0], run_bare[0],
         n_words, bare_wps],
        ["ptgkg ingest (read+NLP+resolve+store)", f"{len(nlp.pipe_names)} ({','.join(p.replace('ptgkg_', '') for p in nlp.pipe_names)})",
         load_ours[0], run_ours[0], summary.words, ours_wps],
    ], title="ingest throughput, same texts, one run")
    print(f"documents ingested {len(summary.ingested):,}; nodes +{summary.nodes_added:,}, "
          f"edges +{summary.edges_added:,}; tokens (bare) {tokens:,}")
    print(f"ratio ours/bare: {ratio:.2f}x steady state, {cold_ratio:.2f}x including model load")
    verdict("ingest throughput >= bare model", ratio >= TARGET,
            f"{ours_wps:,.0f} vs {bare_wps:,.0f} words/s = {ratio:.2f}x (target >= {TARGET:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
