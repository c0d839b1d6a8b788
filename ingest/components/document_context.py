"""The ``Doc._.ptg_document`` extension: the reader's :class:`Document` travels with
its spaCy Doc, so components can see sections and metadata.

Set it before running the pipeline (``ptgkg.ingest.pipeline.make_doc`` does).
"""
from spacy.tokens import Doc

__all__ = ["ensure_extensions"]


def ensure_extensions() -> None:
    if not Doc.has_extension("ptg_document"):
        Doc.set_extension("ptg_document", default=None)
    if not Doc.has_extension("ptg_language"):
        Doc.set_extension("ptg_language", default="en")


ensure_extensions()
