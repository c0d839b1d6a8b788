"""Project (``/project?name=Kolla``): the onboarding view. What it works on (topics by PTG),
key people, decision log, collaborators and on what (with quotes), notes to read first,
and all of it as a Markdown brief to download."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ptgkg.dashboard.brief import project_brief, topics_by_event
from ptgkg.dashboard.common import (LABEL_PAGE, cached, entity_link, md_escape, page_file, pick_entity,
                                    require_store, show_evidence, show_suggestions)
from ptgkg.graph.model import slug

store = require_store()
name = pick_entity("Project", "e.g. Kolla, Nova, Neutron", "Projects",
                   "Pick a project for its onboarding view: who to talk to, what it works on, what was decided.",
                   "top_projects", 30)

prof = cached("profile", name)
if prof is not None and prof.label != "Project":
    # the name is someone or something else: say so and link there
    target = LABEL_PAGE.get(prof.label)
    st.title(md_escape(name))
    st.info(f"“{md_escape(prof.node.name)}” is a {prof.label.lower()}, not a project.")
    if target:
        entity_link(prof.node, text=f"Open the {prof.label.lower()} page of {prof.node.name}")
    show_suggestions(store, name, wanted="Project")
    st.stop()
if prof is None:
    st.title(md_escape(name))
    st.warning(f"No project called “{md_escape(name)}” in the graph.")
    show_suggestions(store, name, wanted="Project")
    st.stop()

node = prof.node
head, download = st.columns([3, 1], vertical_alignment="bottom")
head.title(md_escape(node.name))
download.download_button("Download brief (Markdown)", data=project_brief(prof).encode("utf-8"),
                         file_name=f"{slug(node.name)}-brief.md", mime="text/markdown",
                         icon=":material/download:", on_click="ignore")
facts = [prof.kind or "project"]
if node.aliases:
    facts.append("also called " + ", ".join(sorted(set(node.aliases))[:6]))
st.caption(md_escape(" · ".join(facts)))
about = node.props.get("description") or node.props.get("mission")
if about:
    st.markdown(md_escape(about))

total = lambda key, shown: prof.totals.get(key, len(shown))  # noqa: E731  (lists are trimmed; totals are not)
metrics = [("Topics", total("topics", prof.topics)), ("People", total("people", prof.people)),
           ("Decisions", total("decisions", prof.decisions)),
           ("Works with", total("collaborators", prof.collaborators)), ("PTGs", total("events", prof.events))]
for col, (title, value) in zip(st.columns(len(metrics)), metrics):
    col.metric(title, value)

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("What it works on")
    grouped = topics_by_event(prof)
    if not grouped:
        st.caption("No topics recorded yet.")
    for event, topics in grouped.items():
        st.markdown(f"**{md_escape(event)}**")
        cols = st.columns(2)
        for i, inv in enumerate(topics[:20]):
            with cols[i % 2]:
                entity_link(inv.node)

    st.subheader("Works with")
    if not prof.collaborators:
        st.caption("No collaborations recorded yet.")
    for c in prof.collaborators:
        with st.container(border=True):
            entity_link(c.partner)
            on = ", ".join(c.topics[:8]) or "unnamed topics"
            st.caption(md_escape(f"on {on}" + (f" · {', '.join(c.events)}" if c.events else "")))
            show_evidence(c.evidence, limit=2)

with right:
    st.subheader("Key people")
    if not prof.people:
        st.caption("No people recorded yet.")
    for inv in prof.people[:12]:
        roles = f" ({', '.join(inv.roles)})" if inv.roles else ""
        entity_link(inv.node, text=f"{inv.node.name}{roles}",
                    caption=f"{inv.mentions} mention(s)" + (f", last {inv.last_date}" if inv.last_date else "")
                    + (f" · {', '.join(inv.events[:2])}" if inv.events else ""))

    st.subheader("Notes to read first")
    if not prof.documents:
        st.caption("No notes recorded yet.")
    for doc in prof.documents[:8]:
        title = doc.node.props.get("title") or doc.node.name
        source = str(doc.node.props.get("source") or doc.node.props.get("url") or "")
        with st.container(gap=None):
            st.markdown(f"**{md_escape(title, 120)}**")
            st.caption(md_escape(" · ".join(x for x in [source, str(doc.node.props.get("date") or ""),
                                                           f"{doc.mentions} mention(s)"] if x)))

st.subheader("Decision log")
if prof.decisions:
    st.dataframe(pd.DataFrame([{"date": d.date or "", "status": d.status, "decision": d.text,
                                "owners": ", ".join(d.owners), "topics": ", ".join(d.topics),
                                "PTG": ", ".join(d.events),
                                "evidence": d.evidence[0].quote if d.evidence else ""}
                               for d in prof.decisions]), hide_index=True)
    if total("decisions", prof.decisions) > len(prof.decisions):
        st.caption(f"The newest {len(prof.decisions)} of {total('decisions', prof.decisions)} decisions.")
    st.page_link(page_file("decisions"), label=f"Open the decision log filtered to {md_escape(node.name)}",
                 icon=":material/gavel:", query_params={"project": node.name})
else:
    st.caption("No decisions recorded yet.")
