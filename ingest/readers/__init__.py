"""Readers: files and bytes in, :class:`~ptgkg.ingest.document.Document` values out.

- :data:`READERS` -- one reader per kind (email, etherpad, markdown, rst, html, text).
- :func:`reader_for` -- pick the reader for a file name and its first characters.
- :func:`read_path` -- one file to documents (size checked before reading).
- :func:`read_bytes` -- bytes you already hold (an upload, a fetched body) to documents.
- :func:`iter_input_files` -- walk files and folders the way ``ptgkg ingest`` does.

Everything that cannot be read raises :class:`RejectedInput` with a one-line reason.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "kolla.md").write_text("# Kolla\\n\\nWe agreed on health checks.\\n")
>>> [d.source for f in iter_input_files([root]) for d in read_path(f, root)]
['kolla.md']
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from ..document import Document, RejectedInput
from .base import Reader, decode_text
from .email import EmailReader
from .etherpad import EtherpadReader
from .html import HtmlReader
from .markdown import MarkdownReader
from .rst import RstReader
from .text import TextReader

__all__ = [
    "READERS",
    "Reader",
    "RejectedInput",
    "NOT_NOTES",
    "MAX_TEXT_CHARS",
    "reader_for",
    "read_path",
    "read_bytes",
    "source_for",
    "iter_input_files",
    "folder_file_rejection",
]

READERS: tuple[Reader, ...] = (
    EmailReader(), EtherpadReader(), MarkdownReader(), RstReader(), HtmlReader(), TextReader(),
)
_TEXT = READERS[-1]
# Content sniffing order for .txt and unknown names: the specific kinds first.
_SNIFFERS: tuple[Reader, ...] = (READERS[0], READERS[1], READERS[4], READERS[2])

_KIND_OF_SUFFIX: dict[str, str] = {}
for _kind, _suffixes in {
    "YAML": ".yaml .yml",
    "JSON": ".json .jsonl .ndjson .geojson",
    "TOML/INI configuration": ".toml .ini .cfg .conf",
    "CSV": ".csv .tsv",
    "XML": ".xml .rss .atom",
    "image": ".png .jpg .jpeg .gif .bmp .tif .tiff .webp .svg .ico .heic .psd",
    "archive": ".zip .tar .gz .tgz .bz2 .xz .zst .7z .rar .lz .lzma .whl .jar .deb .rpm .iso",
    "PDF": ".pdf",
    "office document": ".doc .docx .odt .xls .xlsx .ods .ppt .pptx .odp .rtf .pages .key",
    "audio/video": ".mp3 .mp4 .wav .ogg .flac .mkv .mov .avi .webm .m4a",
    "binary": ".exe .dll .so .dylib .bin .o .a .class .pyc .pyo .db .sqlite .sqlite3 .woff .woff2 .ttf .otf",
    "source code": ".py .js .ts .go .rs .c .h .cpp .java .rb .sh .pl .php .css .scss .lock",
}.items():
    for _s in _suffixes.split():
        _KIND_OF_SUFFIX[_s] = _kind
NOT_NOTES: dict[str, str] = dict(_KIND_OF_SUFFIX)
"""Suffix -> what the file is, for files that are not notes (rejected with ``not a note (<what>)``)."""

_SKIP_DIRS = {"__pycache__", "node_modules"}

#: What a folder of notes keeps beside them about the folder itself (an index of its
#: sources, a licence): not notes, so a folder walk leaves them out (given by path, they
#: are read). Compared with the file name's stem, case-insensitively.
_FOLDER_FILES = {"readme", "sources", "index", "license", "licence", "copying", "notice", "authors",
                 "contributing", "changelog", "changes", "history", "code_of_conduct"}


def folder_file_rejection(path: Path | str) -> str | None:
    """Why a file met while walking a folder is not ingested although a reader could read
    it: it describes the folder (README, SOURCES, LICENSE...), or None.

    >>> folder_file_rejection("realdata/SOURCES.md")
    "not a note (the folder's SOURCES file; give its path to ingest it anyway)"
    >>> folder_file_rejection("notes/kolla-readme-cleanup.md") is None
    True
    """
    name = Path(path).name
    stem = name.split(".", 1)[0]
    if stem.lower() in _FOLDER_FILES:
        return f"not a note (the folder's {stem} file; give its path to ingest it anyway)"
    return None

MAX_TEXT_CHARS = 1_000_000
"""The most text one document may carry: spaCy's ``nlp.max_length``, past which the
pipeline raises instead of reading (a 10 MB file of prose can hold 10 million)."""


def _suffix_rejection(name: str) -> str | None:
    low = name.lower()
    for suffix, what in NOT_NOTES.items():
        if low.endswith(suffix):
            if what == "YAML":  # governance's projects.yaml has its own command
                return "not a note (YAML; governance projects.yaml files go through `ptgkg import-governance`)"
            return f"not a note ({what})"
    return None


def reader_for(name: str, head: str) -> Reader:
    """The reader for a file called ``name`` whose text starts with ``head``.

    The most specific suffix wins (``x.etherpad.txt`` is an etherpad, ``x.rst``
    rST); ``.txt`` and unknown names are sniffed (mail headers, the Etherpad
    banner, an HTML document) and otherwise read as plain text. Files that are
    not notes (YAML, images, archives, ...) raise :class:`RejectedInput`.

    >>> reader_for("kolla.etherpad.txt", "").kind, reader_for("a.txt", "From: a@b\\nSubject: x\\nDate: y\\n\\nhi").kind
    ('etherpad', 'email')
    """
    reason = _suffix_rejection(name)
    if reason:
        raise RejectedInput(reason)
    low = name.lower()
    claims = [(len(s), r) for r in READERS for s in r.suffixes if low.endswith(s)]
    if claims:
        best = max(claims, key=lambda c: c[0])[1]
        if best is not _TEXT:
            return best
    for reader in _SNIFFERS:
        if reader.sniff(name, head):
            return reader
    return _TEXT


def source_for(path: Path, root: Path | None = None) -> str:
    """The document source for ``path``: POSIX path relative to ``root`` when inside it, else absolute."""
    path = Path(path)
    absolute = Path(os.path.abspath(path))
    if root is not None:
        root_abs = Path(os.path.abspath(root))
        for candidate, base in ((absolute, root_abs), (absolute.resolve(), root_abs.resolve())):
            try:
                rel = candidate.relative_to(base)
            except ValueError:
                continue
            if str(rel) not in ("", "."):
                return rel.as_posix()
            return candidate.name
    return absolute.as_posix()


def _head(data: bytes) -> str:
    try:
        return decode_text(data[:8192])
    except RejectedInput:
        return ""


def read_bytes(name: str, data: bytes, source: str | None = None) -> list[Document]:
    """Documents from bytes you already hold; ``name`` picks the reader, ``source`` (default ``name``) the id."""
    reason = _suffix_rejection(name)
    if reason:
        raise RejectedInput(reason)
    if not data.strip():
        raise RejectedInput("empty document")
    reader = reader_for(name, _head(data))
    docs = reader.read_all(source or name, data)
    for doc in docs:
        if len(doc.text) > MAX_TEXT_CHARS:
            where = f" (message {doc.source.rsplit('#', 1)[-1]})" if len(docs) > 1 else ""
            raise RejectedInput(f"too long: {len(doc.text)} characters of text{where} > limit {MAX_TEXT_CHARS}")
    return docs


def read_path(path: Path, root: Path | None = None, max_bytes: int | None = None) -> list[Document]:
    """Read one file into documents (several for an mbox).

    The size is checked with ``stat`` before anything is read:
    ``RejectedInput("too large: N bytes > limit M")``. ``max_bytes`` defaults to
    ``Settings.max_file_bytes``.
    """
    path = Path(path)
    if max_bytes is None:
        from ptgkg.config import get_settings

        max_bytes = get_settings().max_file_bytes
    reason = _suffix_rejection(path.name)
    if reason:
        raise RejectedInput(reason)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise RejectedInput("no such file") from None
    except OSError as exc:
        raise RejectedInput(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if path.is_dir():
        raise RejectedInput("is a folder (pass it to iter_input_files)")
    if not path.is_file():
        raise RejectedInput("not a regular file")
    if st.st_size > max_bytes:
        raise RejectedInput(f"too large: {st.st_size} bytes > limit {max_bytes}")
    if st.st_size == 0:
        raise RejectedInput("empty document")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise RejectedInput(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > max_bytes:  # grew between stat and read
        raise RejectedInput(f"too large: more than {max_bytes} bytes")
    return read_bytes(path.name, data, source_for(path, root))


def iter_input_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files to ingest, in sorted order: each file as given, folders walked recursively.

    Hidden files and folders inside a walked folder are skipped; everything else
    is yielded, including files that are not notes, so that :func:`read_path`
    can report them with a reason. Symlinked folders are followed once (loops
    are safe); a file reached twice is yielded once.
    """
    seen_files: set[tuple[int, int]] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            yield from _walk(p, set(), seen_files)
        else:
            key = _key(p)
            if key is None or key not in seen_files:
                if key is not None:
                    seen_files.add(key)
                yield p


def _key(p: Path) -> tuple[int, int] | None:
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _walk(folder: Path, active: set[tuple[int, int]], seen_files: set[tuple[int, int]]) -> Iterator[Path]:
    key = _key(folder)
    if key is None or key in active:
        return  # unreadable, or a symlink loop back into a folder we are inside
    active = active | {key}
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name in _SKIP_DIRS:
            continue
        child = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(child, active, seen_files)
        else:
            fkey = _key(child)
            if fkey is not None and fkey in seen_files:
                continue
            if fkey is not None:
                seen_files.add(fkey)
            yield child
