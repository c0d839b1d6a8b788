"""One spaCy ``Language`` for ptgkg, assembled from configuration.

Only the model's NER runs (it carries its own tok2vec); the tagger, parser and
attribute ruler are excluded because no extractor reads them, which keeps ingest
faster than the bare model. Rule components come from the gazetteer in ``data/``.

>>> nlp = build_nlp()                                   # doctest: +SKIP
>>> nlp.pipe_names                                      # doctest: +SKIP
['ptgkg_line_sentences', 'ptgkg_language', 'ptgkg_project_ruler', 'ptgkg_event_ruler', 'ptgkg_topics', 'ner', 'ptgkg_people', 'ptgkg_sessions', 'ptgkg_decisions']
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..config import Settings, get_settings
from . import components  # noqa: F401  (registers the factories)
from .document import Document

__all__ = ["build_nlp", "load_model", "annotate", "PIPELINE", "pipeline_fingerprint", "ModelMissing"]

# (component name, factory) in order; "ner" is the statistical model's own.
PIPELINE = (
    "ptgkg_line_sentences", "ptgkg_language", "ptgkg_project_ruler", "ptgkg_event_ruler",
    "ptgkg_topics", "ner", "ptgkg_people", "ptgkg_sessions", "ptgkg_decisions",
)
_MODEL_UNUSED = ["tok2vec", "tagger", "parser", "attribute_ruler", "senter"]


class ModelMissing(RuntimeError):
    pass


def load_model(settings: Settings) -> Language:
    """The statistical model: the official en_core_web_sm first, then the fallbacks."""
    errors = []
    for name in (settings.spacy_model, *settings.spacy_model_fallbacks):
        try:
            # the lemmatizer is loaded (disabled) for its English word index
            return spacy.load(name, exclude=_MODEL_UNUSED, disable=["lemmatizer"])
        except OSError as exc:
            errors.append(f"{name}: {str(exc).splitlines()[0][:120]}")
    raise ModelMissing("no spaCy model could be loaded (" + "; ".join(errors) + "); run `make setup`")


def build_nlp(settings: Settings | None = None) -> Language:
    s = settings or get_settings()
    return _build_cached(s.spacy_model, tuple(s.spacy_model_fallbacks), str(s.gazetteer), str(s.events), str(s.topics))


@lru_cache(maxsize=2)
def _build_cached(model: str, fallbacks: tuple, gazetteer: str, events: str, topics: str) -> Language:
    s = get_settings().model_copy(update={"spacy_model": model, "spacy_model_fallbacks": fallbacks})
    nlp = load_model(s)
    _tune_tokenizer(nlp)
    cfg = {"gazetteer": gazetteer, "events": events, "topics": topics}
    before_ner = True
    for name in PIPELINE:
        if name == "ner":
            before_ner = False
            continue
        kwargs = {"before": "ner"} if before_ner else {"last": True}
        conf = cfg if name in ("ptgkg_project_ruler", "ptgkg_event_ruler", "ptgkg_topics") else {}
        nlp.add_pipe(name, config=conf, **kwargs)
    return nlp


def _tune_tokenizer(nlp: Language) -> None:
    """Split a full stop after names ending in a capital ("like TripleO."), which spaCy's
    English rules keep attached as if the word were an abbreviation."""
    from spacy.util import compile_suffix_regex

    suffixes = list(nlp.Defaults.suffixes) + [r"(?<=[a-z][A-Z])\."]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search


def pipeline_fingerprint(settings: Settings | None = None) -> str:
    """Changes when the gazetteer, topics, events or extraction rules change, so that
    re-ingesting after such a change recomputes a document's facts."""
    s = settings or get_settings()
    h = hashlib.sha256()
    for p in (s.gazetteer, s.events, s.topics):
        path = Path(p)
        h.update(path.read_bytes() if path.exists() else b"")
    here = Path(__file__).resolve().parent
    for src in sorted([*here.glob("components/*.py"), here / "extract.py",
                       here.parent / "graph" / "resolve.py"]):
        if src.exists():
            h.update(src.read_bytes())
    h.update(s.spacy_model.encode())
    return h.hexdigest()[:16]


def make_doc(nlp: Language, document: Document) -> Doc:
    doc = nlp.make_doc(document.text)
    doc._.ptg_document = document
    return doc


def annotate(nlp: Language, documents: Iterable[Document], batch_size: int = 16) -> Iterator[Doc]:
    """Run the pipeline over documents with ``nlp.pipe``; yields Docs in order,
    each carrying its Document in ``doc._.ptg_document``. (Parallel ingest runs
    one of these per worker process, see :mod:`ptgkg.pipeline`.)"""
    docs = (make_doc(nlp, d) for d in documents)
    yield from nlp.pipe(docs, batch_size=batch_size)
