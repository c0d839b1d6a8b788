"""Fuzz every reader: random and mutated notes in, a Document or one clear line out.

Each input is a file name with one of the readers' suffixes and bytes made by one of
several generators: random bytes, random Unicode in a random (or wrong, or mixed)
encoding, a sample note from ``data/notes`` mutated (bytes flipped, ranges deleted or
repeated, NUL bytes, byte-order marks, markup and MIME debris spliced in), deeply
nested HTML / Markdown / rST, broken MIME messages, blank files. Every input goes
through :func:`ptgkg.ingest.readers.read_bytes`; the outcome must be a list of
well-formed documents or :class:`RejectedInput` with a one-line reason. Anything
else is a crash (printed with the generator, the seed and the input's index).

Full run (the figures in docs/reliability.md)::

    .venv/bin/python benchmarks/fuzz_readers.py --count 20000

``tests/test_hostile_inputs.py`` runs a few hundred inputs of the same fuzzer.
"""
from __future__ import annotations

import argparse
import codecs
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
NOTES = REPO / "data" / "notes"
SUFFIXES = (".txt", ".md", ".rst", ".html", ".etherpad.txt", ".eml", ".mbox")

__all__ = ["SUFFIXES", "GENERATORS", "FuzzFigures", "check_outcome", "fuzz", "sample_notes"]

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1",
              "shift_jis", "koi8-r", "gb18030")
_DEBRIS = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"<div>", b"</div>", b"<script>alert(1)</script>", b"<!--",
           b"]]>", b"```", b"> > >", b"* ", b"\n====\n", b".. raw:: html\n\n   <b>x</b>\n", b".. include:: /etc/passwd\n",
           b"From nobody Mon Jan  1 00:00:00 2024\n", b"\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\n",
           b"Content-Transfer-Encoding: base64\n\n!!!!====\n", b"=?utf-8?b?!!!?=", b"\r", b"\r\n", b"\t" * 50,
           b"\xe2\x80\xae", b"\xed\xa0\x80", b"\xc3", b"{% raw %}", b"{{< x >}}", b"---\ntitle: [\n---\n",
           b"`'}) DETACH DELETE n //", b"\x1b[31m", "\u202e\u200b\ufeff".encode()]


def sample_notes() -> list[bytes]:
    return [p.read_bytes() for p in sorted(NOTES.iterdir()) if p.is_file()]


# --------------------------------------------------------------------------- generators
def gen_random_bytes(rng: random.Random, notes: list[bytes]) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 8, 64, 512, 4096)))


def _random_text(rng: random.Random, n: int) -> str:
    pools = ("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ.,:;!?-*#=<>/[](){}`'\"\n\t",
             "äöüßéèêçñøåæœ ΑΒΓαβγ абвгд 中文字符 日本語 한국어 عربى עברית ",
             "\u0000\u0001\u0007\u000b\u000c\u001b\u007f\u0085\u00a0\u2028\u2029\u200b\u200d\ufeff\ufffd",
             "😀🎉👩‍💻🏳️‍🌈")
    out = []
    for _ in range(n):
        pool = rng.choice(pools) if rng.random() < 0.3 else pools[0]
        out.append(rng.choice(pool) if rng.random() > 0.001 else chr(rng.randrange(0x20, 0x2FFFF)))
    return "".join(out)


def gen_random_unicode(rng: random.Random, notes: list[bytes]) -> bytes:
    text = _random_text(rng, rng.choice((1, 20, 300, 3000)))
    enc = rng.choice(_ENCODINGS)
    data = text.encode(enc, errors="replace") if enc not in ("utf-8", "utf-8-sig") else \
        text.encode(enc, errors="surrogatepass")
    return data


def gen_mixed_encodings(rng: random.Random, notes: list[bytes]) -> bytes:
    note = rng.choice(notes).decode("utf-8")
    cut = sorted(rng.sample(range(len(note)), 2))
    parts = [note[:cut[0]], note[cut[0]:cut[1]], note[cut[1]:]]
    return b"".join(p.encode(rng.choice(_ENCODINGS), errors="replace") for p in parts)


def gen_mutated_note(rng: random.Random, notes: list[bytes]) -> bytes:
    data = bytearray(rng.choice(notes))
    for _ in range(rng.randint(1, 12)):
        op = rng.randrange(7)
        i = rng.randrange(len(data) + 1)
        if op == 0 and data:                       # flip bytes
            for _ in range(rng.randint(1, 8)):
                j = rng.randrange(len(data))
                data[j] = rng.randrange(256)
        elif op == 1 and data:                     # delete a range
            del data[i:i + rng.randint(1, 400)]
        elif op == 2 and data:                     # repeat a range
            chunk = data[i:i + rng.randint(1, 200)]
            data[i:i] = bytes(chunk) * rng.randint(2, 30)
        elif op == 3:                              # splice debris
            data[i:i] = rng.choice(_DEBRIS)
        elif op == 4:                              # a byte-order mark in front
            data[0:0] = rng.choice(_BOMS)
        elif op == 5:                              # NUL bytes
            data[i:i] = b"\x00" * rng.randint(1, 4)
        else:                                      # line endings
            data = bytearray(bytes(data).replace(b"\n", rng.choice((b"\r\n", b"\r", b"\n\n", b"\x85"))))
    return bytes(data)


def gen_nested_markup(rng: random.Random, notes: list[bytes]) -> bytes:
    depth = rng.choice((10, 100, 1000, 5000))
    kind = rng.randrange(6)
    if kind == 0:
        tag = rng.choice(("div", "ul><li", "table><tr><td", "blockquote", "span", "b"))
        closing = "".join(f"</{t}>" for t in reversed(tag.split("><")))
        return f"<html><body>{('<' + tag + '>') * depth}Kolla agreed.{closing * depth}</body></html>".encode()
    if kind == 1:
        return ("> " * depth + "Kolla agreed on health checks.\n").encode()
    if kind == 2:
        return "".join("  " * i + "- item about TripleO\n" for i in range(min(depth, 1500))).encode()
    if kind == 3:
        return ("*" * depth + "emphasis" + "_" * depth + "[" * depth + "x" + "](" * depth).encode()
    if kind == 4:
        return "".join("   " * i + "quoted Kolla text\n\n" for i in range(min(depth, 1500))).encode()
    return ("<div>" * depth).encode()  # never closed


def gen_broken_mime(rng: random.Random, notes: list[bytes]) -> bytes:
    boundary = rng.choice(("zz", "", "a" * 200, "\x00", "--", "b=c"))
    ctype = rng.choice(("multipart/mixed", "multipart/alternative", "text/plain", "text/html", "message/rfc822",
                        "application/octet-stream", "text/plain; charset=x-unknown", "text/plain; charset=utf-7",
                        "multipart/", "garbage"))
    cte = rng.choice(("base64", "quoted-printable", "8bit", "x-uuencode", "7bit", "bogus"))
    sender = rng.choice(["Mark Goddard <m@example.org>", "=?utf-8?b?!!!?=", "<>", "", '"" <@>'])
    headers = [f"From: {sender}",
               f"Subject: {rng.choice(['[kolla][ptg] summary', '=?iso-8859-1?q?caf=E9?=', 'Re: ' * 50, ''])}",
               f"Date: {rng.choice(['Mon, 8 Jun 2020 09:02:11 -0700', 'yesterday', '99 Foo 9999', ''])}",
               f"Message-ID: <{rng.choice(['a@b', '', 'x' * 300])}>",
               f"Content-Type: {ctype}; boundary=\"{boundary}\"",
               f"Content-Transfer-Encoding: {cte}"]
    rng.shuffle(headers)
    body = rng.choice([b"!!!!====\n", b"=ZZ=\n=\n", b"--zz\nContent-Type: text/plain\n\nhello Kolla\n--zz--\n",
                       b"--zz\n\n--zz\n--zz--", rng.randbytes(200), b"Kolla agreed on health checks.\n", b""])
    msg = ("\n".join(headers[:rng.randint(0, len(headers))]) + "\n\n").encode() + body
    if rng.random() < 0.4:
        msg = b"From nobody Mon Jun  8 16:02:11 2020\n" + msg + b"\n\nFrom x\n" + msg
    return msg


def gen_blank(rng: random.Random, notes: list[bytes]) -> bytes:
    return rng.choice((b"", b" ", b"\n" * 100, b"\t \r\n" * 10, "\u00a0\u2028\u3000".encode(), codecs.BOM_UTF8,
                       codecs.BOM_UTF16_LE, codecs.BOM_UTF8 + b"   \n"))


GENERATORS: dict[str, Callable[[random.Random, list[bytes]], bytes]] = {
    "random bytes": gen_random_bytes,
    "random unicode": gen_random_unicode,
    "mixed encodings": gen_mixed_encodings,
    "mutated note": gen_mutated_note,
    "nested markup": gen_nested_markup,
    "broken MIME": gen_broken_mime,
    "blank": gen_blank,
}
_WEIGHTS = {"random bytes": 2, "random unicode": 3, "mixed encodings": 2, "mutated note": 8,
            "nested markup": 1, "broken MIME": 3, "blank": 1}


# --------------------------------------------------------------------------- checking
def check_outcome(name: str, data: bytes) -> tuple[str, str]:
    """``("accepted", kind)`` or ``("rejected", reason)``; raises AssertionError for a
    malformed document or reason, and lets any other exception through (a crash)."""
    from ptgkg.ingest.document import Document, RejectedInput
    from ptgkg.ingest.readers import MAX_TEXT_CHARS, read_bytes

    try:
        docs = read_bytes(name, data)
    except RejectedInput as exc:
        reason = str(exc)
        assert reason.strip() and "\n" not in reason and len(reason) <= 300, f"bad reason {reason!r}"
        assert "Traceback" not in reason
        return "rejected", reason
    assert docs, "no documents and no rejection"
    for d in docs:
        assert isinstance(d, Document) and d.id.startswith("doc:") and d.source.startswith(name)
        assert d.text.strip() and len(d.text) <= MAX_TEXT_CHARS and "\x00" not in d.text
        for s in d.sections:
            assert 0 <= s.start <= s.end <= len(d.text), f"section {s} outside the text"
        d.hash  # noqa: B018 - must be computable (the store keys on it)
    return "accepted", docs[0].kind


@dataclass
class FuzzFigures:
    tried: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: list[str] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    by_generator: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"inputs tried: {self.tried}; accepted: {self.accepted}; rejected with one line: {self.rejected}; "
                f"crashes: {len(self.crashes)}; {self.seconds:.0f} s")


def fuzz(count: int = 20_000, seed: int = 0, log: Callable[[str], None] | None = None) -> FuzzFigures:
    rng = random.Random(seed)
    notes = sample_notes()
    names = list(GENERATORS)
    weights = [_WEIGHTS[n] for n in names]
    figures = FuzzFigures()
    started = time.monotonic()
    for i in range(count):
        gen = rng.choices(names, weights)[0]
        suffix = rng.choice(SUFFIXES)
        data = GENERATORS[gen](rng, notes)
        figures.tried += 1
        figures.by_generator[gen] += 1
        try:
            outcome, detail = check_outcome(f"fuzz-{i}{suffix}", data)
        except Exception as exc:  # noqa: BLE001 - every other exception is the finding
            where = traceback.extract_tb(exc.__traceback__)[-1]
            figures.crashes.append(f"#{i} {gen} {suffix} seed={seed}: {type(exc).__name__}: {str(exc)[:200]} "
                                   f"at {Path(where.filename).name}:{where.lineno} (first bytes {data[:60]!r})")
            continue
        if outcome == "accepted":
            figures.accepted += 1
        else:
            figures.rejected += 1
            figures.reasons[detail.split(":")[0][:40]] += 1
        if log and (i + 1) % 1000 == 0:
            log(f"{i + 1} inputs, {len(figures.crashes)} crashes")
    figures.seconds = time.monotonic() - started
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fuzz every ptgkg reader.")
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    figures = fuzz(args.count, args.seed, log=lambda s: print(s, file=sys.stderr))
    print(figures.summary())
    print("by generator: " + ", ".join(f"{k} {v}" for k, v in sorted(figures.by_generator.items())))
    print("rejection reasons: " + ", ".join(f"{k} {v}" for k, v in figures.reasons.most_common(12)))
    for c in figures.crashes[:50]:
        print("CRASH", c)
    return 1 if figures.crashes else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
