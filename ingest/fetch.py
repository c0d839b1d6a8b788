"""Fetch notes from the web: etherpads, mailing-list archive pages and blog posts.

Uses ``urllib`` only (no extra dependency). ``http``/``https`` URLs only; the
body is streamed and cut at ``max_bytes``; the response's content type picks
the reader (``text/html`` -> html, ``text/plain`` -> etherpad for pad URLs, or
by the URL's file name otherwise, ``message/rfc822`` -> email, ...). The
document source is the URL as given, so re-fetching the same URL updates the
same document. Every failure is :class:`RejectedInput` with one line.

URL forms understood:

- Etherpad ``https://etherpad.opendev.org/p/NAME`` -> ``/p/NAME/export/txt``
  (an ``/export/txt`` URL is used as is).
- Mailman 2 pipermail message pages ``.../pipermail/LIST/2019-November/011084.html``.
- Mailman 3 HyperKitty message pages ``.../list/LIST/message/ID/``: the page's
  plain-text/raw message link is preferred when it has one.
- Anything else served as HTML, plain text, markdown or rST (blog posts).

>>> etherpad_export_url("https://etherpad.opendev.org/p/kolla-zed-ptg")
'https://etherpad.opendev.org/p/kolla-zed-ptg/export/txt'
"""
from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from .document import Document, RejectedInput
from .readers import READERS, reader_for
from .readers.base import Reader, decode_text, one_line
from .readers.email import EmailReader
from .readers.etherpad import EtherpadReader
from .readers.html import HtmlReader, parse_html
from .readers.markdown import MarkdownReader
from .readers.rst import RstReader

__all__ = ["fetch_url", "etherpad_export_url", "is_hyperkitty_message", "Fetched"]

USER_AGENT = "ptgkg/0.1 (PTG notes reader; +https://opendev.org)"
_PAD = re.compile(r"^(?P<base>.*/p/[^/]+?)(?P<export>/export/txt)?/?$")
_HYPERKITTY = re.compile(r"/(?:hyperkitty/)?(?:archives/)?list/[^/]+/message/[^/]+/?$")
_PIPERMAIL = re.compile(r"/pipermail/.+/\d+\.html?$")
_BY_TYPE: dict[str, type[Reader]] = {
    "text/html": HtmlReader,
    "application/xhtml+xml": HtmlReader,
    "text/markdown": MarkdownReader,
    "text/x-markdown": MarkdownReader,
    "text/x-rst": RstReader,
    "text/prs.fallenstein.rst": RstReader,
    "message/rfc822": EmailReader,
    "application/mbox": EmailReader,
}


@dataclass(frozen=True)
class Fetched:
    """A fetched body: final URL after redirects, content type, bytes."""

    url: str
    content_type: str
    data: bytes


def _reader(cls: type[Reader]) -> Reader:
    return next(r for r in READERS if isinstance(r, cls))


def etherpad_export_url(url: str) -> str | None:
    """The plain-text export URL of an etherpad URL, or ``None`` if ``url`` is not a pad."""
    parts = urlsplit(url)
    m = _PAD.match(parts.path)
    if not m:
        return None
    return urlunsplit((parts.scheme, parts.netloc, m["base"] + "/export/txt", "", ""))


def is_hyperkitty_message(url: str) -> bool:
    return bool(_HYPERKITTY.search(urlsplit(url).path))


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib hook
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise RejectedInput(f"refused redirect to a non-http URL: {one_line(newurl, 100)}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _get(url: str, timeout_s: float, max_bytes: int) -> Fetched:
    """GET ``url``, streaming at most ``max_bytes``; failures become RejectedInput."""
    request = urllib.request.Request(url, headers={
        "User-Agent": USER_AGENT,
        "Accept": "text/html, text/plain;q=0.9, text/markdown;q=0.9, message/rfc822;q=0.8, */*;q=0.5",
    })
    opener = urllib.request.build_opener(_HttpOnlyRedirects())
    deadline = time.monotonic() + timeout_s
    timed_out = RejectedInput(f"timed out after {timeout_s:g}s fetching {url}")
    try:
        with opener.open(request, timeout=timeout_s) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise RejectedInput(f"too large: {int(length)} bytes > limit {max_bytes} at {url}")
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise timed_out
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise RejectedInput(f"too large: more than {max_bytes} bytes at {url}")
                chunks.append(chunk)
            data = b"".join(chunks)
            ctype = resp.headers.get_content_type() if resp.headers.get("Content-Type") else ""
            charset = resp.headers.get_content_charset()
            final = resp.geturl() or url
    except RejectedInput:
        raise
    except urllib.error.HTTPError as exc:
        raise RejectedInput(f"HTTP {exc.code} {one_line(str(exc.reason), 60)} fetching {url}") from None
    except (socket.timeout, TimeoutError):
        raise timed_out from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            raise timed_out from None
        raise RejectedInput(f"cannot fetch {url}: {one_line(str(exc.reason), 100)}") from None
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise RejectedInput(f"cannot fetch {url}: {type(exc).__name__}: {one_line(str(exc), 100)}") from None
    if charset and ctype.startswith("text/") and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        try:  # readers expect UTF-8 (or sniff cp1252); honour the declared charset
            data = data.decode(charset).encode("utf-8")
        except (LookupError, UnicodeError):
            pass
    return Fetched(final, ctype, data)


def _raw_message_link(page: bytes, base: str) -> str | None:
    """A HyperKitty page's link to the plain-text (raw) message, if it shows one."""
    try:
        soup = parse_html(decode_text(page))
    except RejectedInput:
        return None
    for a in soup.find_all("a", href=True):
        href = str(a["href"])
        label = a.get_text(" ", strip=True).lower()
        if re.search(r"(?:/raw/?$|[?&]format=(?:txt|text|raw)\b|\.txt$)", href) or label in (
            "plain text", "raw", "view raw", "download raw", "text version", "view source",
        ):
            target = urljoin(base, href)
            if urlsplit(target).scheme in ("http", "https"):
                return target
    return None


def _name_of(url: str) -> str:
    path = unquote(urlsplit(url).path.rstrip("/"))
    return path.rsplit("/", 1)[-1] or "index"


def fetch_url(url: str, timeout_s: float | None = None, max_bytes: int | None = None) -> list[Document]:
    """Fetch ``url`` and read it into documents (source = ``url``).

    ``timeout_s``/``max_bytes`` default to ``Settings.fetch_timeout_s`` and
    ``Settings.fetch_max_bytes``.
    """
    if timeout_s is None or max_bytes is None:
        from ptgkg.config import get_settings

        settings = get_settings()
        timeout_s = settings.fetch_timeout_s if timeout_s is None else timeout_s
        max_bytes = settings.fetch_max_bytes if max_bytes is None else max_bytes
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise RejectedInput(f"unsupported URL scheme {parts.scheme or '(none)'!r}: only http and https")
    if not parts.netloc:
        raise RejectedInput(f"not a URL: {one_line(url, 80)}")

    pad_export = etherpad_export_url(url)
    fetched = _get(pad_export or url, timeout_s, max_bytes)
    reader: Reader | None = None
    if pad_export and fetched.content_type in ("text/plain", ""):
        reader = _reader(EtherpadReader)
    elif is_hyperkitty_message(url) and fetched.content_type in ("text/html", "application/xhtml+xml"):
        raw = _raw_message_link(fetched.data, fetched.url)
        if raw:
            try:
                plain = _get(raw, timeout_s, max_bytes)
            except RejectedInput:
                plain = None  # the page itself still has the message
            if plain is not None and plain.data.strip() and _reader(EmailReader).sniff("", _head(plain.data)):
                fetched, reader = plain, _reader(EmailReader)
    if reader is None:
        cls = _BY_TYPE.get(fetched.content_type)
        if cls is not None:
            reader = _reader(cls)
        elif fetched.content_type in ("text/plain", "", "application/octet-stream") or \
                fetched.content_type.startswith("text/"):
            if fetched.content_type == "application/octet-stream" and b"\x00" in fetched.data[:4096]:
                raise RejectedInput(f"not a note (binary content) at {url}")
            reader = reader_for(_name_of(url), _head(fetched.data))
        else:
            raise RejectedInput(f"unsupported content type {fetched.content_type} at {url}")
    if not fetched.data.strip():
        raise RejectedInput(f"empty document at {url}")
    docs = reader.read_all(url, fetched.data)
    for doc in docs:
        doc.metadata.setdefault("url", url)
    return docs


def _head(data: bytes) -> str:
    try:
        return decode_text(data[:8192])
    except RejectedInput:
        return ""
