"""The typed value every reader produces and the NLP pipeline consumes.

A :class:`Document` is plain text (markup already removed) plus the structure
the reader could recover: sections with character spans into ``text`` and
metadata hints (date, author, event). Readers never guess facts; they only
carry what the source says.

Example
-------
>>> doc = Document.from_text("notes/kolla.txt", "text", "Kolla notes", "Health checks\\nWe agreed.")
>>> doc.id == Document.from_text("notes/kolla.txt", "text", "Kolla notes", "Health checks\\nWe agreed.").id
True
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Section", "Document", "RejectedInput", "document_id", "content_hash"]


class RejectedInput(Exception):
    """Raised by readers for input they will not ingest; ``str(exc)`` is the one-line reason."""


@dataclass(frozen=True)
class Section:
    """A heading-delimited part of a document: ``text[start:end]`` is its body.

    ``level`` is the heading depth (1 = top); ``title`` the heading text
    without markup. A document without headings has one section spanning it all.
    """

    title: str
    start: int
    end: int
    level: int = 1


def content_hash(text: str) -> str:
    """Hash of the plain text: unchanged text means an unchanged document."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def document_id(source: str) -> str:
    """Stable id from the source (path relative to the ingest root, or URL)."""
    return "doc:" + hashlib.sha1(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Document:
    """One note, as a reader returns it.

    ``metadata`` keys readers may set: ``date`` (ISO ``YYYY-MM-DD``), ``author``,
    ``author_irc``, ``event`` (an event name or hint, e.g. "Queens PTG"),
    ``url``, ``subject``, ``language``, ``team`` (a project the note is about).
    """

    id: str
    source: str
    kind: str  # text | markdown | rst | html | etherpad | email
    title: str
    text: str
    sections: list[Section] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def hash(self) -> str:
        # The metadata matters too: an --event hint changes what the note yields.
        extra = repr(sorted((k, str(v)) for k, v in self.metadata.items()))
        return content_hash(self.title + "\x00" + self.text + "\x00" + extra)

    @classmethod
    def from_text(
        cls,
        source: str,
        kind: str,
        title: str,
        text: str,
        sections: list[Section] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> "Document":
        secs = sections if sections else [Section(title or "", 0, len(text), 1)]
        return cls(document_id(source), source, kind, title, text, secs, dict(metadata or {}))
