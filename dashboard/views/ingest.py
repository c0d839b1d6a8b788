"""Ingest (``/ingest``, only when ``PTGKG_DASHBOARD_ALLOW_INGEST`` is true): upload notes or
paste an etherpad export; they are written to a temporary folder and ingested by
:class:`ptgkg.pipeline.Ingestor` through the page's own writable store handle."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from ptgkg.dashboard.common import md_escape, settings, store_label
from ptgkg.graph.stores import StoreError, open_store

SUFFIXES = ["txt", "md", "markdown", "rst", "html", "htm", "xhtml", "eml", "mbox", "mbx", "etherpad"]

s = settings()
st.title("Add notes")
if not s.dashboard_allow_ingest:
    st.warning("Ingest is turned off for this dashboard (PTGKG_DASHBOARD_ALLOW_INGEST=false).")
    st.stop()
st.caption(f"Notes are added to the graph store {md_escape(store_label(s.store))}. Re-ingesting an unchanged "
           "note changes nothing; a changed note replaces its own facts.")


def safe_name(name: str, fallback: str) -> str:
    """A plain file name (no folders, no leading dots) that keeps the suffix readers go by.
    The name is the document's identity: uploading a note under the same name again
    replaces (or, unchanged, keeps) what it brought before."""
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name or "").name).strip(" .") or fallback
    return base[-120:]


def pasted_name(given: str, text: str) -> str:
    """The pasted pad's file name: the one given, else one made from its first line."""
    first = next((line for line in text.splitlines() if line.strip()), "pasted notes")
    name = safe_name(given, "") or (re.sub(r"[^a-z0-9]+", "-", first.lower()).strip("-")[:60] or "pasted-notes")
    return name if name.lower().endswith(tuple("." + x for x in SUFFIXES)) else name + ".etherpad.txt"


def unique(folder: Path, name: str) -> Path:
    target, n = folder / name, 2
    while target.exists():
        target, n = folder / f"{n}-{name}", n + 1
    return target


def event_names() -> list[str]:
    try:
        from ptgkg.ingest.gazetteer import Gazetteer

        return [e.name for e in Gazetteer.load(s).events]
    except Exception:  # the gazetteer is optional here: no hint list, ingest still works
        return []


with st.form("ingest", clear_on_submit=True):
    uploads = st.file_uploader("Note files", type=SUFFIXES, accept_multiple_files=True,
                               help="Etherpad text exports, Markdown, reStructuredText, HTML blog posts, .eml, .mbox. "
                                    f"Files over {s.max_file_bytes // 1_000_000} MB are rejected.")
    pasted = st.text_area("…or paste an etherpad export", height=180,
                          placeholder="Paste the text of an etherpad (File > Export > Plain text)")
    c1, c2 = st.columns(2)
    pad_name = c1.text_input("Name for the pasted notes (optional)", placeholder="e.g. kolla-epoxy-ptg.etherpad.txt",
                             help="Pasting under the same name again replaces those notes.")
    events = event_names()
    event = c2.selectbox("PTG, for notes that do not say", [""] + events, format_func=lambda x: x or "(read it from the notes)")
    submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload:")

if submitted:
    if not uploads and not pasted.strip():
        st.warning("Choose files or paste some notes first.")
        st.stop()
    with tempfile.TemporaryDirectory(prefix="ptgkg-upload-") as tmp:
        folder = Path(tmp)
        written: list[Path] = []
        for i, up in enumerate(uploads or []):
            target = unique(folder, safe_name(up.name, f"upload-{i}.txt"))
            target.write_bytes(up.getvalue())
            written.append(target)
        if pasted.strip():
            target = unique(folder, pasted_name(pad_name, pasted))
            target.write_text(pasted, encoding="utf-8")
            written.append(target)

        def shown(source: str) -> str:
            # the temp folder is an implementation detail: show the file's own name
            return source.replace(f"{folder}/", "")

        bar = st.progress(0.0, text="Loading the language model…")
        done = [0]

        def progress(source: str, outcome: str) -> None:
            done[0] += 1
            bar.progress(min(1.0, done[0] / max(1, len(written))), text=f"{outcome}: {md_escape(shown(source), 120)}")

        try:
            from ptgkg.pipeline import Ingestor

            with open_store(s.store, settings=s, read_only=False) as store:
                summary = Ingestor(store, s).run([folder], event=event or None, progress=progress)
        except StoreError as exc:
            st.error(f"Could not ingest: {md_escape(str(exc))}")
            st.stop()
        except Exception as exc:  # e.g. the language model is missing: one line, no traceback
            st.error(f"Could not ingest: {md_escape(f'{type(exc).__name__}: {exc}', 300)}")
            st.stop()
        bar.progress(1.0, text="Done")

    st.success(f"Ingested {len(summary.ingested)}, unchanged {len(summary.unchanged)}, "
               f"rejected {len(summary.rejected)}; nodes +{summary.nodes_added} −{summary.nodes_removed}, "
               f"facts +{summary.edges_added} −{summary.edges_removed}.")
    if summary.ingested:
        st.markdown("**Ingested:** " + md_escape(", ".join(shown(x) for x in summary.ingested)))
    if summary.unchanged:
        st.markdown("**Unchanged:** " + md_escape(", ".join(shown(x) for x in summary.unchanged)))
    if summary.rejected:
        st.markdown("**Rejected**")
        st.dataframe(pd.DataFrame([{"file": shown(r.source), "reason": r.reason.replace(f"{folder}/", "")}
                                   for r in summary.rejected]),
                     hide_index=True)
