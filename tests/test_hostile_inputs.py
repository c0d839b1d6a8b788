"""Hostile files: every reader reads them or rejects them with one clear line.

Property tests (hypothesis) over every reader, picked by file suffix, plus the
fixed nasties (a 10 MB single line, deep nesting, symlink loops, a sparse huge
file) and the CLI end to end on a folder of them. The long fuzzing run is
``.venv/bin/python benchmarks/fuzz_readers.py --count 20000``.
"""
from __future__ import annotations

import builtins
import codecs
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_readers import SUFFIXES, check_outcome, fuzz, sample_notes
from ptgkg.ingest.document import RejectedInput
from ptgkg.ingest.readers import MAX_TEXT_CHARS, iter_input_files, read_bytes, read_path

PTGKG = str(Path(sys.executable).with_name("ptgkg"))
NOTES = sample_notes()
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
suffixes = st.sampled_from(SUFFIXES)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252",
                             "latin-1", "shift_jis", "koi8-r"])
boms = st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                        codecs.BOM_UTF32_BE])


# --------------------------------------------------------------------------- properties
@PROPERTY
@given(suffix=suffixes, data=st.binary(max_size=3000))
def test_random_bytes(suffix, data):
    check_outcome("hostile" + suffix, data)


@PROPERTY
@given(suffix=suffixes, text=st.text(max_size=1500), encoding=encodings)
def test_random_unicode_in_any_encoding(suffix, text, encoding):
    check_outcome("hostile" + suffix, text.encode(encoding, errors="replace" if "utf" not in encoding else "surrogatepass"))


@PROPERTY
@given(suffix=suffixes, note=st.sampled_from(NOTES), bom=st.one_of(st.none(), boms),
       nul_at=st.one_of(st.none(), st.floats(0, 1)), cut=st.floats(0, 1), second=encodings)
def test_real_notes_with_boms_nuls_and_mixed_encodings(suffix, note, bom, nul_at, cut, second):
    """A sample note whose tail is in another encoding, maybe a BOM in front and a NUL inside."""
    text = note.decode("utf-8")
    at = int(len(text) * cut)
    data = text[:at].encode("utf-8") + text[at:].encode(second, errors="replace")
    if bom:
        data = bom + data
    if nul_at is not None:
        i = int(len(data) * nul_at)
        data = data[:i] + b"\x00" + data[i:]
    outcome, detail = check_outcome("note" + suffix, data)
    if nul_at is not None and bom is None and second in ("utf-8", "cp1252", "latin-1", "koi8-r"):
        assert outcome == "rejected" and "NUL" in detail  # a NUL in 8-bit text: binary, said so


@PROPERTY
@given(suffix=suffixes, data=st.builds(
    lambda headers, body: "\n".join(headers).encode() + b"\n\n" + body,
    st.lists(st.sampled_from([
        "From: Mark Goddard <m@example.org>", "From: =?utf-8?b?!!!?=", "From: <>", "Message-ID: <>",
        "Message-ID: <a@b>", "Subject: [kolla][ptg] Zed summary", "Subject: =?iso-8859-1?q?caf=E9?=",
        "Date: yesterday", "Date: Mon, 8 Jun 2020 09:02:11 -0700", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="zz"', "Content-Type: multipart/alternative",
        "Content-Type: text/plain; charset=x-unknown", "Content-Type: text/html; charset=utf-7",
        "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64",
        "Content-Transfer-Encoding: quoted-printable", "Content-Transfer-Encoding: x-uuencode"]), max_size=10),
    st.one_of(st.binary(max_size=300), st.sampled_from([
        b"--zz\nContent-Type: text/plain\n\nKolla agreed.\n--zz--\n", b"--zz\n\n--zz", b"!!!!====",
        b"=ZZ=\n=", b"PGI+S29sbGE8L2I+", b"<p>Kolla <b>agreed</b></p>", b"Kolla agreed on health checks."]))))
def test_broken_mime(suffix, data):
    check_outcome("mail" + suffix, data)
    check_outcome("mail" + suffix, b"From nobody Mon Jun  8 16:02:11 2020\n" + data + b"\n\nFrom x\n" + data)


def test_fuzzer_reduced_run():
    """A few hundred inputs of benchmarks/fuzz_readers.py (the full run: --count 20000)."""
    figures = fuzz(count=400, seed=int.from_bytes(os.urandom(2), "big"))
    assert figures.crashes == [], figures.crashes
    assert figures.accepted > 50 and figures.rejected > 50  # both outcomes exercised


# --------------------------------------------------------------------------- fixed nasties
@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("blank", [b"", b"   ", b"\n\n\t\r\n", codecs.BOM_UTF8 + b"  \n", "\u00a0\u3000\n".encode()])
def test_empty_and_blank_files_are_rejected(suffix, blank):
    with pytest.raises(RejectedInput) as info:
        read_bytes("blank" + suffix, blank)
    assert "empty" in str(info.value)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_single_line_longer_than_the_nlp_takes(suffix):
    line = b"Kolla and TripleO agreed on container health checks. " * 24_000  # 1.3 MB, one line
    with pytest.raises(RejectedInput) as info:
        read_bytes("long" + suffix, line)
    assert str(info.value).startswith("too long") and str(MAX_TEXT_CHARS) in str(info.value)


def test_a_single_line_just_below_the_limit_is_read():
    docs = read_bytes("long.rst", b"Kolla and TripleO agreed on health checks. " * 23_000)  # ~990 kB
    assert len(docs[0].text) > 900_000


def test_ten_megabyte_single_line_is_rejected_by_size(tmp_path):
    big = tmp_path / "one-line.txt"
    big.write_bytes(b"x" * (10 * 1024 * 1024))
    with pytest.raises(RejectedInput) as info:
        read_path(big, tmp_path)
    assert str(info.value).startswith("too large: 10485760 bytes > limit 10000000")


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("make", [
    lambda n: b"<html><body>" + b"<div>" * n + b"Kolla agreed." + b"</div>" * n + b"</body></html>",
    lambda n: b"<ul><li>" * n + b"TripleO",
    lambda n: b"> " * n + b"Kolla agreed on health checks.\n",
    lambda n: b"".join(b"  " * i + b"- item about Kolla\n\n" for i in range(n // 10)),
    lambda n: b"*" * n + b"x" + b"_" * n + b"[" * n + b"](" * n,
], ids=["html-div", "html-unclosed-list", "md-quotes", "nested-list", "md-emphasis"])
def test_deeply_nested_markup(suffix, make):
    check_outcome("nested" + suffix, make(8_000))


def test_rst_deep_nesting_stays_fast():
    """docutils slows down faster than quadratically with nesting; deep input takes the fallback."""
    import time

    t = time.monotonic()
    docs = read_bytes("deep.rst", b"".join(b"  " * i + b"- item about Kolla\n\n" for i in range(2000)))
    assert time.monotonic() - t < 5 and "item about Kolla" in docs[0].text


def test_email_with_an_empty_message_id_is_read():
    """``Message-ID: <>`` makes the stdlib's header parser raise IndexError."""
    docs = read_bytes("x.eml", b"Message-ID: <>\nFrom: Mark Goddard <m@example.org>\nSubject: [kolla] PTG\n\n"
                               b"Kolla agreed on health checks.\n")
    assert docs[0].text == "Kolla agreed on health checks." and docs[0].metadata["author"] == "Mark Goddard"


@pytest.mark.parametrize("data", [b"From nobody", b"From x@y Mon Jun  8 16:02:11 2020", b"  From a"])
def test_an_mbox_separator_with_no_message_says_so(data):
    """Found by the fuzzer: the reader indexed an empty list of reasons (IndexError)."""
    with pytest.raises(RejectedInput) as info:
        read_bytes("list.mbox", data)
    assert str(info.value) == "no message in the mailbox"


# --------------------------------------------------------------------------- size limit before reading
def test_size_limit_rejects_a_huge_file_without_reading_it(tmp_path, monkeypatch):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:  # sparse: 50 GB of nothing on disk
        fh.truncate(50 * 1024 ** 3)

    def no_reading(*args, **kwargs):
        raise AssertionError(f"opened for reading: {args[:1]}")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(builtins, "open", no_reading)
    monkeypatch.setattr(io, "open", no_reading)
    monkeypatch.setattr(os, "open", no_reading)
    with pytest.raises(RejectedInput) as info:
        read_path(huge, tmp_path, max_bytes=10_000_000)
    assert str(info.value) == f"too large: {50 * 1024 ** 3} bytes > limit 10000000"


def test_size_limit_is_a_setting(tmp_path):
    from ptgkg.config import Settings
    from ptgkg.pipeline import Rejected, read_inputs

    note = tmp_path / "kolla.md"
    note.write_bytes(NOTES[0])
    small = Settings(max_file_bytes=1000)
    [item] = list(read_inputs([note], small))
    assert isinstance(item, Rejected) and item.reason == f"too large: {len(NOTES[0])} bytes > limit 1000"
    [doc] = list(read_inputs([note], Settings(max_file_bytes=len(NOTES[0]))))
    assert doc.text


# --------------------------------------------------------------------------- symlink loops
def _loopy_folder(root: Path) -> Path:
    folder = root / "notes"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "note.txt").write_bytes(NOTES[-2])
    (folder / "a" / "b" / "up").symlink_to("../..")          # loop back to notes/
    (folder / "self").symlink_to(".")                        # loop to itself
    (folder / "ping.txt").symlink_to("pong.txt")             # file symlink loop
    (folder / "pong.txt").symlink_to("ping.txt")
    (folder / "dangling.md").symlink_to("nowhere.md")
    (folder / "twin.txt").symlink_to("a/note.txt")           # the same file twice
    return folder


def test_symlink_loops_end_and_are_rejected_one_line(tmp_path):
    folder = _loopy_folder(tmp_path)
    files = list(iter_input_files([folder]))
    assert len(files) == len(set(files)) <= 5
    outcomes = {}
    for f in files:
        try:
            outcomes[f.name] = ("ok", len(read_path(f, tmp_path)))
        except RejectedInput as exc:
            assert "\n" not in str(exc)
            outcomes[f.name] = ("rejected", str(exc))
    assert sum(1 for kind, _ in outcomes.values() if kind == "ok") == 1  # note.txt (or its twin), once
    for name in ("ping.txt", "pong.txt", "dangling.md"):
        assert outcomes[name][0] == "rejected", outcomes


# --------------------------------------------------------------------------- the CLI end to end
def _hostile_folder(root: Path) -> tuple[Path, list[str]]:
    folder = _loopy_folder(root)
    h = folder / "hostile"
    h.mkdir()
    (h / "random.md").write_bytes(bytes(range(256)) * 8)
    (h / "nul.txt").write_bytes(b"Kolla agreed\x00 on health checks.")
    (h / "utf16.txt").write_bytes("Kolla agreed on health checks (mgoddard).\n".encode("utf-16"))
    (h / "bom-only.md").write_bytes(codecs.BOM_UTF8)
    (h / "blank.rst").write_bytes(b" \n\t\n")
    (h / "empty.eml").write_bytes(b"")
    (h / "broken.eml").write_bytes(b"Message-ID: <>\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\n\n--zz")
    (h / "broken.mbox").write_bytes(b"From x\n\nFrom y\n\n")
    (h / "deep.html").write_bytes(b"<div>" * 30_000 + b"Kolla" + b"</div>" * 30_000)
    (h / "deep.md").write_bytes(b"> " * 30_000 + b"Kolla agreed.\n")
    (h / "mixed.etherpad.txt").write_bytes("Kolla PTG\n\n* café (mgoddard)\n".encode("utf-8") + "naïve".encode("cp1252"))
    (h / "long-line.txt").write_bytes(b"Kolla agreed on health checks. " * 40_000)
    (h / "ten-mb.txt").write_bytes(b"x" * (10 * 1024 * 1024))
    (h / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (h / "cypher.md").write_bytes(b"# Kolla\n\nmgoddard said `'}) DETACH DELETE n // and we agreed.\n")
    expected_rejections = ["random.md", "nul.txt", "bom-only.md", "blank.rst", "empty.eml", "broken.eml",
                           "broken.mbox", "long-line.txt", "ten-mb.txt", "image.png", "ping.txt", "pong.txt",
                           "dangling.md"]
    return folder, expected_rejections


def _export(store: Path) -> dict:
    proc = subprocess.run([PTGKG, "export", "--store", str(store), "--format", "json"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cli_on_a_folder_of_hostile_files_keeps_what_was_stored(tmp_path):
    from tests.test_crash_safety import _graph
    from ptgkg.graph.stores.embedded import EmbeddedStore

    store = tmp_path / "store"
    with EmbeddedStore(store) as st:  # something already stored, written without the NLP
        st.write_document(_graph("doc:earlier", "Kolla agreed on health checks before."))
    before = _export(store)
    folder, expected_rejections = _hostile_folder(tmp_path)
    proc = subprocess.run([PTGKG, "ingest", str(folder), "--store", str(store), "--json"], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert "Traceback" not in proc.stderr and proc.stderr.strip() == "", proc.stderr
    assert proc.returncode == 0, proc.stdout  # the good files were ingested
    summary = json.loads(proc.stdout)
    rejected = {Path(r["source"]).name: r["reason"] for r in summary["rejected"]}
    for reason in rejected.values():
        assert reason and "\n" not in reason and "Traceback" not in reason
    assert set(expected_rejections) <= set(rejected), rejected
    assert summary["ingested"] >= 4  # note.txt, utf16.txt, mixed.etherpad.txt, cypher.md, deep.* ...
    after = _export(store)
    nodes_after = {n["id"]: n for n in after["nodes"]}
    for n in before["nodes"]:
        assert n["id"] in nodes_after and nodes_after[n["id"]]["name"] == n["name"]
    edges_after = {(e["source"], e["type"], e["target"]): e for e in after["edges"]}
    for e in before["edges"]:
        key = (e["source"], e["type"], e["target"])
        assert key in edges_after
        assert all(ev in edges_after[key]["evidence"] for ev in e["evidence"])


def test_cli_with_only_bad_files_says_why_and_exits_2(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"\x00\x01\x02")
    (bad / "b.md").write_bytes(b"")
    proc = subprocess.run([PTGKG, "ingest", str(bad), "missing-folder", "--store", str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr + proc.stdout
    assert "rejected 3" in proc.stdout
    assert "binary file (NUL bytes)" in proc.stdout and "empty document" in proc.stdout
    assert "missing-folder: no such file or folder" in proc.stdout
