"""Etherpad text exports (``/p/NAME/export/txt``): the working notes of a PTG session.

Pads are line-oriented: every line keeps its own line (no paragraph joining),
bullets lose their markers, ``(nick)`` author tags stay in the text for the
NLP stage. Headings are what pad writers use: ``== Topic ==``, ``### Topic``,
underlined lines, stand-alone ``Topic:`` lines, day names ("Wednesday",
"Day 2"), short ALL-CAPS titles. Etherpad's welcome banner and
authorship-colour lines are dropped.

Claimed by name (``*.etherpad``, ``*.etherpad.txt``) or by content (the
Etherpad banner, or a pad-like mix of ``(nick)``-tagged bullets and headings).

>>> from ptgkg.ingest.readers.etherpad import EtherpadReader
>>> pad = b"Kolla Zed PTG\\n\\nWednesday\\nHealth checks:\\n* add to all images (mnasiadka)\\n* AGREED: do it\\n"
>>> doc = EtherpadReader().read("kolla.etherpad.txt", pad)
>>> [(s.level, s.title) for s in doc.sections]
[(1, 'Kolla Zed PTG'), (1, 'Wednesday'), (2, 'Health checks')]
"""
from __future__ import annotations

import re

from ..document import Document
from .base import Reader, TextBuilder, decode_text, metadata_from_fields, split_front_matter
from .text import build_plain

__all__ = ["EtherpadReader", "looks_like_etherpad"]

_BANNER = re.compile(
    r"^\s*(?:welcome to etherpad!?|this pad text is synchronized as you type.*|"
    r"get involved with etherpad at.*|warning: dirtydb is used.*|etherpad on \S+.*)\s*$",
    re.IGNORECASE,
)
_COLOUR = re.compile(
    r"(?:^\s*(?:clear\s+)?authorship\s+colou?rs?\b.*$)|(?:^\s*colou?r\s*(?:key|legend)\b.*$)|"
    r"(?:^\s*#[0-9a-f]{6}\s*$)|(?:^\s*(?:please\s+)?(?:add|put|set)\s+your\s+(?:name|nick).*colou?r.*$)",
    re.IGNORECASE,
)
_NICK_TAG = re.compile(r"[(\[]\s*[A-Za-z][\w|`^-]{1,20}\s*[)\]]\s*$")
_BULLET = re.compile(r"^\s*(?:[*\-+\u2022]|\d{1,3}[.)])\s+")
_PAD_HEADING = re.compile(r"^\s*(?:={2,}\s*\S.*={2,}|#{1,4}\s+\S.*)\s*$")


def looks_like_etherpad(head: str) -> bool:
    """True for the Etherpad banner, or for a pad-like mix of tagged bullets and headings."""
    if re.search(r"welcome to etherpad|this pad text is synchronized as you type", head, re.IGNORECASE):
        return True
    lines = [l for l in head.split("\n") if l.strip()]
    if len(lines) < 5:
        return False
    tagged = sum(1 for l in lines if _NICK_TAG.search(l))
    bullets = sum(1 for l in lines if _BULLET.match(l))
    headings = sum(1 for l in lines if _PAD_HEADING.match(l))
    return tagged >= 3 and tagged >= 0.15 * len(lines) and (bullets >= 3 or headings >= 1)


class EtherpadReader(Reader):
    kind = "etherpad"
    suffixes = (".etherpad", ".etherpad.txt", ".pad.txt")

    def sniff(self, name: str, head: str) -> bool:
        return looks_like_etherpad(head)

    def parse(self, source: str, data: bytes) -> list[Document]:
        text = decode_text(data)
        fields, body = split_front_matter(text)
        meta = metadata_from_fields(fields)
        kept = [l for l in body.split("\n") if not _BANNER.match(l) and not _COLOUR.match(l)]
        builder = TextBuilder()
        build_plain("\n".join(kept), builder, style="etherpad")
        if source.startswith(("http://", "https://")):
            meta.setdefault("url", source)
        # a pad's first line is its title ("Queens PTG - Kolla / TripleO cross-project session"),
        # unless it is a list item or an instruction to attendees
        first = next((l.strip() for l in kept if l.strip()), "")
        if first and len(first) <= 120 and not re.match(r"^([*\-•+]|\d+[.)])\s", first) \
                and not re.match(r"(?i)^(please|add your|welcome)\b", first) and not first.endswith(":"):
            meta.setdefault("title", first)
        return [builder.build(source, self.kind, meta.pop("title", ""), meta)]
