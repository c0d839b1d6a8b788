"""The reader contract and the helpers every reader shares.

One :class:`Reader` subclass per source kind (GrimoireLab Perceval style): it
says which file names it claims (``suffixes``), may claim a file by its first
bytes (:meth:`Reader.sniff`), and turns bytes into :class:`Document` values
(:meth:`Reader.read`, :meth:`Reader.read_all`). Whatever goes wrong inside a
third-party parser comes out as :class:`RejectedInput` with a one-line reason.

Shared helpers:

- :func:`decode_text` -- bytes to ``str`` (UTF-8 with or without BOM, UTF-16/32
  with BOM, cp1252/latin-1 only when the bytes look like text); binary input is
  rejected.
- :class:`TextBuilder` -- accumulates headings, paragraphs and lines into plain
  text with exact section spans.
- :func:`clean_inline` / :func:`strip_urls` -- one clean line of prose: URLs go,
  whitespace collapses.
- :func:`split_front_matter`, :func:`metadata_from_fields`, :func:`iso_date` --
  YAML/TOML/Pelican headers to the metadata keys of :class:`Document`.

>>> b = TextBuilder()
>>> b.paragraph("Intro text.")
>>> b.heading("Health checks", 1)
>>> b.line("We agreed, see https://example.org/x")
>>> doc = b.build("notes/kolla.txt", "text", "Kolla notes")
>>> doc.text
'Intro text.\\n\\nHealth checks\\n\\nWe agreed, see'
>>> [(s.title, doc.text[s.start:s.end][:13]) for s in doc.sections]
[('Kolla notes', 'Intro text.'), ('Health checks', 'Health checks')]
"""
from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import re
import tomllib
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Iterable

import yaml

from ..document import Document, RejectedInput, Section

__all__ = [
    "Reader",
    "RejectedInput",
    "TextBuilder",
    "decode_text",
    "clean_inline",
    "strip_urls",
    "iso_date",
    "split_front_matter",
    "metadata_from_fields",
    "one_line",
]


# --------------------------------------------------------------------------- contract


class Reader(ABC):
    """One source kind. Subclasses set ``kind`` and ``suffixes`` and implement :meth:`parse`.

    ``read``/``read_all`` are the public entry points: they call :meth:`parse` and
    turn any failure of the underlying parser into :class:`RejectedInput`.
    """

    kind: str = ""
    suffixes: tuple[str, ...] = ()

    def sniff(self, name: str, head: str) -> bool:
        """True when the content (``head``: the first few KB, decoded) is clearly this kind."""
        return False

    def claims_name(self, name: str) -> bool:
        """True when the file name ends with one of ``suffixes`` (case-insensitive)."""
        low = name.lower()
        return any(low.endswith(s) for s in self.suffixes)

    def read(self, source: str, data: bytes) -> Document:
        """The first (usually only) document in ``data``."""
        return self.read_all(source, data)[0]

    def read_all(self, source: str, data: bytes) -> list[Document]:
        """Every document in ``data`` (several for an mbox); never raises anything but RejectedInput."""
        try:
            docs = self.parse(source, data)
        except RejectedInput:
            raise
        except RecursionError:
            raise RejectedInput(f"{self.kind}: markup nested too deeply") from None
        except MemoryError:
            raise RejectedInput(f"{self.kind}: too large to parse") from None
        except Exception as exc:  # third-party parsers fail in many ways; one line each
            raise RejectedInput(f"{self.kind} parser failed: {type(exc).__name__}: {one_line(str(exc))}") from None
        if not docs:
            raise RejectedInput("empty document")
        return docs

    @abstractmethod
    def parse(self, source: str, data: bytes) -> list[Document]:
        """Bytes to documents; may raise anything (``read_all`` wraps it)."""


def one_line(text: str, limit: int = 160) -> str:
    """First line of ``text``, whitespace collapsed and cut to ``limit`` characters."""
    first = " ".join(str(text).split())
    return first if len(first) <= limit else first[: limit - 3] + "..."


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = set("\t\n\r\f\v\x1b")


def _control_ratio(text: str) -> float:
    sample = text[:65536]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if (ch < " " and ch not in _ALLOWED_CONTROLS) or "\x7f" <= ch <= "\x9f")
    return bad / len(sample)


def decode_text(data: bytes) -> str:
    """Decode note bytes to text, or raise :class:`RejectedInput` for binary data.

    UTF-8 (BOM optional), UTF-16/UTF-32 with a BOM, BOM-less UTF-16 of mostly ASCII
    text, then cp1252 and latin-1, but only when the result looks like text.
    Newlines are normalised to ``\\n``.

    >>> decode_text("caf\\u00e9".encode("cp1252"))
    'café'
    >>> decode_text(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00")
    Traceback (most recent call last):
    ...
    ptgkg.ingest.document.RejectedInput: binary file (NUL bytes)
    """
    text: str | None = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise RejectedInput(f"undecodable text (bad {codec.upper()})") from None
            if text.startswith("\ufeff"):
                text = text[1:]
            break
    if text is None and b"\x00" in data:
        text = _bomless_utf16(data)
        if text is None:
            raise RejectedInput("binary file (NUL bytes)")
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    if "\x00" in text:
        raise RejectedInput("binary file (NUL bytes)")
    if _control_ratio(text) > 0.01:
        raise RejectedInput("binary file (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as a NUL in every other byte of ASCII text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


# --------------------------------------------------------------------------- inline cleanup

URL_RE = re.compile(
    r"""(?:\b(?:https?|ftp|irc)://|\bwww\.)[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}]|<\s*(?:https?|mailto):[^>\s]*>"""
    r"""|\bmailto:[^\s<>"']+""",
    re.IGNORECASE,
)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]|<\s*>")


def strip_urls(text: str) -> str:
    """Remove URLs (and brackets left empty by them) from ``text``.

    >>> strip_urls("see the pad (https://etherpad.opendev.org/p/x) for notes")
    'see the pad  for notes'
    """
    if "://" not in text and "www." not in text.lower() and "mailto:" not in text.lower():
        return text
    out = URL_RE.sub("", text)
    return _EMPTY_BRACKETS.sub("", out)


def clean_inline(text: str) -> str:
    """One line of prose: URLs removed, control characters dropped, whitespace collapsed.

    >>> clean_inline("  Etherpad:   https://etherpad.openstack.org/p/kolla \\n more ")
    'Etherpad: more'
    """
    text = strip_urls(text)
    text = "".join(ch if (ch >= " " or ch in "\t\n") and unicodedata.category(ch) != "Cf" else " " for ch in text)
    text = " ".join(text.split())
    return re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", text)


# --------------------------------------------------------------------------- building text


# What is left of a line once its URLs are gone: footnote marks and punctuation only.
_NO_WORDS = re.compile(r"(?:[\W_]*\[\s*(?:\d+|#\w*|\*)\s*\][\W_]*)+|[\W_]*")


@dataclass
class _Block:
    kind: str  # "heading" | "para" | "line"
    text: str
    level: int = 0


class TextBuilder:
    """Accumulates plain text block by block and records heading sections.

    - :meth:`heading` starts a section (``level`` 1 = top); its text opens the span.
    - :meth:`paragraph` is prose (whitespace collapsed), separated by a blank line.
    - :meth:`line` keeps its own line (list items, table rows, quoted lines).

    Levels are re-ranked at :meth:`build` so the shallowest heading used is level 1.
    A section runs until the next heading of the same or a higher rank, so
    sections nest; text before the first heading becomes a section titled with
    the document title.
    """

    def __init__(self) -> None:
        self._blocks: list[_Block] = []

    def heading(self, title: str, level: int = 1) -> None:
        title = clean_inline(title).rstrip(":").strip()
        if title:
            self._blocks.append(_Block("heading", title, max(1, int(level))))

    def paragraph(self, text: str) -> None:
        text = clean_inline(text)
        if text and not _NO_WORDS.fullmatch(text):
            self._blocks.append(_Block("para", text))

    def line(self, text: str) -> None:
        text = clean_inline(text)
        if text and not _NO_WORDS.fullmatch(text):
            self._blocks.append(_Block("line", text))

    list_item = line

    def lines(self, texts: Iterable[str]) -> None:
        for t in texts:
            self.line(t)

    @property
    def has_text(self) -> bool:
        return any(b.kind != "heading" for b in self._blocks)

    def first_heading(self) -> str:
        """The title of the shallowest heading seen first ('' if none)."""
        heads = [b for b in self._blocks if b.kind == "heading"]
        if not heads:
            return ""
        top = min(b.level for b in heads)
        return next(b.text for b in heads if b.level == top)

    def build(self, source: str, kind: str, title: str = "", metadata: dict[str, Any] | None = None) -> Document:
        """The finished :class:`Document`; ``RejectedInput("empty document")`` if there is no text."""
        blocks = [b for b in self._blocks if b.text]
        if not blocks:
            raise RejectedInput("empty document")
        author = str((metadata or {}).get("author") or "").strip()
        if author and kind in ("markdown", "rst", "html") and not any(author in b.text for b in blocks):
            # a blog post's byline, as a reader sees it on the page, so the author can be quoted as evidence
            blocks.insert(1 if blocks[0].kind == "heading" else 0, _Block("line", f"By {clean_inline(author)}"))
        title = clean_inline(title) or self.first_heading() or _title_from_source(source)
        ranks = {lvl: i + 1 for i, lvl in enumerate(sorted({b.level for b in blocks if b.kind == "heading"}))}

        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        prev: _Block | None = None
        for b in blocks:
            if prev is not None:
                sep = "\n" if (b.kind == "line" and prev.kind == "line") else "\n\n"
                parts.append(sep)
                pos += len(sep)
            starts.append(pos)
            parts.append(b.text)
            pos += len(b.text)
            ends.append(pos)
            prev = b
        text = "".join(parts)

        sections: list[Section] = []
        head_idx = [i for i, b in enumerate(blocks) if b.kind == "heading"]
        if not head_idx or head_idx[0] > 0:
            first_end = ends[head_idx[0] - 1] if head_idx else len(text)
            sections.append(Section(title, 0, first_end, 1))
        # One pass with a stack of open sections: a heading closes every open one of its rank or deeper.
        open_secs: list[tuple[int, int]] = []  # (block index, rank)
        end_of: dict[int, int] = {}
        for i in head_idx:
            rank = ranks[blocks[i].level]
            while open_secs and open_secs[-1][1] >= rank:
                end_of[open_secs.pop()[0]] = ends[i - 1]
            open_secs.append((i, rank))
        for i, _ in open_secs:
            end_of[i] = ends[-1]
        for i in head_idx:
            sections.append(Section(blocks[i].text, starts[i], end_of[i], ranks[blocks[i].level]))
        return Document.from_text(source, kind, title, text, sections, metadata or {})


def _title_from_source(source: str) -> str:
    name = re.split(r"[/\\#?]", source.rstrip("/"))
    stem = next((p for p in reversed(name) if p), source)
    stem = re.sub(r"\.(etherpad\.txt|[A-Za-z0-9]{1,8})$", "", stem)
    return stem or source


# --------------------------------------------------------------------------- dates

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_ISO_RE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_MDY_RE = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:[\d:]+\s+(?:[A-Z]{2,5}\s+)?)?(\d{4})\b")
_DMY_RE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[\s/-]+([A-Za-z]{3,9})\.?,?[\s/-]+(\d{4})\b")


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def iso_date(value: Any) -> str | None:
    """A date as ISO ``YYYY-MM-DD`` from what notes carry, else ``None``.

    >>> [iso_date(v) for v in ("2019-05-07 19:42:23 UTC+02:00", "Fri Nov 15 10:14:09 UTC 2019",
    ...                        "Tue, 10 Sep 2019 09:00:00 +0000", "March 9, 2018", "soon")]
    ['2019-05-07', '2019-11-15', '2019-09-10', '2018-03-09', None]
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    m = _ISO_RE.search(s)
    if m:
        out = _valid(int(m[1]), int(m[2]), int(m[3]))
        if out:
            return out
    try:
        parsed = email.utils.parsedate_to_datetime(s)
        if parsed is not None:
            return parsed.date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    m = _MDY_RE.search(s)
    if m and m[1][:3].lower() in _MONTHS:
        out = _valid(int(m[3]), _MONTHS[m[1][:3].lower()], int(m[2]))
        if out:
            return out
    m = _DMY_RE.search(s)
    if m and m[2][:3].lower() in _MONTHS:
        return _valid(int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1]))
    return None


# --------------------------------------------------------------------------- front matter

_PELICAN_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,24}):\s*(.*)$")
_PELICAN_KNOWN = {"title", "date", "author", "authors", "tags", "category", "slug", "summary", "lang", "modified"}


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a YAML (``---``), TOML (``+++``) or Pelican (``Key: value``) header off ``text``.

    The YAML block may follow one short provenance line (as in extracted notes).
    Returns ``(fields, rest)``; ``({}, text)`` when there is no header.

    >>> split_front_matter("---\\ntitle: Kolla PTG\\ndate: 2019-11-08\\n---\\nBody")
    ({'title': 'Kolla PTG', 'date': datetime.date(2019, 11, 8)}, 'Body')
    """
    lines = text.split("\n")
    nonblank = [i for i, l in enumerate(lines[:40]) if l.strip()]
    if not nonblank:
        return {}, text
    for opener, closer, loader in (("---", ("---", "..."), _load_yaml), ("+++", ("+++",), _load_toml)):
        for start in nonblank[:2]:
            if lines[start].strip() != opener:
                continue
            if start != nonblank[0] and not _is_provenance(lines[nonblank[0]]):
                continue
            for end in range(start + 1, min(len(lines), start + 200)):
                if lines[end].strip() in closer:
                    fields = loader("\n".join(lines[start + 1 : end]))
                    if fields is not None:
                        rest = "\n".join(lines[:start] + lines[end + 1 :]).lstrip("\n")
                        return fields, rest
                    break
    # Pelican / MultiMarkdown: "Title: x" lines up to the first blank line
    first = nonblank[0]
    fields: dict[str, Any] = {}
    i = first
    while i < len(lines) and lines[i].strip():
        m = _PELICAN_KEY.match(lines[i].strip())
        if not m:
            return {}, text
        fields[m[1].lower()] = m[2].strip()
        i += 1
    if fields and ("title" in fields or "date" in fields) and set(fields) <= _PELICAN_KNOWN | {"status", "image", "description", "url", "save_as", "event", "team", "language", "category"}:
        return fields, "\n".join(lines[:first] + lines[i:]).lstrip("\n")
    return {}, text


def _is_provenance(line: str) -> bool:
    s = line.strip()
    return (s.startswith("[") and s.endswith("]")) or s.startswith("<!--") or s.startswith("#!")


def _load_yaml(block: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError:
        # Broken YAML still is a header: keep the simple "key: value" lines.
        data = {}
        for line in block.split("\n"):
            m = _PELICAN_KEY.match(line.strip())
            if m:
                data[m[1]] = m[2].strip().strip("\"'")
        return data or None
    return data if isinstance(data, dict) else None


def _load_toml(block: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError:
        return None


def _as_names(value: Any) -> list[str]:
    """Front-matter lists in their many shapes ("a, b", ["a"], [{"label": "a"}]) to names."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = re.split(r"\s*,\s*", value) if "," in value else value.split()
        return [p.strip().strip("\"'[]") for p in parts if p.strip().strip("\"'[]")]
    if isinstance(value, dict):
        for key in ("label", "name", "title", "value"):
            if value.get(key):
                return [str(value[key])]
        return []
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            out.extend(_as_names(v))
        return out
    return [str(value)]


def _as_person(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("display_name") or "").strip()
    if isinstance(value, (list, tuple)):
        return ", ".join(p for p in (_as_person(v) for v in value) if p)
    return str(value or "").strip()


def metadata_from_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Front-matter / docinfo fields to :class:`Document` metadata keys.

    Keeps what the source states: ``title``, ``date`` (ISO), ``author``,
    ``author_irc``, ``categories``, ``event``, ``team``, ``language``, ``url``,
    ``subject``. Unknown keys are dropped.

    >>> metadata_from_fields({"Title": "Kolla", "date": "2024-11-05T01:32:05Z", "tags": "a, b", "event": "Zed PTG"})
    {'title': 'Kolla', 'date': '2024-11-05', 'categories': ['a', 'b'], 'event': 'Zed PTG'}
    """
    f = {str(k).strip().lower().replace("-", "_"): v for k, v in fields.items()}
    meta: dict[str, Any] = {}
    for key in ("title",):
        if isinstance(f.get(key), (str, int, float)) and str(f[key]).strip():
            meta["title"] = clean_inline(str(f[key]))
    for key in ("date", "published", "pubdate", "created", "date_published"):
        d = iso_date(f.get(key))
        if d:
            meta["date"] = d
            break
    for key in ("author", "authors", "by"):
        name = _as_person(f.get(key))
        if name:
            meta["author"] = clean_inline(name)
            break
    for key in ("author_irc", "irc", "nick"):
        if f.get(key):
            meta["author_irc"] = str(f[key]).strip()
            break
    cats: list[str] = []
    for key in ("categories", "category", "tags", "tag"):
        for name in _as_names(f.get(key)):
            if name.lower() not in {c.lower() for c in cats}:
                cats.append(name)
    if cats:
        meta["categories"] = cats
    for key, out in (("event", "event"), ("ptg", "event"), ("team", "team"), ("project", "team"),
                     ("lang", "language"), ("language", "language"), ("subject", "subject")):
        v = f.get(key)
        if isinstance(v, (str, int, float)) and str(v).strip() and out not in meta:
            meta[out] = str(v).strip()
    for key in ("url", "permalink", "canonical", "link"):
        v = f.get(key)
        if isinstance(v, str) and v.strip().lower().startswith(("http://", "https://")):
            meta["url"] = v.strip()
            break
    return meta
