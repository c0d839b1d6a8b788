"""The ingest flow as a whole: resuming and parallel runs build the same graph."""
from __future__ import annotations

import json
from pathlib import Path

from ptgkg.graph.export import export_json
from ptgkg.graph.stores.embedded import EmbeddedStore
from ptgkg.ingest.readers import iter_input_files
from ptgkg.pipeline import Ingestor
from tests.conftest import DATA


def _export(path) -> str:
    with EmbeddedStore(path) as store:
        return json.dumps(export_json(store), sort_keys=True)


def test_a_run_resumed_after_a_kill_builds_the_same_graph(tmp_path):
    files = sorted(iter_input_files([DATA / "notes"]))
    with EmbeddedStore(tmp_path / "clean") as store:
        Ingestor(store).run([DATA / "notes"])
    # the killed run had committed the first documents only; the rerun skips them
    with EmbeddedStore(tmp_path / "resumed") as store:
        Ingestor(store).run(files[:3])
        summary = Ingestor(store).run([DATA / "notes"])
    assert len(summary.unchanged) == 3
    assert _export(tmp_path / "resumed") == _export(tmp_path / "clean")


def test_two_workers_build_the_same_graph_as_one(tmp_path):
    with EmbeddedStore(tmp_path / "one") as store:
        Ingestor(store, workers=1).run([DATA / "notes"])
    with EmbeddedStore(tmp_path / "two") as store:
        summary = Ingestor(store, workers=2).run([DATA / "notes"])
    assert len(summary.ingested) >= 8
    assert _export(tmp_path / "two") == _export(tmp_path / "one")


def test_the_sample_notes_export_the_same_graph_from_every_store(store_factory, tmp_path):
    """Issue 4's check: data/notes ingested into a Bolt store and into the embedded store
    give identical nodes and edges (compared label by label and type by type)."""
    from collections import Counter

    store = store_factory()
    Ingestor(store).run([DATA / "notes"])
    got = export_json(store)
    with EmbeddedStore(tmp_path / "reference") as reference:
        Ingestor(reference).run([DATA / "notes"])
        want = export_json(reference)
    assert Counter(n["label"] for n in got["nodes"]) == Counter(n["label"] for n in want["nodes"])
    assert Counter(e["type"] for e in got["edges"]) == Counter(e["type"] for e in want["edges"])
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


# Three small notes in the shape of real PTG recaps: two people share the first name
# "Omar" and two share the nick "esato"; each is named in full (with the short form
# beside it) in an early note, and only by the short form in a later one.
_SHARED_NAME_NOTES = {
    "01-nova.md": """---
title: "Zed PTG summary: Nova"
date: 2022-04-08
author: Omar Wong
---

# Zed PTG summary: Nova

## live migration

Omar Wong (owong) volunteered to write the spec for live migration with vGPUs.
Omar proposed to keep the old code path until the job is green for two weeks; nobody objected.
Eva Sato (esato) asked who reviews the libvirt changes, and Eva will review them herself.
""",
    "02-cinder.md": """---
title: "Zed PTG summary: Cinder"
date: 2022-04-09
author: Omar Eriksen
---

# Zed PTG summary: Cinder

## volume attach

Omar Eriksen (oeriksen) volunteered to fix volume attach for multipath devices.
Omar proposed to backport the fix to Yoga; nobody objected.
Ethan Sato (esato) walked through the NVMe-oF driver, and Ethan will post the first patch.
""",
    "03-neutron.md": """---
title: "Zed PTG summary: Neutron"
date: 2022-04-10
author: Lara Ito
---

# Zed PTG summary: Neutron

## OVN migration

Lara Ito (lito) presented the OVN migration plan for the gate jobs.
Omar proposed to run the migration job in the periodic pipeline first.
esato wants the NVMe-oF job to run on OVN too.

Action items
- ACTION: esato to draft the periodic OVN job
- ACTION: Omar to review the migration plan
- ACTION: owong to help with the gate job
""",
}


def test_a_resumed_run_resolves_shared_first_names_and_nicks_like_a_clean_one(tmp_path):
    """People met by full name in notes committed before a kill are found again by first
    name or nick in later notes exactly as in a run that was never interrupted, also when
    two people share that first name or nick."""
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in _SHARED_NAME_NOTES.items():
        (notes / name).write_text(text)
    files = sorted(notes.iterdir())
    with EmbeddedStore(tmp_path / "clean") as store:
        Ingestor(store).run(files)
    for k in (1, 2):
        with EmbeddedStore(tmp_path / f"resumed-{k}") as store:
            Ingestor(store).run(files[:k])
            summary = Ingestor(store).run(files)
        assert (len(summary.unchanged), len(summary.ingested)) == (k, len(files) - k)
        assert _export(tmp_path / f"resumed-{k}") == _export(tmp_path / "clean"), f"resumed after {k}"
    with EmbeddedStore(tmp_path / "clean") as store:
        people = {n.name for n in store.export().nodes if n.label == "Person"}
    assert {"Omar Wong", "Omar Eriksen", "Eva Sato", "Ethan Sato", "Lara Ito"} <= people


def test_a_note_edited_since_the_last_run_resolves_later_notes_like_a_resumed_run(tmp_path):
    """A rerun over an edited note forgets the names only its old version gave: the note
    that no longer calls Omar Wong "Omar" leaves "Omar" to Omar Eriksen, in one run as in
    a run killed right after the edited note was committed."""
    notes = tmp_path / "notes"
    notes.mkdir()
    nova, cinder = (notes / n for n in ("01-nova.md", "02-cinder.md"))
    nova.write_text(_SHARED_NAME_NOTES["01-nova.md"])
    cinder.write_text(_SHARED_NAME_NOTES["02-cinder.md"])
    for name in ("one-run", "resumed"):
        with EmbeddedStore(tmp_path / name) as store:
            Ingestor(store).run([nova, cinder])
    nova.write_text(_SHARED_NAME_NOTES["01-nova.md"].replace(
        "Omar proposed to keep the old code path", "Omar Wong (owong) proposed to keep the old code path"))
    (notes / "03-neutron.md").write_text(_SHARED_NAME_NOTES["03-neutron.md"])
    with EmbeddedStore(tmp_path / "one-run") as store:
        summary = Ingestor(store).run([notes])
        assert summary.ingested == [str(nova), str(notes / "03-neutron.md")]
        omar = next(e for e in store.export().edges
                    if e.type == "ASSIGNED_TO" and "Omar to review" in e.evidence[0].quote)
        assert omar.target == "person:omar-eriksen"
    with EmbeddedStore(tmp_path / "resumed") as store:
        Ingestor(store).run([nova])
        Ingestor(store).run([notes])
    assert _export(tmp_path / "resumed") == _export(tmp_path / "one-run")


def test_a_folders_readme_and_sources_index_are_not_ingested_as_notes(tmp_path):
    """A folder of notes often keeps an index of where they came from (realdata's
    SOURCES.md is a table of files): walking the folder leaves it out with a reason;
    given by path, it is read like any note."""
    from ptgkg.config import get_settings
    from ptgkg.ingest.document import Document
    from ptgkg.pipeline import Rejected, read_inputs

    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "SOURCES.md").write_text("| file | origin |\n|---|---|\n| kolla.md | etherpad |\n")
    (folder / "README.rst").write_text("Notes\n=====\n\nPTG notes we keep.\n")
    (folder / "kolla-readme-cleanup.md").write_text("# Kolla PTG\n\nWe agreed to rewrite the README.\n")
    got = list(read_inputs([folder], get_settings()))
    assert [Path(d.source).name for d in got if isinstance(d, Document)] == ["kolla-readme-cleanup.md"]
    reasons = {Path(r.source).name: r.reason for r in got if isinstance(r, Rejected)}
    assert set(reasons) == {"SOURCES.md", "README.rst"}
    assert all(r.startswith("not a note (the folder's") for r in reasons.values())
    [direct] = list(read_inputs([folder / "SOURCES.md"], get_settings()))
    assert isinstance(direct, Document)
