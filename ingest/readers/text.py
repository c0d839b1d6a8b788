"""Plain-text notes, and the line parser other readers reuse for plain bodies.

Headings are recognised only where the writer clearly meant one: a line
underlined (or over- and underlined) with ``===``/``---``/``~~~``, a ``# Title``
or ``== Title ==`` line, a short ALL-CAPS line standing alone, or a short first
line followed by a blank line. A line merely ending in ``:`` is not a heading in
plain text (it is in etherpads, see :mod:`.etherpad`). Hard-wrapped lines are
joined into paragraphs; list items keep their own line, without the bullet.

>>> from ptgkg.ingest.readers.text import TextReader
>>> doc = TextReader().read("kolla.txt", b"Kolla PTG\\n\\nHEALTH CHECKS\\n\\nWe agreed to add\\nthem.\\n* (mnasiadka) owns it\\n")
>>> doc.text
'Kolla PTG\\n\\nHEALTH CHECKS\\n\\nWe agreed to add them.\\n\\n(mnasiadka) owns it'
>>> [s.title for s in doc.sections]
['Kolla PTG', 'HEALTH CHECKS']
"""
from __future__ import annotations

import re

from ..document import Document
from .base import Reader, TextBuilder, decode_text, metadata_from_fields, split_front_matter

__all__ = ["TextReader", "build_plain"]

_RULE_CHARS = set("=-~^*#+_.`:'\"")
_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_WIKI = re.compile(r"^(={1,5})\s*([^=].*?)\s*\1\s*$")
_BULLET = re.compile(r"^(\s*)(?:[*\-+\u2022\u2023\u25e6\u2043]|\d{1,3}[.)]|[a-zA-Z][.)]|\(\d{1,3}\))\s+(.*)$")
_LABEL = re.compile(r"^[A-Z][\w /&'-]{0,24}:\s+\S")
_DAY = re.compile(
    r"^(?:day\s*\d+|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|wed|thu|fri)\b[^.!?]{0,60}$",
    re.IGNORECASE,
)
_TOPIC = re.compile(r"^[^:*\-\s][^:]{1,60}:$")
_END_PUNCT = (".", "!", "?", ",", ";")


def _is_rule(s: str) -> bool:
    return len(s) >= 3 and s[0] in _RULE_CHARS and s == s[0] * len(s)


def _is_caps_heading(s: str, *, allow_colon: bool) -> bool:
    core = s[:-1] if (allow_colon and s.endswith(":")) else s
    letters = [c for c in core if c.isalpha()]
    return (
        3 <= len(core) <= 60
        and len(letters) >= 4
        and all(c.isupper() for c in letters)
        and not core.endswith(_END_PUNCT + (":",))
        and not _BULLET.match(core)
    )


def build_plain(text: str, builder: TextBuilder, *, style: str = "text") -> None:
    """Feed plain ``text`` into ``builder``: headings, paragraphs and list lines.

    ``style="text"`` joins hard-wrapped lines into paragraphs; ``style="etherpad"``
    keeps every line on its own and also takes stand-alone ``Topic:`` lines, day
    names ("Wednesday", "Day 2") as headings.
    """
    etherpad = style == "etherpad"
    lines = text.split("\n")
    n = len(lines)
    rule_levels: dict[str, int] = {}
    para: list[str] = []  # logical lines of the current paragraph
    item: list[str] | None = None
    item_indent = -1
    seen_content = False

    def level_for(key: str) -> int:
        if key not in rule_levels:
            rule_levels[key] = len(rule_levels) + 1
        return rule_levels[key]

    def flush() -> None:
        nonlocal item, item_indent
        if item is not None:
            builder.line(" ".join(item))
            item, item_indent = None, -1
        if para:
            if len(para) == 1 and not etherpad:
                builder.paragraph(para[0])
            else:
                builder.lines(para)
            para.clear()

    def heading(title: str, level: int) -> None:
        nonlocal seen_content
        flush()
        builder.heading(title, level)
        seen_content = True

    def blank(k: int) -> bool:
        return k < 0 or k >= n or not lines[k].strip()

    i = 0
    while i < n:
        raw = lines[i].rstrip()
        s = raw.strip()
        if not s:
            flush()
            i += 1
            continue
        nxt = lines[i + 1].strip() if i + 1 < n else ""
        indent = len(raw) - len(raw.lstrip())
        # over- and underlined title
        if _is_rule(s) and i + 2 < n and lines[i + 1].strip() and lines[i + 2].strip() == s \
                and not _is_rule(lines[i + 1].strip()):
            heading(lines[i + 1], level_for("over" + s[0]))
            i += 3
            continue
        # underlined title
        if nxt and _is_rule(nxt) and not _is_rule(s) and not _BULLET.match(raw) and len(s) <= 120 \
                and len(nxt) >= max(3, int(len(s) * 0.5)) and not para and item is None:
            heading(s, level_for(nxt[0]))
            i += 2
            continue
        if _is_rule(s):  # a thematic break
            flush()
            i += 1
            continue
        m = _ATX.match(s) if not s.startswith("#!") else None
        if m and not (m[2].startswith("#")):
            heading(m[2], len(m[1]))
            i += 1
            continue
        m = _WIKI.match(s)
        if m:
            heading(m[2], len(m[1]))
            i += 1
            continue
        standalone = blank(i - 1) and (blank(i + 1) or etherpad)
        if standalone and indent == 0 and _is_caps_heading(s, allow_colon=etherpad):
            heading(s, 1)
            i += 1
            continue
        if etherpad and indent == 0 and not _BULLET.match(raw):
            if _DAY.match(s) and len(s.split()) <= 8:
                heading(s, 1)
                i += 1
                continue
            if _TOPIC.match(s) and not blank(i + 1):
                heading(s, 2)
                i += 1
                continue
        if not seen_content and not _is_provenance(s):
            seen_content = True
            if blank(i + 1) and len(s) <= 100 and not s.endswith(_END_PUNCT) and not _BULLET.match(raw) \
                    and i + 2 < n:
                heading(s, 1)
                i += 1
                continue
        bm = _BULLET.match(raw)
        if bm:
            flush()
            item, item_indent = [bm[2]], len(bm[1])
        elif item is not None and indent > item_indent and not etherpad:
            item.append(s)
        else:
            if item is not None:
                flush()
            if etherpad or not para or _LABEL.match(s):
                para.append(s)
            else:
                para[-1] = para[-1] + " " + s
        i += 1
    flush()


def _is_provenance(s: str) -> bool:
    return s.startswith("[") and s.endswith("]") and len(s) > 40


class TextReader(Reader):
    """Plain ``.txt`` notes (and the fallback for any text file nobody else claims)."""

    kind = "text"
    suffixes = (".txt", ".text", ".notes", ".log")

    def parse(self, source: str, data: bytes) -> list[Document]:
        text = decode_text(data)
        fields, body = split_front_matter(text)
        meta = metadata_from_fields(fields)
        builder = TextBuilder()
        build_plain(body, builder, style="text")
        return [builder.build(source, self.kind, meta.pop("title", ""), meta)]
