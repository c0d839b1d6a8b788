"""``ptgkg_sessions``: the reader's sections as ``doc.spans["sessions"]``: each heading
opens a session (a PTG room slot, a topic block, a day). Label ``DAY`` for day
markers ("Day 2", "Wednesday", "Friday morning") and ``SESSION`` otherwise.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from .document_context import ensure_extensions

__all__ = ["SessionSpans", "is_day_marker"]

_DAY = re.compile(
    r"^(day\s*\d+|(mon|tues|wednes|thurs|fri|satur|sun)day(\s+(morning|afternoon|am|pm))?"
    r"|(first|second|third|fourth|fifth|last)\s+day)\b[\s:,-]*.{0,30}$",
    re.I,
)


def is_day_marker(title: str) -> bool:
    """Example.

    >>> is_day_marker("Wednesday"), is_day_marker("Day 2: Nova"), is_day_marker("Health checks")
    (True, True, False)
    """
    return bool(_DAY.match(title.strip()))


@Language.factory("ptgkg_sessions", assigns=["doc.spans"])
def make_session_spans(nlp: Language, name: str) -> "SessionSpans":
    return SessionSpans()


class SessionSpans:
    def __init__(self) -> None:
        ensure_extensions()

    def __call__(self, doc: Doc) -> Doc:
        document = doc._.ptg_document
        spans = []
        if document is not None:
            for sec in document.sections:
                span = doc.char_span(sec.start, max(sec.start, sec.end), alignment_mode="expand")
                if span is None or len(span) == 0:
                    continue
                label = "DAY" if is_day_marker(sec.title) else "SESSION"
                spans.append(Span(doc, span.start, span.end, label=label, kb_id=sec.title[:200]))
        doc.spans["sessions"] = spans
        return doc
