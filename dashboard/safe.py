"""Untrusted text made safe to show, and deep links built safely (no Streamlit needed).

Everything read from a note (names, quotes, decision text) is shown as text,
never as HTML: where it goes into Markdown it passes through :func:`md_escape`;
query values in links are percent-encoded by :func:`page_url`.

>>> md_escape("<img src=x onerror=alert(1)>")
'\\\\<img src\\\\=x onerror\\\\=alert\\\\(1\\\\)\\\\>'
>>> md_escape("[x](javascript:alert(1))")
'\\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
>>> page_url("person", name="Paul Bourke")
'person?name=Paul%20Bourke'
>>> page_url("decisions", project="A&B", topic=None)
'decisions?project=A%26B'
"""
from __future__ import annotations

import re
import string
from typing import Any
from urllib.parse import quote

__all__ = ["md_escape", "one_line", "page_url"]

_MD_SPECIALS = frozenset(string.punctuation)


def one_line(text: Any, limit: int | None = None) -> str:
    """``text`` with runs of whitespace folded to one space (cut to ``limit`` chars)."""
    flat = re.sub(r"\s+", " ", str(text if text is not None else "")).strip()
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def md_escape(text: Any, limit: int | None = None) -> str:
    """Backslash-escape every ASCII punctuation character so Markdown (links, emphasis,
    headings, tables), HTML tags and Streamlit's ``:color[...]`` / ``$math$`` syntax in
    ``text`` show exactly as typed. The result is one line (newlines become spaces)."""
    return "".join("\\" + c if c in _MD_SPECIALS else c for c in one_line(text, limit))


def page_url(page: str, **params: Any) -> str:
    """A relative deep link such as ``project?name=Kolla`` (relative, so it also works
    under a ``server.baseUrlPath``); empty parameters are left out."""
    query = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}"
                     for k, v in params.items() if v not in (None, ""))
    return page + (f"?{query}" if query else "")
