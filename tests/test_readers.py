"""Readers: every source kind on small hand-written inputs shaped like real PTG notes."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptgkg.ingest.document import Document, RejectedInput
from ptgkg.ingest.readers import READERS, iter_input_files, read_bytes, read_path, reader_for, source_for
from ptgkg.ingest.readers import rst as rst_module
from ptgkg.ingest.readers.base import TextBuilder, decode_text, iso_date

FIXTURES = Path(__file__).parent / "fixtures" / "readers"
URL = re.compile(r"https?://|www\.")


def read_fixture(name: str) -> list[Document]:
    return read_path(FIXTURES / name, FIXTURES)


def only(name: str) -> Document:
    docs = read_fixture(name)
    assert len(docs) == 1
    return docs[0]


def assert_sections_exact(doc: Document) -> None:
    """Section spans index into the text and each begins with its heading."""
    assert doc.sections, "every document has at least one section"
    for s in doc.sections:
        assert 0 <= s.start <= s.end <= len(doc.text)
        if s.start > 0 or doc.text.startswith(s.title):
            assert doc.text[s.start:s.end].startswith(s.title), (s, doc.text[s.start:s.start + 60])
    heads = [s for s in doc.sections if s.start > 0]
    assert all(doc.text[s.start - 2:s.start] == "\n\n" for s in heads)


def section(doc: Document, title: str):
    return next(s for s in doc.sections if s.title == title)


def body(doc: Document, title: str) -> str:
    s = section(doc, title)
    return doc.text[s.start:s.end]


# --------------------------------------------------------------------------- rST


def test_pelican_rst_post_metadata_sections_and_clean_text():
    doc = only("pelican-post.rst")
    assert doc.kind == "rst"
    assert doc.source == "pelican-post.rst"
    assert doc.title == "Keystone at the Antelope PTG"
    assert doc.metadata["date"] == "2023-03-31"
    assert doc.metadata["author"] == "Alice Example"
    assert [s.title for s in doc.sections] == ["Keystone at the Antelope PTG", "Unified Limits", "Owners", "Policy"]
    assert_sections_exact(doc)
    assert section(doc, "Owners").level == 2 and section(doc, "Unified Limits").level == 1
    # the intro (before the first heading) is a section titled with the document title
    assert doc.sections[0].start == 0 and doc.text.startswith("By Alice Example\n\nThis is my write-up")
    limits = body(doc, "Unified Limits")
    assert "We agreed that nova and cinder adopt oslo.limit first, as the earlier post explained." in limits
    assert "Limits in nova | bob" in body(doc, "Owners")  # list-table row
    assert "\nknikolla will write the spec\n" in doc.text  # list item on its own line
    assert "openstack limit create" not in doc.text  # code block dropped
    assert "A strange role does not stop the reader." in doc.text  # unknown role keeps its text
    for junk in ("::", "`", "**", ":doc:", "{static}", ".. ", "youtube", "dQw4w9WgXcQ", ":date:"):
        assert junk not in doc.text
    assert not URL.search(doc.text)


def test_nikola_rst_comment_metadata_and_intro_section():
    doc = only("nikola-post.rst")
    assert doc.title == "Ironic Bobcat PTG summary"
    assert doc.metadata["date"] == "2023-04-05"
    assert doc.metadata["categories"] == ["openstack", "ironic"]
    assert doc.sections[0].title == "Ironic Bobcat PTG summary"
    assert body(doc, "Ironic Bobcat PTG summary").strip() == "Short intro written before the first heading."
    assert body(doc, "Deploy steps") == "Deploy steps\n\nWe decided to keep the deploy steps API."
    assert "TEASER_END" not in doc.text and "title:" not in doc.text


def test_rst_falls_back_to_line_stripper_when_docutils_fails(monkeypatch):
    def boom(text, builder):
        raise RuntimeError("extension missing")

    monkeypatch.setattr(rst_module, "_docutils_into", boom)
    doc = only("pelican-post.rst")
    assert [s.title for s in doc.sections][1:] == ["Unified Limits", "Owners", "Policy"]
    assert_sections_exact(doc)
    assert "We agreed that nova and cinder adopt oslo.limit first" in doc.text
    assert "the earlier post" in doc.text
    assert "openstack limit create" not in doc.text
    for junk in ("**", ":doc:", "`", ".. "):
        assert junk not in doc.text
    assert not URL.search(doc.text)


# --------------------------------------------------------------------------- markdown


def test_jekyll_markdown_front_matter_and_kramdown_attributes():
    doc = only("jekyll-post.md")
    assert doc.kind == "markdown"
    assert doc.title == "Nova at the Caracal PTG"
    assert doc.metadata["date"] == "2023-10-30"
    assert doc.metadata["author"] == "Bob Example"
    assert doc.metadata["categories"] == ["OpenStack", "Nova"]
    assert doc.metadata["event"] == "2024.1 Caracal PTG"  # explicit hint passes through
    assert [s.title for s in doc.sections] == ["Nova at the Caracal PTG", "Eventlet removal", "Owners"]
    assert_sections_exact(doc)
    assert doc.text.startswith("By Bob Example\n\nNotes from the Nova sessions this week.")  # byline kept
    removal = body(doc, "Eventlet removal")
    assert "\nWe agreed to keep both concurrency models for one release.\n" in removal  # blockquote line
    assert "\nfirst item with a bold word\n" in removal
    assert "spec | gibi" in body(doc, "Owners")
    for junk in ("{:", "prompt-info", "<", "layout:", "---", "import eventlet", "{%", "](", "**", "#"):
        assert junk not in doc.text
    assert not URL.search(doc.text)


def test_pelican_markdown_header_lines_are_metadata():
    md = b"Title: What to expect\nDate: 2017-08-29 12:02\nAuthor: Thierry Example\n\nIntro.\n\n## Rooms\n\nText.\n"
    doc = read_bytes("preview.md", md)[0]
    assert doc.title == "What to expect"
    assert doc.metadata == {"date": "2017-08-29", "author": "Thierry Example"}
    assert doc.text == "By Thierry Example\n\nIntro.\n\nRooms\n\nText."


# --------------------------------------------------------------------------- HTML


def test_hugo_blog_page_keeps_main_text_only():
    doc = only("hugo-page.html")
    assert doc.kind == "html"
    assert doc.title == "Kolla at the Dalmatian PTG"
    assert doc.metadata["date"] == "2024-04-15"
    assert doc.metadata["author"] == "Carol Example"
    assert doc.metadata["language"] == "en"
    assert doc.metadata["url"] == "https://blog.example.org/posts/kolla-dalmatian-ptg/"
    assert [s.title for s in doc.sections] == ["Kolla at the Dalmatian PTG", "Health checks", "Ansible versions"]
    assert_sections_exact(doc)
    assert "Read the etherpad for details." in doc.text
    assert doc.text.count("By Carol Example") == 1  # the byline, once, from the metadata
    assert "\nmnasiadka owns the spec\nreview by bbezak" in body(doc, "Health checks")
    assert "2024.2 | 2.16" in body(doc, "Ansible versions")
    for junk in ("Home", "About", "Recent posts", "Another post", "tracking", "color: red", "Share on Twitter",
                 "Tags: kolla", "comments", "Great post", "Copyright", "ansible-core"):
        assert junk not in doc.text
    assert not URL.search(doc.text)


def test_pipermail_message_page_reads_like_a_mail():
    doc = only("pipermail-message.html")
    assert doc.title == "Zed PTG summary"
    meta = doc.metadata
    assert (meta["author"], meta["date"], meta["team"], meta["event"]) == ("Dave Example", "2022-04-08", "kolla", "PTG")
    assert meta["archive"] == "pipermail"
    assert_sections_exact(doc)
    assert "Health checks" in [s.title for s in doc.sections]
    assert "We agreed to add container health checks to all services." in body(doc, "Health checks")
    for junk in ("wrote:", "Will you post a summary", "Kolla PTL", "Previous message", "Next message",
                 "More information", "dave at example.org"):
        assert junk not in doc.text


def test_hyperkitty_message_page():
    doc = only("hyperkitty-message.html")
    assert doc.title == "Dalmatian PTG summary"
    assert doc.metadata["author"] == "Frank Example"
    assert doc.metadata["date"] == "2024-04-16"
    assert doc.metadata["team"] == "neutron"
    assert "We decided to drop the ML2/OVS default in 2025.1." in doc.text
    assert "Reply" not in doc.text and "Archives" not in doc.text and "HyperKitty" not in doc.text


def test_broken_html_is_repaired_not_fatal():
    doc = read_bytes("broken.html", b"<html><body><article><h2>Cinder<p>We agreed <b>to <i>ship</article><div")[0]
    assert "We agreed to ship" in doc.text
    assert_sections_exact(doc)


@pytest.mark.parametrize("name,data", [
    ("deep.html", b"<html><body>" + b"<div>" * 20000 + b"deep text" + b"</div>" * 20000 + b"</body></html>"),
    ("deep.md", b"> " * 5000 + b"deep text\n"),
    ("deep.rst", b"".join(b" " * (2 * i) + b"text\n\n" for i in range(600))),
    ("deep.etherpad.txt", b"".join(b" " * i + b"* item\n" for i in range(3000))),
])
def test_deeply_nested_markup_never_raises_anything_but_rejected(name, data):
    try:
        docs = read_bytes(name, data)
    except RejectedInput as exc:
        assert "\n" not in str(exc)
    else:
        assert docs and all(d.text for d in docs)


# --------------------------------------------------------------------------- etherpad


def test_etherpad_export_headings_nicks_and_banner():
    doc = only("cinder-ptg.etherpad.txt")
    assert doc.kind == "etherpad"
    assert doc.title == "Cinder 2024.2 Dalmatian PTG"
    titles = [s.title for s in doc.sections]
    assert titles == ["Cinder 2024.2 Dalmatian PTG", "Attendees", "Wednesday", "Backup improvements", "Thursday",
                      "Image encryption"]
    assert_sections_exact(doc)
    assert section(doc, "Wednesday").level < section(doc, "Backup improvements").level
    backup = body(doc, "Backup improvements")
    assert "\ndiscussed parallel backups (grace)\nAGREED: parallel backups go in this cycle\n" in backup
    assert "needs barbican work (henry)" in body(doc, "Thursday")  # nested inside the day
    for junk in ("Welcome to Etherpad", "synchronized as you type", "authorship colour", "==", "* "):
        assert junk not in doc.text
    assert not URL.search(doc.text)


def test_etherpad_sniffed_from_content_in_a_txt_file():
    pad = (b"Nova PTG\n\n== Placement ==\n* consumer types (gibi)\n* AGREED: land it (bauzas)\n"
           b"* more tests needed (sean-k-mooney)\n* ACTION: write docs (melwitt)\n")
    assert reader_for("nova-notes.txt", pad.decode()).kind == "etherpad"
    doc = read_bytes("nova-notes.txt", pad)[0]
    assert doc.kind == "etherpad" and "Placement" in [s.title for s in doc.sections]
    prose = "Some notes.\n\nWe met in the room and talked about the etherpad for a while.\n"
    assert reader_for("prose.txt", prose).kind == "text"


# --------------------------------------------------------------------------- e-mail


def test_eml_reply_quotes_attribution_and_signature_removed():
    doc = only("reply.eml")
    assert doc.kind == "email"
    assert doc.title == "Caracal PTG recap"
    meta = doc.metadata
    assert meta["author"] == "Ivy Example"
    assert meta["date"] == "2023-10-30"
    assert (meta["team"], meta["event"], meta["list"]) == ("glance", "PTG", "openstack-discuss")
    assert meta["subject"].startswith("Re: [openstack-discuss]")
    assert "Image import" in [s.title for s in doc.sections]
    assert_sections_exact(doc)
    assert "We agreed to deprecate the v1 import path." in doc.text
    for junk in ("wrote:", "Did the team decide", "Please share", "Glance PTL", "Jack Example", "-- "):
        assert junk not in doc.text


def test_mbox_gives_one_document_per_message():
    docs = read_fixture("two.mbox")
    assert [d.source for d in docs] == ["two.mbox#first@example.org", "two.mbox#second@example.org"]
    assert len({d.id for d in docs}) == 2
    first, second = docs
    assert first.metadata["author"] == "Ivy Example" and first.metadata["team"] == "glance"
    assert "From the notes: we agreed on the cache API." in first.text  # mboxrd >From unescaped
    assert second.metadata["author"] == "Jack Example" and second.metadata["date"] == "2023-10-31"
    assert second.text == "Thanks, I will review the cache spec."  # HTML body, quote removed


def test_mbox_without_message_ids_uses_positions():
    mbox = (b"From a@x Mon Oct 30 12:00:00 2023\nFrom: A <a@x>\nSubject: one\n\nFirst body.\n\n"
            b"From b@x Mon Oct 30 13:00:00 2023\nFrom: B <b@x>\nSubject: two\n\nSecond body.\n")
    docs = read_bytes("list.mbox", mbox)
    assert [d.source for d in docs] == ["list.mbox#1", "list.mbox#2"]
    assert [d.text for d in docs] == ["First body.", "Second body."]


# --------------------------------------------------------------------------- decoding and rejections


def test_utf16_with_bom_is_decoded(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("Kolla PTG\n\nWe agreed on ceph-ansible removal, naïve plan.\n".encode("utf-16"))
    doc = read_path(path, tmp_path)[0]
    assert doc.title == "Kolla PTG"
    assert "naïve plan" in doc.text


def test_cp1252_file_is_decoded(tmp_path):
    path = tmp_path / "notes.md"
    path.write_bytes("# Caf\u00e9 session\n\nWe didn\u2019t agree \u2013 yet.\n".encode("cp1252"))
    doc = read_path(path, tmp_path)[0]
    assert doc.title == "Café session"
    assert "We didn’t agree – yet." in doc.text


def test_binary_file_is_rejected_with_reason(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    with pytest.raises(RejectedInput, match=r"^binary file \(NUL bytes\)$"):
        read_path(path, tmp_path)
    assert pytest.raises(RejectedInput, decode_text, b"\x01\x02\x03\x04abc" * 50).match("control characters")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \n", "\ufeff\n".encode("utf-8")])
@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.rst", "empty.html", "empty.eml", "e.etherpad"])
def test_empty_or_whitespace_file_is_rejected(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RejectedInput, match="^empty document"):
        read_path(path, tmp_path)


def test_markup_without_text_is_an_empty_document():
    with pytest.raises(RejectedInput, match="^empty document"):
        read_bytes("nav.html", b"<html><body><nav>Home</nav><script>x()</script></body></html>")


def test_too_large_is_rejected_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("word " * 100)

    def no_read(*a, **k):
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(Path, "open", no_read)
    with pytest.raises(RejectedInput, match=r"^too large: 500 bytes > limit 100$"):
        read_path(path, tmp_path, max_bytes=100)


@pytest.mark.parametrize("name,reason", [
    ("governance/projects.yaml",
     "not a note (YAML; governance projects.yaml files go through `ptgkg import-governance`)"),
    ("photo.JPG", "not a note (image)"),
    ("notes.tar.gz", "not a note (archive)"),
    ("slides.pdf", "not a note (PDF)"),
])
def test_files_that_are_not_notes_are_rejected_with_reason(tmp_path, name, reason):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"teams:\n  kolla: {}\n")
    with pytest.raises(RejectedInput) as exc:
        read_path(path, tmp_path)
    assert str(exc.value) == reason


def test_missing_file_is_rejected(tmp_path):
    with pytest.raises(RejectedInput, match="no such file"):
        read_path(tmp_path / "nope.md", tmp_path)


def test_reader_choice_by_suffix_and_content():
    assert reader_for("a.rst", "").kind == "rst"
    assert reader_for("a.markdown", "").kind == "markdown"
    assert reader_for("a.htm", "").kind == "html"
    assert reader_for("a.eml", "").kind == "email"
    assert reader_for("a.txt", "<!DOCTYPE html><html><body>x</body></html>").kind == "html"
    assert reader_for("a.txt", "From kolla@x Mon Oct 30 12:00:00 2023\nFrom: a\n").kind == "email"
    assert reader_for("README", "plain words").kind == "text"
    assert {r.kind for r in READERS} == {"text", "markdown", "rst", "html", "etherpad", "email"}


# --------------------------------------------------------------------------- walking folders


def test_iter_input_files_sorted_recursive_skips_hidden_reports_non_notes(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.md").write_text("# Z\n\nz\n")
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.md").write_text("secret\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.md").write_text("ref\n")
    (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)  # a symlink loop
    files = [p.relative_to(tmp_path).as_posix() for p in iter_input_files([tmp_path])]
    assert files == ["a.txt", "b/z.md", "logo.png"]
    with pytest.raises(RejectedInput, match=r"not a note \(image\)"):
        read_path(tmp_path / "logo.png", tmp_path)


def test_iter_input_files_yields_given_files_once(tmp_path):
    f = tmp_path / "n.txt"
    f.write_text("x\n")
    assert list(iter_input_files([f, tmp_path, str(f)])) == [f]
    missing = tmp_path / "missing.md"
    assert list(iter_input_files([missing])) == [missing]  # reported later by read_path


def test_source_is_relative_to_root_else_absolute(tmp_path):
    f = tmp_path / "team" / "kolla.md"
    f.parent.mkdir()
    f.write_text("# Kolla\n\ntext\n")
    assert source_for(f, tmp_path) == "team/kolla.md"
    assert read_path(f, tmp_path)[0].source == "team/kolla.md"
    other = tmp_path.parent / "elsewhere"
    assert source_for(f, other) == f.resolve().as_posix() or source_for(f, other) == os.path.abspath(f)
    # the same note under another checkout keeps its id
    copy = tmp_path / "copy" / "team" / "kolla.md"
    copy.parent.mkdir(parents=True)
    copy.write_text(f.read_text())
    assert read_path(copy, tmp_path / "copy")[0].id == read_path(f, tmp_path)[0].id


# --------------------------------------------------------------------------- shared pieces


def test_text_builder_nests_sections_and_reranks_levels():
    b = TextBuilder()
    b.heading("Day 1", 2)
    b.line("a")
    b.heading("Topic", 4)
    b.paragraph("b  c")
    b.heading("Day 2", 2)
    b.line("d")
    doc = b.build("x.txt", "text", "")
    assert doc.title == "Day 1"
    assert [(s.title, s.level) for s in doc.sections] == [("Day 1", 1), ("Topic", 2), ("Day 2", 1)]
    assert body(doc, "Day 1") == "Day 1\n\na\n\nTopic\n\nb c"
    assert body(doc, "Day 2") == "Day 2\n\nd"


def test_plain_text_heading_rules():
    text = (b"Kolla notes\n\nHealth checks\n=============\n\nWe agreed on them.\n\nAgenda:\n"
            b"* one\n* two\n\nCEPH INTEGRATION\n\nNo change.\n")
    doc = read_bytes("k.txt", text)[0]
    assert [s.title for s in doc.sections] == ["Kolla notes", "Health checks", "CEPH INTEGRATION"]
    assert "Agenda:\n\none\ntwo" in doc.text  # a lone "Agenda:" line is not a heading in plain text
    assert_sections_exact(doc)


@pytest.mark.parametrize("value,expected", [
    ("2024-11-05T01:32:05.627Z", "2024-11-05"),
    ("2019-05-07 19:42:23 UTC+02:00", "2019-05-07"),
    ("Fri Apr  8 10:14:09 UTC 2022", "2022-04-08"),
    ("Tuesday, 16 April 2024", "2024-04-16"),
    ("2019-13-45", None),
    ("", None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["x.txt", "x.md", "x.rst", "x.html", "x.eml", "x.mbox", "x.etherpad", "x"]),
       data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.lists(st.sampled_from(["# h", "==", "* a (n)", "> q", "<div>", ".. x::", ":date: 1",
                                                "From: a", "", "text", "---", "`x <y>`_", "|a|b|"]),
                               max_size=30).map(lambda ls: "\n".join(ls).encode())))
def test_any_input_gives_documents_or_one_line_rejection(name, data):
    try:
        docs = read_bytes(name, data)
    except RejectedInput as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for doc in docs:
        assert doc.text.strip()
        assert_sections_exact(doc)


# --------------------------------------------------------------------------- real notes


@pytest.mark.realdata
def test_every_realdata_note_reads_cleanly(realdata):
    seen = 0
    for path in iter_input_files([realdata]):
        if path.suffix == ".yaml":
            with pytest.raises(RejectedInput, match=r"^not a note \(YAML; governance projects.yaml files go through"):
                read_path(path, realdata)
            continue
        if path.suffix not in (".rst", ".md", ".txt"):
            continue
        docs = read_path(path, realdata)
        seen += 1
        for doc in docs:
            assert doc.source == path.name
            assert len(doc.text) > 500, path.name
            assert doc.title and len(doc.sections) >= 1
            assert_sections_exact(doc)
            assert not URL.search(doc.text), (path.name, URL.search(doc.text))
            for junk in ("](", "{:", ":doc:", "`_", "<img", "<br"):
                assert junk not in doc.text, (path.name, junk)
            if path.suffix in (".md", ".rst") and path.name != "SOURCES.md":
                assert doc.metadata.get("date") or "specs" in path.name or "report-" in path.name, path.name
    assert seen >= 20


def test_markdown_in_a_txt_file_is_read_as_markdown():
    text = "# Kolla notes\n\nSee the [etherpad](https://etherpad.opendev.org/p/kolla) for details.\n"
    doc = read_bytes("notes.txt", text.encode())[0]
    assert doc.kind == "markdown"
    assert doc.text == "Kolla notes\n\nSee the etherpad for details."


@pytest.mark.parametrize("module", ["base", "text", "markdown", "rst", "html", "etherpad", "email", ""])
def test_docstring_examples_hold(module):
    import doctest
    import importlib

    mod = importlib.import_module("ptgkg.ingest.readers" + (f".{module}" if module else ""))
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_mail_heading_underlines_are_not_footers():
    """Plain-text PTG summaries underline their headings with dashes; the body goes on."""
    from ptgkg.ingest.readers.email import strip_quoted

    body = ("Summary of the week.\n\nDeploy steps\n" + "-" * 24 + "\nWe agreed to add deploy steps.\n\n"
            "Virtual media\n" + "-" * 24 + "\nArne volunteered.\n\n" + "_" * 30 + "\nlist footer\n")
    kept = strip_quoted(body)
    assert "We agreed to add deploy steps." in kept and "Arne volunteered." in kept
    assert "list footer" not in kept
