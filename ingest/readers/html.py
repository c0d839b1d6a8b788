"""HTML pages: blog posts (main text only) and mailing-list archive pages.

The main text is the page's ``<article>``/``<main>``/``role=main``/
``.post-content``/``.entry-content`` (the largest match of the first selector
that matches), else ``<body>``. Navigation, site header and footer, sidebars,
scripts, styles, forms, share buttons and comment sections are dropped.
``h1``-``h6`` become sections; list items and table rows (``cell | cell``) keep
their own lines; link text stays, URLs go; code blocks are dropped.

Mailman 2 *pipermail* message pages and Mailman 3 *HyperKitty* message pages
are recognised: the message body is read like a mail (quoted replies and
signatures removed) and subject, author and date become metadata.

>>> from ptgkg.ingest.readers.html import HtmlReader
>>> page = b"<html><body><nav>Home</nav><article><h1>Kolla at the PTG</h1><p>We agreed on <a href='https://x'>health checks</a>.</p></article><footer>(c) me</footer></body></html>"
>>> doc = HtmlReader().read("kolla.html", page)
>>> doc.title, doc.text
('Kolla at the PTG', 'Kolla at the PTG\\n\\nWe agreed on health checks.')
"""
from __future__ import annotations

import re
from typing import Any, Protocol

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag
from bs4.element import CData, Declaration

from ..document import Document, RejectedInput
from .base import Reader, TextBuilder, clean_inline, decode_text, iso_date, strip_urls

__all__ = ["HtmlReader", "html_fragment_lines", "html_into_builder", "html_body_text", "parse_html"]

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "form", "button",
    "select", "input", "textarea", "nav", "aside", "object", "embed", "video", "audio", "map",
    "img", "picture", "source", "link", "meta", "head",
)
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "address", "figure", "figcaption", "details",
    "summary", "center", "dd", "dt", "hr", "body", "html", "fieldset", "caption",
}
_JUNK_TOKEN = re.compile(
    r"(?:^|[-_])(?:comments?|comment-list|commentlist|respond|disqus(?:_thread)?|share|sharing|sharedaddy|"
    r"social|related|post-nav(?:igation)?|pagination|pager|breadcrumbs?|sidebar|widget|cookies?|"
    r"newsletter|subscribe|skip-link|screen-reader-text|toc|table-of-contents|site-header|site-footer|"
    r"navbar|menu|masthead|author-bio|post-tags|tags-links)(?:$|[-_])",
    re.IGNORECASE,
)
_MAIN_SELECTORS = (
    "article", "main", "[role=main]", ".post-content", ".entry-content", ".post-body",
    ".article-content", ".post", "#content", ".content",
)
_CODE_CLASS = re.compile(r"highlight|code|source|literal|console|shell", re.IGNORECASE)


class Emitter(Protocol):
    def heading(self, title: str, level: int = 1) -> None: ...
    def paragraph(self, text: str) -> None: ...
    def line(self, text: str) -> None: ...


class _Lines:
    """An :class:`Emitter` that only collects lines (for HTML fragments inside markdown)."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def heading(self, title: str, level: int = 1) -> None:
        self.line(title)

    def paragraph(self, text: str) -> None:
        self.line(text)

    def line(self, text: str) -> None:
        text = clean_inline(text)
        if text:
            self.out.append(text)


def parse_html(html: str) -> BeautifulSoup:
    """BeautifulSoup over lxml (broken markup is repaired, never fatal)."""
    return BeautifulSoup(html, "lxml")


def _is_junk(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    if tag.get("role") in ("navigation", "banner", "contentinfo", "complementary", "search"):
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    tokens = [tag.get("id") or ""] + list(tag.get("class") or [])
    return any(_JUNK_TOKEN.search(t) for t in tokens if isinstance(t, str) and t)


def _gone(tag: Tag) -> bool:
    """Decomposed or detached. (Reads ``__dict__``: a missing attribute on a bs4 Tag is a subtree search.)"""
    return bool(tag.__dict__.get("_decomposed")) or tag.__dict__.get("parent") is None


def _strip_junk(root: Tag) -> None:
    for node in root.find_all(string=lambda s: isinstance(s, (Comment, ProcessingInstruction, Declaration, CData))):
        node.extract()
    for tag in list(root.find_all(True)):
        if _gone(tag):
            continue
        if _is_junk(tag) and tag.name not in ("body", "html"):
            tag.decompose()


class _Walker:
    """Turns an element tree into emitter calls (blocks -> paragraphs, lists/quotes -> lines)."""

    def __init__(self, out: Emitter, *, keep_header_footer: bool) -> None:
        self.out = out
        self.keep_header_footer = keep_header_footer
        self.buf: list[str] = []

    def flush(self, as_lines: bool) -> None:
        text = "".join(self.buf)
        self.buf = []
        parts = [p for p in text.split("\n") if p.strip()]
        if as_lines or len(parts) > 1:
            for p in parts:
                self.out.line(p)
        elif parts:
            self.out.paragraph(parts[0])

    def walk(self, node: Tag, as_lines: bool = False) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, (Comment, Doctype, ProcessingInstruction, Declaration, CData)):
                    self.buf.append(" ".join(str(child).split(" ")).replace("\n", " "))
                continue
            if not isinstance(child, Tag) or _is_junk(child):
                continue
            name = child.name
            if name == "br":
                self.buf.append("\n")
            elif name in HEADINGS:
                self.flush(as_lines)
                self.out.heading(child.get_text(" "), int(name[1]))
            elif name in ("header", "footer"):
                self.flush(as_lines)
                if name == "header" or self.keep_header_footer:
                    for h in child.find_all(HEADINGS):
                        self.out.heading(h.get_text(" "), int(h.name[1]))
                    if self.keep_header_footer:
                        self.walk(child, as_lines)
                        self.flush(as_lines)
            elif name == "pre":
                self.flush(as_lines)
                if not _looks_like_code(child):
                    for line in child.get_text().split("\n"):
                        self.out.line(line)
            elif name in ("ul", "ol", "dl", "menu"):
                self.flush(as_lines)
                self.walk(child, True)
                self.flush(True)
            elif name in ("li", "dt", "dd"):
                self.flush(True)
                self.walk(child, True)
                self.flush(True)
            elif name == "blockquote":
                self.flush(as_lines)
                self.walk(child, True)
                self.flush(True)
            elif name == "table":
                self.flush(as_lines)
                self._table(child)
            elif name in _BLOCK_TAGS:
                self.flush(as_lines)
                self.walk(child, as_lines)
                self.flush(as_lines)
            elif name in ("code", "kbd", "samp") and child.find_parent("pre") is None:
                self.buf.append(child.get_text())
            else:  # inline: a, span, strong, em, ...
                self.walk(child, as_lines)

    def _table(self, table: Tag) -> None:
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            cells = [" ".join(c.get_text(" ").split()) for c in tr.find_all(("td", "th"), recursive=False)]
            if any(cells):
                self.out.line(" | ".join(cells))


def _looks_like_code(pre: Tag) -> bool:
    if pre.find("code") is not None:
        return True
    classes = " ".join(pre.get("class") or []) + " " + " ".join((pre.parent.get("class") or []) if pre.parent else [])
    return bool(_CODE_CLASS.search(classes))


def html_into_builder(root: Tag, out: Emitter, *, keep_header_footer: bool = False) -> None:
    """Walk ``root`` (already stripped of junk) into ``out``."""
    walker = _Walker(out, keep_header_footer=keep_header_footer)
    walker.walk(root)
    walker.flush(False)


def html_fragment_lines(html: str) -> list[str]:
    """Visible text lines of an HTML fragment (e.g. an HTML block inside markdown)."""
    soup = parse_html(html)
    _strip_junk(soup)
    lines = _Lines()
    html_into_builder(soup, lines, keep_header_footer=True)
    return lines.out


def _main_container(soup: BeautifulSoup) -> Tag:
    for selector in _MAIN_SELECTORS:
        found = [t for t in soup.select(selector) if isinstance(t, Tag)]
        # the outermost matches only, then the one with the most text
        ids = {id(t) for t in found}  # identity: Tag.__eq__ compares whole subtrees
        found = [t for t in found if not any(id(p) in ids for p in t.parents)]
        if found:
            best = max(found, key=lambda t: len(t.get_text(" ", strip=True)))
            if len(best.get_text(" ", strip=True)) >= 40:
                return best
    return soup.body or soup


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name}) \
            or soup.find("meta", attrs={"itemprop": name})
        if tag and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def _head_metadata(soup: BeautifulSoup) -> dict[str, Any]:
    """What the page's <head> states: date, author, language, canonical URL, keywords, title."""
    meta: dict[str, Any] = {}
    date = iso_date(_meta(soup, "article:published_time", "date", "DC.date", "dc.date", "datePublished",
                          "pubdate", "og:published_time"))
    if date:
        meta["date"] = date
    author = _meta(soup, "author", "article:author", "dc.creator", "DC.creator")
    if author and "://" not in author and len(author) <= 80:
        meta["author"] = clean_inline(author)
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if isinstance(html_tag, Tag) else None
    if lang:
        meta["language"] = str(lang).split("-")[0].lower()
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href") if canonical else "") or _meta(soup, "og:url")
    if url and str(url).startswith(("http://", "https://")):
        meta["url"] = str(url)
    keywords = _meta(soup, "keywords", "article:tag")
    if keywords:
        meta["categories"] = [k.strip() for k in keywords.split(",") if k.strip()]
    title = _meta(soup, "og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = re.split(r"\s+[|\u2013\u2014]\s+|\s+-\s+(?=[^-]*$)", soup.title.get_text())[0]
    if title and clean_inline(title):
        meta["title"] = clean_inline(title)
    return meta


def _body_metadata(soup: BeautifulSoup, main: Tag, known: dict[str, Any]) -> dict[str, Any]:
    """Fallbacks from the page body: <time> elements, a byline."""
    meta: dict[str, Any] = {}
    if "date" not in known:
        for t in list(main.find_all("time")) + list(soup.find_all("time")):
            date = iso_date(t.get("datetime")) or iso_date(t.get_text(" "))
            if date:
                meta["date"] = date
                break
    if "author" not in known:
        node = main.find(attrs={"rel": "author"}) or main.select_one(".author, .byline, [itemprop=author]") \
            or soup.find(attrs={"rel": "author"})
        author = node.get_text(" ", strip=True) if node else ""
        author = re.sub(r"^(?:by|von|par)\s+", "", clean_inline(author), flags=re.IGNORECASE)
        if author and len(author) <= 80:
            meta["author"] = author
    return meta


def _page_title(soup: BeautifulSoup, main: Tag) -> str:
    h1 = main.find("h1")
    if h1 and h1.get_text(strip=True):
        return clean_inline(h1.get_text(" "))
    return ""


class HtmlReader(Reader):
    """``.html``/``.htm`` files and pages: blog posts, pipermail and HyperKitty message pages."""

    kind = "html"
    suffixes = (".html", ".htm", ".xhtml")

    def sniff(self, name: str, head: str) -> bool:
        start = head.lstrip()[:200].lower()
        return start.startswith(("<!doctype html", "<html", "<?xml")) and "<html" in head[:2000].lower()

    def parse(self, source: str, data: bytes) -> list[Document]:
        html = decode_text(data)
        if not html.strip():
            raise RejectedInput("empty document")
        soup = parse_html(html)
        archive = _mail_archive_document(source, soup)
        if archive is not None:
            return [archive]
        for node in soup.find_all(("script", "style", "noscript", "template")):
            node.decompose()
        meta = _head_metadata(soup)  # before the <head> goes with the junk
        _strip_junk(soup)
        main = _main_container(soup)
        meta = {**_body_metadata(soup, main, meta), **meta}
        head_title = meta.pop("title", "")
        title = _page_title(soup, main) or head_title
        builder = TextBuilder()
        if main.name in ("body", "[document]"):
            for tag in main.find_all(("header", "footer")):
                if not _gone(tag) and tag.find_parent(("article", "main")) is None:
                    tag.decompose()
        html_into_builder(main, builder)
        return [builder.build(source, self.kind, title, meta)]


# --------------------------------------------------------------------------- mail archives


def _mail_archive_document(source: str, soup: BeautifulSoup) -> Document | None:
    """A Document for a pipermail or HyperKitty message page, else None."""
    from .email import build_mail_document  # local import: email.py uses this module too

    is_pipermail = bool(soup.find(string=lambda s: isinstance(s, Comment) and "beginarticle" in s)) or (
        soup.find("a", href=re.compile(r"mailman/listinfo")) is not None and soup.find("pre") is not None
        and soup.find("h1") is not None
    )
    if is_pipermail:
        h1 = soup.find("h1")
        subject = h1.get_text(" ", strip=True) if h1 else ""
        bold = soup.find("b")
        author = bold.get_text(" ", strip=True) if bold else ""
        italic = soup.find("i")
        date = iso_date(italic.get_text(" ")) if italic else None
        pre = None
        begin = soup.find(string=lambda s: isinstance(s, Comment) and "beginarticle" in s)
        if begin is not None:
            pre = begin.find_next("pre")
        pre = pre or soup.find("pre")
        body = pre.get_text() if pre else ""
        return build_mail_document(source, "html", subject, author, date, body, extra={"archive": "pipermail"})
    body_div = soup.select_one(".email-body")
    if body_div is not None and soup.select_one(".email-header, .email-author") is not None:
        h1 = soup.find("h1")
        subject = h1.get_text(" ", strip=True) if h1 else (soup.title.get_text() if soup.title else "")
        name = soup.select_one(".email-author .name") or soup.select_one(".email-author")
        author = name.get_text(" ", strip=True) if name else ""
        date = None
        for node in soup.select(".email-date .time [title], .email-date [title], .email-date .date, .email-date"):
            date = iso_date(node.get("title")) or iso_date(node.get_text(" "))
            if date:
                break
        for br in body_div.find_all("br"):
            br.replace_with("\n")
        body = body_div.get_text()
        return build_mail_document(source, "html", subject, author, date, body, extra={"archive": "hyperkitty"})
    return None


def html_body_text(html: str) -> str:
    """Plain text of an HTML mail body, quoted reply containers removed (for the e-mail reader)."""
    soup = parse_html(html)
    for sel in (".gmail_quote", "blockquote[type=cite]", ".moz-cite-prefix", "#divRplyFwdMsg",
                ".OutlookMessageHeader", "#appendonsend", ".gmail_signature", ".moz-signature"):
        for node in soup.select(sel):
            node.decompose()
    _strip_junk(soup)
    lines = _Lines()
    html_into_builder(soup.body or soup, lines, keep_header_footer=True)
    return "\n\n".join(strip_urls(line) for line in lines.out)
