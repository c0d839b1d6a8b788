"""E-mail: ``.eml`` messages and ``.mbox`` archives (stdlib ``email``, ``policy.default``).

One :class:`Document` per message. The subject is the title (``Re:``/``Fwd:``
and list tags removed), ``From`` gives the author's display name, ``Date`` the
ISO date. The body is text/plain when there is one, else the HTML part read by
:mod:`.html`. Quoted replies (``>`` lines, "On ... wrote:" attributions,
Outlook "Original Message" blocks), signatures after ``-- `` and mailing-list
footers are removed. Subject tags become hints: ``[ptg]`` -> ``event="PTG"``,
``[kolla]`` -> ``team="kolla"``, ``[openstack-discuss]`` -> ``list``.

An mbox gives one document per message, with source ``<file>#<Message-ID>``
(``<file>#<n>``, 1-based, when a message has no unique Message-ID); messages
with no text of their own (only quotes) are left out.

>>> from ptgkg.ingest.readers.email import subject_hints
>>> subject_hints("Re: [openstack-discuss] [kolla][ptg] Zed PTG summary")
('Zed PTG summary', {'list': 'openstack-discuss', 'team': 'kolla', 'teams': ['kolla'], 'event': 'PTG'})
"""
from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from ..document import Document, RejectedInput
from .base import Reader, TextBuilder, clean_inline, decode_text, iso_date, one_line
from .text import build_plain

__all__ = ["EmailReader", "subject_hints", "strip_quoted", "build_mail_document", "split_mbox", "header_text"]

_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_TAG = re.compile(r"\[([^\]\[]{1,40})\]")
_LIST_TAG = re.compile(r"^(?:openstack(?:-[\w-]+)?|[\w.-]+-(?:dev|discuss|announce|operators|users|devel|list|sigs))$",
                       re.IGNORECASE)
_EVENT_TAGS = {"ptg": "PTG", "vptg": "PTG", "virtual-ptg": "PTG"}
_NON_TEAM_TAGS = {"all", "ptg", "vptg", "virtual-ptg", "summary", "forum", "meeting", "release", "announce",
                  "elections", "election", "ptl", "ops", "dev", "doc", "docs-only"}
_ATTRIBUTION = re.compile(
    r"(?:^On\b.*\bwrote:\s*$|^.*\b(?:wrote|writes|a écrit|schrieb|escribió|ha scritto)\s*:\s*$)", re.IGNORECASE
)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}", re.I)
_MBOX_FROM = re.compile(rb"^From [^\n]*\n", re.MULTILINE)


def subject_hints(subject: str) -> tuple[str, dict[str, Any]]:
    """The bare subject and the hints its ``[tags]`` carry (list, team(s), event)."""
    rest = _REPLY_PREFIX.sub("", subject or "")
    hints: dict[str, Any] = {}
    teams: list[str] = []
    while True:
        rest = _REPLY_PREFIX.sub("", rest).lstrip()
        m = _TAG.match(rest)
        if not m:
            break
        rest = rest[m.end():]
        for tag in re.split(r"[\]\[,/]+", m[1]):
            tag = tag.strip()
            low = tag.lower()
            if not tag:
                continue
            if _LIST_TAG.match(tag):
                hints.setdefault("list", low)
            elif low in _EVENT_TAGS:
                hints["event"] = _EVENT_TAGS[low]
            elif low not in _NON_TEAM_TAGS and low not in teams:
                teams.append(low)
    if teams:
        hints = {**{k: v for k, v in hints.items() if k == "list"}, "team": teams[0], "teams": teams,
                 **{k: v for k, v in hints.items() if k != "list"}}
    return clean_inline(rest), hints


def strip_quoted(body: str) -> str:
    """The author's own words: quoted lines, attributions, signature and list footer removed."""
    lines = body.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        prev_blank = i == 0 or not lines[i - 1].strip()
        if line.rstrip() in ("--", "-- ") or (prev_blank and re.fullmatch(r"_{20,}|-{20,}|={20,}", s)):
            # signature or mailing-list footer: everything after it goes (a rule right under
            # a line of text is that line's heading underline, not a footer)
            break
        if _ORIGINAL.match(line):
            break
        if re.match(r"^From:\s", line) and any(re.match(r"^(Sent|Date|To|Subject):\s", l) for l in lines[i + 1:i + 4]):
            break  # Outlook-style quoted original
        if s.startswith(">") or s.startswith("|>"):
            i += 1
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if _ATTRIBUTION.match(s) and (not nxt or nxt.startswith(">") or i + 1 == len(lines)):
            i += 1
            continue
        if s.startswith("On ") and _ATTRIBUTION.match(nxt) and not s.endswith("."):
            i += 2  # attribution wrapped over two lines
            continue
        out.append(line)
        i += 1
    return "\n".join(out).strip()


def build_mail_document(
    source: str,
    kind: str,
    subject: str,
    author: str,
    date: str | None,
    body: str,
    *,
    extra: dict[str, Any] | None = None,
) -> Document:
    """A Document for one message body (shared by the e-mail reader and archive pages)."""
    title, hints = subject_hints(subject)
    meta: dict[str, Any] = {**hints}
    if subject:
        meta["subject"] = clean_inline(subject)
    author = clean_inline(author or "").strip("\"' ")
    if author:
        meta["author"] = author
    if date:
        meta["date"] = date
    meta.update(extra or {})
    # "On Mon, ... Julia Kreger <julia@...> wrote:" says whom a reply answers ("Thanks Julia")
    for line in body.replace("\r\n", "\n").split("\n"):
        m = re.match(r"^On\b.*?,?\s+([A-Z][a-z][\w'’.-]*(?:\s+[A-Z][a-z][\w'’.-]*){1,3})\s*<[^>]+>\s*wrote:\s*$", line.strip())
        if m:
            meta["replying_to"] = m.group(1)
            break
    builder = TextBuilder()
    build_plain(strip_quoted(body), builder, style="text")
    return builder.build(source, kind, title or "(no subject)", meta)


def split_mbox(data: bytes) -> list[bytes]:
    """Messages of an mbox (``From `` separator lines; mboxrd ``>From`` unescaped)."""
    data = data.replace(b"\r\n", b"\n")
    starts = [m.start() for m in _MBOX_FROM.finditer(data)]
    # a "From " line only separates messages at the start or after a blank line
    starts = [s for s in starts if s == 0 or data[max(0, s - 2):s] == b"\n\n"]
    out: list[bytes] = []
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(data)
        chunk = data[s:end]
        chunk = chunk[chunk.index(b"\n") + 1:]
        out.append(re.sub(rb"(?m)^>(>*From )", rb"\1", chunk))
    return out


def _body_text(msg: EmailMessage) -> str:
    from .html import html_body_text

    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        if msg.is_multipart() or msg.get_content_maintype() != "text":
            return ""
        part = msg
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):
        payload = part.get_payload(decode=True) or b""
        content = decode_text(payload) if payload else ""
    if not isinstance(content, str):
        content = decode_text(bytes(content))
    if part.get_content_subtype() == "html":
        return html_body_text(content)
    return content


def header_text(msg: EmailMessage, name: str) -> str:
    """A header's value as text; the raw value when the stdlib's parser chokes on it
    (``Message-ID: <>`` raises IndexError inside ``email.policy.default``)."""
    try:
        value = msg[name]
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001 - stdlib header parsers fail in many ways
        for key, raw in msg.raw_items():
            if key.lower() == name.lower():
                return " ".join(str(raw).split())
        return ""


def _author(msg: EmailMessage) -> str:
    try:
        header = msg["from"]
    except Exception:  # noqa: BLE001 - unparseable From: keep its words, drop addresses
        return re.sub(r"<[^>]*>|\S+@\S+", "", header_text(msg, "from")).strip()
    if header is None:
        return ""
    try:
        addresses = header.addresses
    except AttributeError:
        addresses = ()
    if addresses:
        addr = addresses[0]
        return addr.display_name or addr.username or ""
    return re.sub(r"<[^>]*>|\S+@\S+", "", str(header)).strip()


_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]")


class EmailReader(Reader):
    """``.eml`` and ``.mbox`` files; also claims text whose head is a mail header block."""

    kind = "email"
    suffixes = (".eml", ".mbox", ".mbx", ".msg.txt")

    def sniff(self, name: str, head: str) -> bool:
        if re.match(r"From \S+.*\d{4}\s*\n", head):
            return True
        keys: set[str] = set()
        for line in head.split("\n")[:60]:
            if not line.strip():
                break
            m = _HEADER_LINE.match(line)
            if m:
                keys.add(m[1].lower())
            elif not line[:1].isspace():
                return False
        return "from" in keys and bool(keys & {"subject", "message-id", "received", "return-path"}) and len(keys) >= 3

    def parse(self, source: str, data: bytes) -> list[Document]:
        if not data.strip():
            raise RejectedInput("empty document")
        if b"\x00" in data[:65536]:
            decode_text(data)  # raises the binary-file reason
        is_mbox = data.lstrip().startswith(b"From ")
        raws = split_mbox(data.lstrip()) if is_mbox else [data]
        messages = [BytesParser(policy=policy.default).parsebytes(raw) for raw in raws]
        ids = [header_text(m, "message-id").strip().strip("<>").strip() for m in messages]
        docs: list[Document] = []
        reasons: list[str] = []
        for n, (msg, mid) in enumerate(zip(messages, ids), start=1):
            if not is_mbox:
                msg_source = source
            elif mid and ids.count(mid) == 1:
                msg_source = f"{source}#{mid}"
            else:
                msg_source = f"{source}#{n}"
            try:
                docs.append(self._message(msg_source, msg))
            except RejectedInput as exc:
                reasons.append(str(exc))
            except Exception as exc:  # one broken message must not lose the others
                reasons.append(f"{type(exc).__name__}: {one_line(str(exc))}")
        if not docs:
            if not reasons:  # an mbox "From " line and nothing after it
                raise RejectedInput("no message in the mailbox")
            raise RejectedInput(reasons[0] if len(reasons) == 1 else f"no readable message ({reasons[0]})")
        return docs

    def _message(self, source: str, msg: EmailMessage) -> Document:
        subject = header_text(msg, "subject")
        date = iso_date(header_text(msg, "date"))
        doc = build_mail_document(source, self.kind, subject, _author(msg), date, _body_text(msg))
        mid = header_text(msg, "message-id").strip().strip("<>").strip()
        if mid:
            doc.metadata["message_id"] = mid
        return doc
