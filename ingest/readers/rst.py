"""reStructuredText notes: Pelican and Nikola blog posts, specs "priorities" documents.

Parsed with docutils (``report_level=5``, ``halt_level=5``, no file insertion,
no raw passthrough), so unknown Sphinx/Pelican/Nikola directives and roles do
not stop the parse; if docutils fails anyway, a line-based rST stripper takes
over. Metadata at the top -- Pelican field lists (``:date: 2017-09-22``) and
Nikola comments (``.. title: Dublin PTG Summary``) -- becomes metadata. Section
titles become sections; list items, block quotes and table rows keep their own
lines (tables as ``cell | cell``); code blocks, comments, images and link
targets are dropped; ``:doc:`Next part <x>``` keeps "Next part".

>>> from ptgkg.ingest.readers.rst import RstReader
>>> src = b":title: Denver PTG\\n:date: 2017-09-22 05:00\\n\\nPolicy\\n======\\n\\nSee `the goal <https://x.org>`_ and :doc:`notes <n>`.\\n"
>>> doc = RstReader().read("denver.rst", src)
>>> doc.title, doc.metadata, doc.text
('Denver PTG', {'date': '2017-09-22'}, 'Policy\\n\\nSee the goal and notes.')
"""
from __future__ import annotations

import io
import re
from typing import Any

from docutils import nodes
from docutils.core import publish_doctree

from ..document import Document
from .base import Reader, TextBuilder, decode_text, metadata_from_fields
from .text import build_plain

__all__ = ["RstReader", "rst_to_plain"]

_META_FIELD = re.compile(r"^:([A-Za-z][\w-]*):\s*(.*)$")
_NIKOLA_META = re.compile(r"^\.\.\s+([A-Za-z][\w-]*):\s*(.*)$")
_ROLE = re.compile(r":[\w:+.-]+:`([^`]*)`")
_LINK = re.compile(r"`([^`<]*?)\s*<[^`>]*>`_{1,2}")
_SKIP = (
    nodes.literal_block, nodes.doctest_block, nodes.comment, nodes.substitution_definition, nodes.target,
    nodes.system_message, nodes.raw, nodes.image, nodes.pending, nodes.footnote, nodes.citation,
    nodes.transition, nodes.decoration, nodes.meta if hasattr(nodes, "meta") else nodes.comment,
)
_SKIP_INLINE = (nodes.footnote_reference, nodes.citation_reference, nodes.system_message, nodes.image, nodes.raw,
                nodes.target)

_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "warning_stream": None,  # replaced per call
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "doctitle_xform": False,
    "docinfo_xform": False,
    "sectsubtitle_xform": False,
    "input_encoding": "unicode",
    "syntax_highlight": "none",
    "_disable_config": True,
    "traceback": True,
    "embed_stylesheet": False,
}


def _split_header(text: str) -> tuple[dict[str, Any], str]:
    """Pelican ``:key: value`` / Nikola ``.. key: value`` lines at the very top."""
    lines = text.split("\n")
    fields: dict[str, Any] = {}
    i = 0
    # a document title (optionally overlined) may stand above the fields
    under = re.compile(r"^([=#\-~*^+`'\"])\1{2,}\s*$")
    while i < len(lines) and not lines[i].strip():
        i += 1
    j = i + 1 if i < len(lines) and under.match(lines[i]) else i
    title = None
    if j + 1 < len(lines) and lines[j].strip() and under.match(lines[j + 1]) and not under.match(lines[j]):
        k = j + 2
        while k < len(lines) and not lines[k].strip():
            k += 1
        if k < len(lines) and (_META_FIELD.match(lines[k].strip()) or _NIKOLA_META.match(lines[k].strip())):
            title, i = lines[j].strip(), k
    if title is None:
        i = 0
    while i < len(lines):
        s = lines[i].strip()
        if not s:
            i += 1
            continue
        m = _META_FIELD.match(s) or _NIKOLA_META.match(s)
        if not m or m[1].lower() in ("role", "default-role"):
            break
        if m[2].strip():
            fields[m[1].lower()] = m[2].strip()
        i += 1
    if not fields:
        return {}, text
    if title and "title" not in fields:
        fields["title"] = title
    return fields, "\n".join(lines[i:])


def _inline(node: nodes.Node) -> str:
    """Text of inline content: link text kept, footnote marks, images and role syntax dropped."""
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, _SKIP_INLINE):
        return ""
    if isinstance(node, nodes.problematic):
        raw = node.astext()
        raw = _LINK.sub(r"\1", raw)
        return _ROLE.sub(_role_text, raw)
    parts = [_inline(c) for c in node.children]
    if isinstance(node, (nodes.Inline, nodes.TextElement)):
        return "".join(parts)
    return " ".join(p for p in parts if p)  # paragraphs/lines inside a cell or list item


def _role_text(m: re.Match[str]) -> str:
    """``:doc:`Next part <x>``` -> "Next part"; a bare target path (``:doc:`../a/b```) -> ""."""
    inner = m[1].strip()
    shown = re.sub(r"\s*<[^>]*>\s*$", "", inner)
    if shown != inner:
        return shown
    return "" if ("/" in inner and " " not in inner) else inner


class _Walker:
    def __init__(self, builder: TextBuilder) -> None:
        self.b = builder

    def walk(self, node: nodes.Element, depth: int, as_lines: bool) -> None:
        for child in node.children:
            if isinstance(child, _SKIP):
                continue
            if isinstance(child, nodes.section):
                title = next((c for c in child.children if isinstance(c, nodes.title)), None)
                if title is not None:
                    self.b.heading(_inline(title), depth + 1)
                self.walk(child, depth + 1, False)
            elif isinstance(child, nodes.title):
                if not isinstance(node, nodes.section):
                    self.b.line(_inline(child))
            elif isinstance(child, (nodes.paragraph, nodes.rubric, nodes.line, nodes.caption)):
                text = _inline(child)
                if as_lines or isinstance(child, nodes.line):
                    self.b.line(text)
                else:
                    self.b.paragraph(text)
            elif isinstance(child, nodes.topic) and "contents" in child.get("classes", []):
                continue
            elif isinstance(child, nodes.table):
                self._table(child)
            elif isinstance(child, nodes.definition_list_item):
                for part in child.children:
                    if isinstance(part, nodes.term):
                        self.b.line(_inline(part))
                    elif isinstance(part, nodes.definition):
                        self.walk(part, depth, True)
            elif isinstance(child, nodes.field):
                name = next((c for c in child.children if isinstance(c, nodes.field_name)), None)
                body = next((c for c in child.children if isinstance(c, nodes.field_body)), None)
                self.b.line(f"{_inline(name) if name else ''}: {_inline(body) if body else ''}")
            elif isinstance(child, (nodes.bullet_list, nodes.enumerated_list, nodes.list_item, nodes.block_quote,
                                    nodes.line_block, nodes.Admonition, nodes.definition_list, nodes.field_list,
                                    nodes.option_list, nodes.sidebar, nodes.topic, nodes.container)):
                self.walk(child, depth, True)
            elif isinstance(child, nodes.Element):
                self.walk(child, depth, as_lines)

    def _table(self, table: nodes.table) -> None:
        for part in table.children:
            if isinstance(part, nodes.title):
                self.b.line(_inline(part))
        for row in table.findall(nodes.row):
            cells = [" ".join(_inline(e).split()) for e in row.children if isinstance(e, nodes.entry)]
            if any(cells):
                self.b.line(" | ".join(cells))


def _docutils_into(text: str, builder: TextBuilder) -> None:
    settings = dict(_SETTINGS, warning_stream=io.StringIO())
    tree = publish_doctree(text, settings_overrides=settings)
    _Walker(builder).walk(tree, 0, False)


# --------------------------------------------------------------------------- fallback

_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "literalinclude", "raw", "image", "figure", "include",
                    "highlight", "graphviz", "toctree", "math", "csv-table", "only", "ifconfig", "contents"}


def rst_to_plain(text: str) -> str:
    """Line-based rST markup stripper: the fallback when docutils cannot parse a file."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        m = re.match(r"^\.\.\s+([\w:-]+)::", s)
        if m or (s.startswith("..") and not s.startswith("...")):
            drop = bool(m and m[1].lower() in _CODE_DIRECTIVES) or not m
            indent = len(line) - len(line.lstrip())
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                if not drop and lines[i].strip() and not re.match(r"^\s*:[\w-]+:", lines[i]):
                    out.append(lines[i].strip())
                i += 1
            continue
        if re.fullmatch(r"\+[-=+]+\+", s):
            i += 1
            continue
        if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
            line = " | ".join(c.strip() for c in s.strip("|").split("|") if c.strip())
        elif s.startswith("| "):
            line = s[2:]
        if s.endswith("::"):
            line = line.rstrip()[:-1] if not s == "::" else ""
        out.append(line)
        i += 1
    # inline markup may wrap over lines, so it is removed from the whole text
    text = "\n".join(out)
    text = _LINK.sub(r"\1", text)
    text = _ROLE.sub(_role_text, text)
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`]+)`_{0,2}", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\|([\w -]+)\|_?", r"\1", text)
    text = re.sub(r"\b(\w+)_\b", r"\1", text)
    # (?<!\s): start only at the first blank of a run, else long runs of blanks are quadratic
    return re.sub(r"(?<!\s)\s*\[(?:#\w*|\d+|\*)\]_", "", text)


class RstReader(Reader):
    """``.rst``/``.rest`` files."""

    kind = "rst"
    suffixes = (".rst", ".rest", ".rst.txt")

    def parse(self, source: str, data: bytes) -> list[Document]:
        text = decode_text(data)
        fields, body = _split_header(text)
        meta = metadata_from_fields(fields)
        builder = TextBuilder()
        try:
            if _beyond_docutils(body):
                raise ValueError("beyond what docutils parses well")
            _docutils_into(body, builder)
            if not builder.has_text and re.search(r"\w", body):
                raise ValueError("docutils kept no text")  # e.g. it dropped an over-long line
        except Exception:  # docutils (or a Pelican/Nikola extension we lack) gave up: strip by lines
            builder = TextBuilder()
            build_plain(rst_to_plain(body), builder, style="text")
        return [builder.build(source, self.kind, meta.pop("title", ""), meta)]


#: docutils drops lines longer than its ``line_length_limit`` (10,000) with only a system
#: message, and its time grows faster than quadratically with nesting depth (2,000 nested
#: list items: ~15 s); such input goes to the line-based stripper instead.
_DOCUTILS_MAX_LINE = 10_000
_DOCUTILS_MAX_INDENT = 160


def _beyond_docutils(text: str) -> bool:
    for line in text.split("\n"):
        if len(line) > _DOCUTILS_MAX_LINE:
            return True
        if len(line) - len(line.lstrip(" \t")) > _DOCUTILS_MAX_INDENT and line.strip():
            return True
    return False
