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

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .config import Settings, get_settings
from .graph.model import DocumentGraph
from .graph.resolve import PeopleIndex, resolve_document
from .graph.stores.base import GraphStore, StoreError
from .ingest.document import Document, RejectedInput
from .ingest.extract import extract_facts
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

    def to_dict(self) -> dict:
        return {"ingested": len(self.ingested), "unchanged": len(self.unchanged),
                "rejected": [{"source": r.source, "reason": r.reason} for r in self.rejected],
                "nodes_added": self.nodes_added, "edges_added": self.edges_added,
                "nodes_removed": self.nodes_removed, "edges_removed": self.edges_removed,
                "words": self.words}


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
    from .ingest.readers import iter_input_files, read_path

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
    """NLP + extraction + resolution for a batch of documents (in this process or a worker)."""

    def __init__(self, settings: Settings, people_rows: list, fingerprint: str) -> None:
        self.settings = settings
        self.nlp = build_nlp(settings)
        self.gz = Gazetteer.load(settings)
        self.people = PeopleIndex.from_alias_table(people_rows)
        self.nlp.get_pipe("ptgkg_people").add_known_nicks(
            a for a, _nid, label, name in people_rows if label == "Person" and " " not in a)
        self.fingerprint = fingerprint

    def graphs(self, documents: list[Document]) -> list[DocumentGraph | Rejected]:
        """One graph per document, in order; a document the pipeline fails on comes back
        as :class:`Rejected` (with the error in one line) instead of stopping the batch."""
        try:
            return [self._graph(doc) for doc in annotate(self.nlp, documents, batch_size=self.settings.nlp_batch_size)]
        except Exception:
            out: list[DocumentGraph | Rejected] = []
            for document in documents:  # find the one that failed; keep the others
                try:
                    out.append(self._graph(next(annotate(self.nlp, [document], batch_size=1))))
                except Exception as exc:
                    out.append(Rejected(document.source, f"extraction failed: {type(exc).__name__}: "
                                                         f"{' '.join(str(exc).split())[:160]}"))
            return out

    def _graph(self, doc) -> DocumentGraph:
        return resolve_document(extract_facts(doc, self.gz), self.gz, self.people, self.fingerprint)


_WORKER: _Extractor | None = None


def _worker_init(settings_json: str, people_rows: list, fingerprint: str) -> None:
    global _WORKER
    _WORKER = _Extractor(Settings.model_validate_json(settings_json), people_rows, fingerprint)


def _worker_graphs(documents: list[Document]) -> list[DocumentGraph | Rejected]:
    assert _WORKER is not None
    return _WORKER.graphs(documents)


class Ingestor:
    """Ingest documents into a store: unchanged documents are skipped before any NLP,
    each changed or new document replaces its own facts in one transaction."""

    def __init__(self, store: GraphStore, settings: Settings | None = None, workers: int | None = None,
                 shard: tuple[int, int] | None = None) -> None:
        self.store = store
        self.settings = settings or get_settings()
        self.workers = max(1, workers or self.settings.workers)
        self.shard = shard
        self.fingerprint = pipeline_fingerprint(self.settings)

    def run(self, inputs: Sequence[str | Path], event: str | None = None,
            progress: Callable[[str, str], None] | None = None) -> IngestSummary:
        """``progress(source, outcome)`` is called once per input document."""
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
            if self.store.document_hash(item.id) == f"{item.hash[:48]}:{self.fingerprint}":
                summary.unchanged.append(item.source)
                note(item.source, "unchanged")
                continue
            pending.append(item)
        people_rows = self.store.alias_table(["Person"])
        batch = max(1, self.settings.nlp_batch_size)
        chunks = [pending[i:i + batch] for i in range(0, len(pending), batch)]
        if self.workers > 1 and len(pending) > 1:
            chunks = [pending[i:i + max(1, len(pending) // (self.workers * 4) or 1)]
                      for i in range(0, len(pending), max(1, len(pending) // (self.workers * 4) or 1))]
            with ProcessPoolExecutor(self.workers, initializer=_worker_init,
                                     initargs=(self.settings.model_dump_json(), people_rows, self.fingerprint)) as pool:
                for docs, graphs in zip(chunks, pool.map(_worker_graphs, chunks)):
                    self._write(docs, graphs, summary, note)
        else:
            extractor = _Extractor(self.settings, people_rows, self.fingerprint) if pending else None
            for docs in chunks:
                self._write(docs, extractor.graphs(docs), summary, note)
        return summary

    def _write(self, docs: list[Document], graphs: list[DocumentGraph], summary: IngestSummary, note) -> None:
        for doc, graph in zip(docs, graphs):
            if isinstance(graph, Rejected):
                summary.rejected.append(graph)
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
    for evaluation and inspection. Rejected inputs are skipped."""
    s = settings or get_settings()
    rows = store.alias_table(["Person"]) if store else []
    extractor = _Extractor(s, rows, pipeline_fingerprint(s))
    docs = [d for d in read_inputs(list(paths), s) if isinstance(d, Document)]
    for i in range(0, len(docs), max(1, s.nlp_batch_size)):
        chunk = docs[i:i + s.nlp_batch_size]
        yield from ((d, g) for d, g in zip(chunk, extractor.graphs(chunk)) if not isinstance(g, Rejected))
