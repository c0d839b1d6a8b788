"""The whole flow for one ingest: reader -> Document -> spaCy pipeline -> facts ->
resolution -> graph store, each stage a typed value.

``Ingestor`` is what the CLI and the dashboard's upload page drive; parallel
ingest (``workers > 1``) runs the NLP, extraction and resolution in a process
pool over documents, while this process alone writes to the store, one
transaction per document.

>>> from pathlib import Path
>>> pairs = list(document_graphs([Path("data/notes")]))      # doctest: +SKIP
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .config import Settings, get_settings
from .graph.materialize import Materialized, materialize
from .graph.model import DocumentGraph
from .graph.reconcile import reconcile_people
from .graph.resolve import PeopleIndex, resolve_document
from .graph.stores.base import GraphStore
from .ingest.document import Document, RejectedInput
from .ingest.extract import extract_facts
from .ingest.facts import DocumentFacts
from .ingest.gazetteer import Gazetteer
from .ingest.pipeline import annotate, build_nlp, pipeline_fingerprint

__all__ = ["Ingestor", "IngestSummary", "Rejected", "document_graphs", "read_inputs", "shard_of"]


@dataclass
class Rejected:
    source: str
    reason: str


@dataclass
class IngestSummary:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    nodes_added: int = 0
    edges_added: int = 0
    nodes_removed: int = 0
    edges_removed: int = 0
    words: int = 0
    people_joined: int = 0   # people named by nick alone in one note, joined across documents
    people_parted: int = 0
    documents_rewritten: int = 0
    answers: Materialized | None = None  # the busy nodes' answers, when the run computed them at its end

    def to_dict(self) -> dict:
        return {"ingested": len(self.ingested), "unchanged": len(self.unchanged),
                "rejected": [{"source": r.source, "reason": r.reason} for r in self.rejected],
                "nodes_added": self.nodes_added, "edges_added": self.edges_added,
                "nodes_removed": self.nodes_removed, "edges_removed": self.edges_removed,
                "words": self.words, "people_joined": self.people_joined,
                "people_parted": self.people_parted, "documents_rewritten": self.documents_rewritten,
                "answers_materialized": self.answers.answers if self.answers else 0}


def _is_url(s: str) -> bool:
    return s.startswith(("http://", "https://"))


def shard_of(doc_id: str, count: int) -> int:
    """Stable shard number of a document for ``--shard K/N`` (same on every machine)."""
    return int(doc_id.split(":")[-1][:8], 16) % count


def read_inputs(inputs: Sequence[str | Path], settings: Settings,
                event: str | None = None) -> Iterator[Document | Rejected]:
    """Documents from files, folders (recursive) and URLs; bad inputs come back as
    :class:`Rejected` with a one-line reason instead of raising."""
    from .ingest.fetch import fetch_url
    from .ingest.readers import folder_file_rejection, iter_input_files, read_path

    for item in inputs:
        s = str(item)
        if _is_url(s):
            try:
                docs = fetch_url(s, timeout_s=settings.fetch_timeout_s, max_bytes=settings.fetch_max_bytes)
            except RejectedInput as exc:
                yield Rejected(s, str(exc))
                continue
            except Exception as exc:  # a reader bug must not stop the run
                yield Rejected(s, f"could not fetch: {type(exc).__name__}: {exc}")
                continue
        else:
            path = Path(s)
            if not path.exists():
                yield Rejected(s, "no such file or folder")
                continue
            # ids come from the path relative to the working folder, so "data/" and
            # "data/notes/x.md" name the same document; outside it, the absolute path
            cwd = Path.cwd().resolve()
            root = cwd if path.resolve().is_relative_to(cwd) else None
            docs = []
            for f in iter_input_files([path]):
                why = folder_file_rejection(f) if path.is_dir() else None
                if why:
                    yield Rejected(str(f), why)
                    continue
                try:
                    got = read_path(f, root=root, max_bytes=settings.max_file_bytes)
                except RejectedInput as exc:
                    yield Rejected(str(f), str(exc))
                    continue
                except Exception as exc:
                    yield Rejected(str(f), f"unreadable: {type(exc).__name__}: {str(exc)[:160]}")
                    continue
                for d in got:
                    if event and not d.metadata.get("event"):
                        d.metadata["event"] = event
                    yield d
            continue
        for d in docs:
            if event and not d.metadata.get("event"):
                d.metadata["event"] = event
            yield d


class _Extractor:
    """NLP and extraction for a batch of documents (in this process or a worker). What it
    returns depends on each document alone, so batches, workers and resumed runs agree;
    resolution against what the store knows happens in the writing process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.nlp = build_nlp(settings)
        self.gz = Gazetteer.load(settings)

    def facts(self, documents: list[Document]) -> list[DocumentFacts | Rejected]:
        """One result per document, in order; a document the pipeline fails on comes back
        as :class:`Rejected` (with the error in one line) instead of stopping the batch."""
        try:
            return [extract_facts(doc, self.gz)
                    for doc in annotate(self.nlp, documents, batch_size=self.settings.nlp_batch_size)]
        except Exception:
            out: list[DocumentFacts | Rejected] = []
            for document in documents:  # find the one that failed; keep the others
                try:
                    out.append(extract_facts(next(annotate(self.nlp, [document], batch_size=1)), self.gz))
                except Exception as exc:
                    out.append(_failed(document, exc))
            return out


def _failed(document: Document, exc: Exception) -> Rejected:
    return Rejected(document.source, f"extraction failed: {type(exc).__name__}: {' '.join(str(exc).split())[:160]}")


_WORKER: _Extractor | None = None


def _worker_init(settings_json: str) -> None:
    global _WORKER
    _WORKER = _Extractor(Settings.model_validate_json(settings_json))


def _worker_facts(documents: list[Document]) -> list[DocumentFacts | Rejected]:
    assert _WORKER is not None
    return _WORKER.facts(documents)


class Ingestor:
    """Ingest documents into a store: unchanged documents are skipped before any NLP,
    each changed or new document replaces its own facts in one transaction.

    Each note's people are resolved from the note alone ("Paul Bourke (pbourke)", a
    first name next to one full name). Once the run has written its documents, people a
    note names only by nick or first name are joined across every stored document
    (:func:`~ptgkg.graph.reconcile.reconcile_people`), in one pass that sees them all.
    Joining while writing would depend on which notes happened to be stored already, and
    two people merged in one note by such a guess cannot be told apart again. So the
    graph depends on which notes are stored, not on the order they came in: one run,
    shards on several machines (``ptgkg resolve`` after them), or a run resumed after a
    kill all build the same graph."""

    def __init__(self, store: GraphStore, settings: Settings | None = None, workers: int | None = None,
                 shard: tuple[int, int] | None = None, materialize: bool = False) -> None:
        self.store = store
        self.materialize = materialize  # end the run by computing the busiest nodes' answers
        self.settings = settings or get_settings()
        self.workers = max(1, workers or self.settings.workers)
        self.shard = shard
        self.fingerprint = pipeline_fingerprint(self.settings)
        self.gz = Gazetteer.load(self.settings)

    def run(self, inputs: Sequence[str | Path], event: str | None = None,
            progress: Callable[[str, str], None] | None = None,
            answering: Callable[[str], None] | None = None) -> IngestSummary:
        """``progress(source, outcome)`` is called once per input document, then
        ``answering(name)`` once per busy node whose answers the run computes at its end
        (``materialize``: :func:`~ptgkg.graph.materialize.materialize`, minutes on a corpus
        of 10,000 notes)."""
        summary = IngestSummary()
        note = progress or (lambda source, outcome: None)
        pending: list[Document] = []
        for item in read_inputs(inputs, self.settings, event):
            if isinstance(item, Rejected):
                summary.rejected.append(item)
                note(item.source, "rejected")
                continue
            if self.shard and shard_of(item.id, self.shard[1]) != self.shard[0] - 1:
                continue
            stored = self.store.document_hash(item.id)
            if stored == f"{item.hash[:48]}:{self.fingerprint}":
                summary.unchanged.append(item.source)
                note(item.source, "unchanged")
                continue
            pending.append(item)
        if pending:
            self._write_all(pending, summary, note)
        if not self.shard:  # a shard knows only its share: `ptgkg resolve` once all have finished
            self.resolve_people(summary)  # also finishes what a killed run could not
            if self.materialize:  # the busiest nodes' answers, for the graph as the run left it
                summary.answers = materialize(self.store, self.settings.answers_min_degree,
                                              progress=(lambda node: answering(node.name)) if answering else None)
        return summary

    def _write_all(self, pending: list[Document], summary: IngestSummary, note) -> None:
        if self.workers > 1 and len(pending) > 1:
            size = max(1, len(pending) // (self.workers * 4))
            chunks = [pending[i:i + size] for i in range(0, len(pending), size)]
            with ProcessPoolExecutor(self.workers, initializer=_worker_init,
                                     initargs=(self.settings.model_dump_json(),)) as pool:
                for docs, facts in zip(chunks, pool.map(_worker_facts, chunks)):
                    self._write(docs, facts, summary, note)
        else:
            extractor = _Extractor(self.settings)
            batch = max(1, self.settings.nlp_batch_size)
            for i in range(0, len(pending), batch):
                docs = pending[i:i + batch]
                self._write(docs, extractor.facts(docs), summary, note)

    def resolve_people(self, summary: IngestSummary | None = None) -> IngestSummary:
        """Redo the joins of people named by nick or first name alone, across every stored
        document (:func:`~ptgkg.graph.reconcile.reconcile_people`), so the graph does not
        depend on the order notes arrived in."""
        summary = summary or IngestSummary()
        done = reconcile_people(self.store)
        summary.people_joined += done.joined
        summary.people_parted += done.parted
        summary.documents_rewritten += done.documents
        return summary

    def _write(self, docs: list[Document], results: list[DocumentFacts | Rejected],
               summary: IngestSummary, note) -> None:
        for doc, facts in zip(docs, results):
            if not isinstance(facts, Rejected):
                try:
                    # each note alone: joins across documents come after the writes (run)
                    graph = resolve_document(facts, self.gz, None, self.fingerprint)
                except Exception as exc:
                    facts = _failed(doc, exc)
            if isinstance(facts, Rejected):
                summary.rejected.append(facts)
                note(doc.source, "rejected")
                continue
            result = self.store.write_document(graph)
            summary.ingested.append(doc.source)
            summary.words += len(doc.text.split())
            summary.nodes_added += result.nodes_added
            summary.edges_added += result.edges_added
            summary.nodes_removed += result.nodes_removed
            summary.edges_removed += result.edges_removed
            note(doc.source, "ingested")


def document_graphs(paths: Iterable[Path | str], settings: Settings | None = None,
                    store: GraphStore | None = None) -> Iterator[tuple[Document, DocumentGraph]]:
    """Each readable document under ``paths`` with the graph it yields (nothing stored);
    for evaluation and inspection. People resolve against ``store`` when given; each
    document stands alone otherwise. Rejected inputs are skipped."""
    s = settings or get_settings()
    people = PeopleIndex.from_entries(store.node_entries("Person") if store else [])
    extractor = _Extractor(s)
    fingerprint = pipeline_fingerprint(s)
    docs = [d for d in read_inputs(list(paths), s) if isinstance(d, Document)]
    for i in range(0, len(docs), max(1, s.nlp_batch_size)):
        chunk = docs[i:i + s.nlp_batch_size]
        for d, facts in zip(chunk, extractor.facts(chunk)):
            if not isinstance(facts, Rejected):
                yield d, resolve_document(facts, extractor.gz, people, fingerprint)
