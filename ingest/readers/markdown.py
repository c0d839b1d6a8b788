"""Markdown notes and blog posts (Jekyll, Hugo, Pelican), read from markdown-it-py's token stream.

Front matter (YAML ``---``, TOML ``+++`` or Pelican ``Title:`` lines) becomes
metadata; Jekyll/kramdown attribute lines (``{: .prompt-info }``), Liquid tags
and Hugo shortcodes are removed; inline HTML is stripped to its text; link text
stays and URLs go; code blocks are dropped (they are not prose); block quotes
and list items keep their own lines; table rows become ``cell | cell`` lines.

>>> from ptgkg.ingest.readers.markdown import MarkdownReader
>>> md = b"---\\ntitle: Nova at the PTG\\ndate: 2025-04-14\\n---\\n## Eventlet\\n> We agreed to [drop it](https://x.org).\\n{: .prompt-info }\\n"
>>> doc = MarkdownReader().read("nova.md", md)
>>> doc.title, doc.metadata["date"], doc.text
('Nova at the PTG', '2025-04-14', 'Eventlet\\n\\nWe agreed to drop it.')
"""
from __future__ import annotations

import re
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..document import Document
from .base import Reader, TextBuilder, decode_text, metadata_from_fields, split_front_matter

__all__ = ["MarkdownReader", "strip_template_syntax"]

_ATTR_LINE = re.compile(r"^[ \t]*\{:[^}\n]*\}[ \t]*$", re.MULTILINE)
_ATTR_INLINE = re.compile(r"\{:[^}\n]*\}")
_LIQUID = re.compile(r"\{%-?.*?-?%\}|\{\{[<%].*?[>%]\}\}|\{\{.*?\}\}", re.DOTALL)
_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)


def strip_template_syntax(text: str) -> str:
    """Remove kramdown attribute lists, Liquid tags and Hugo shortcodes."""
    text = _ATTR_LINE.sub("", text)
    text = _ATTR_INLINE.sub("", text)
    return _LIQUID.sub("", text)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 40})
    md.enable(["table", "strikethrough"])
    return md


def _inline_text(token: Token) -> str:
    """Text of an inline token: link text kept, URLs/images/HTML tags dropped, breaks as newlines."""
    out: list[str] = []
    for child in token.children or []:
        t = child.type
        if t in ("text", "code_inline"):
            out.append(child.content)
        elif t == "softbreak":
            out.append(" ")
        elif t == "hardbreak":
            out.append("\n")
        elif t == "html_inline":
            if _BR.match(child.content.strip()):
                out.append("\n")
        # link_open/close, image, em/strong markers: nothing (link text arrives as "text")
    return "".join(out)


_MD_LINK = re.compile(r"\[[^\]\n]+\]\((?:https?://|/)[^)\s]*\)")
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)


class MarkdownReader(Reader):
    """``.md``/``.markdown`` files; a ``.txt`` is claimed only when it clearly is markdown."""

    kind = "markdown"
    suffixes = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")

    def sniff(self, name: str, head: str) -> bool:
        links = len(_MD_LINK.findall(head))
        headings = len(_MD_HEADING.findall(head))
        return links >= 2 or (links >= 1 and headings >= 1) or (head.startswith("---\n") and headings >= 1)

    def parse(self, source: str, data: bytes) -> list[Document]:
        text = decode_text(data)
        fields, body = split_front_matter(text)
        meta = metadata_from_fields(fields)
        builder = TextBuilder()
        self.feed(strip_template_syntax(body), builder)
        return [builder.build(source, self.kind, meta.pop("title", ""), meta)]

    def feed(self, markdown: str, builder: TextBuilder) -> None:
        """Add the markdown body (no front matter) to ``builder``."""
        tokens = _parser().parse(markdown)
        heading_level = 0
        in_cell = False
        cells: list[str] = []
        depth = 0  # list items and block quotes: content keeps its own lines
        for tok in tokens:
            t = tok.type
            if t == "heading_open":
                heading_level = int(tok.tag[1:])
            elif t == "heading_close":
                heading_level = 0
            elif t in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
                depth += 1
            elif t in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
                depth -= 1
            elif t in ("th_open", "td_open"):
                in_cell = True
                cells.append("")
            elif t in ("th_close", "td_close"):
                in_cell = False
            elif t == "tr_open":
                cells = []
            elif t == "tr_close":
                row = [" ".join(c.split()) for c in cells]
                if any(row):
                    builder.line(" | ".join(row))
            elif t == "html_block":
                from .html import html_fragment_lines  # local: html imports bs4 lazily too

                for line in html_fragment_lines(tok.content):
                    if depth:
                        builder.line(line)
                    else:
                        builder.paragraph(line)
            elif t == "inline":
                content = _inline_text(tok)
                if heading_level:
                    builder.heading(content, heading_level)
                elif in_cell:
                    cells[-1] += content
                else:
                    self._emit(builder, content, as_lines=depth > 0)
            # fence, code_block, hr, paragraph_open/close: nothing to keep

    @staticmethod
    def _emit(builder: TextBuilder, content: str, *, as_lines: bool) -> None:
        parts = [p for p in content.split("\n") if p.strip()]
        if as_lines or len(parts) > 1:
            builder.lines(parts)
        elif parts:
            builder.paragraph(parts[0])
