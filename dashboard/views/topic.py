"""Topic (``/topic?name=health%20checks``): who discussed it, ranked by recency-weighted
involvement with sessions, dates and quotes; how it moved across PTGs; decisions about
it; related topics."""
from __future__ import annotations

from collections import defaultdict

import altair as alt
import pandas as pd
import streamlit as st

from ptgkg.dashboard.common import (cached, entity_link, md_escape, page_file, pick_entity, require_store,
                                    show_evidence, show_suggestions)

store = require_store()
name = pick_entity("Topic", "e.g. health checks, eventlet removal, upgrades", "Topics",
                   "Pick a topic to see who discussed it, when, and what was decided.",
                   "top_topics", 25)

answer = cached("who_discussed", name, limit=30)
if answer is None:
    st.title(md_escape(name))
    st.warning(f"No topic called “{md_escape(name)}” in the graph.")
    show_suggestions(store, name, wanted="Topic")
    st.stop()

topic = answer.topic
st.title(md_escape(topic.name))
if topic.aliases:
    st.caption("Also written as: " + md_escape(", ".join(sorted(set(topic.aliases))[:12])))

st.subheader("Who discussed it")
st.caption("Ranked by recency-weighted involvement: recent mentions count more, so the top is who to ask now.")


def ranking(title: str, items) -> None:
    st.markdown(f"**{title}**")
    if not items:
        st.caption("none recorded")
    for i, inv in enumerate(items):
        if i == 8:
            with st.expander(f"{len(items) - 8} more"):
                for rest in items[8:]:
                    entity_link(rest.node, text=f"{rest.node.name} · {rest.mentions} mention(s)")
            break
        with st.container(border=True):
            facts = [f"{inv.mentions} mention{'s' if inv.mentions != 1 else ''}",
                     f"last {inv.last_date}" if inv.last_date else "undated",
                     ", ".join(inv.events[:3])]
            if inv.sessions:
                facts.append("sessions: " + "; ".join(inv.sessions[:3]))
            entity_link(inv.node, caption=" · ".join(f for f in facts if f))
            show_evidence(inv.evidence, limit=1)


col_people, col_projects = st.columns(2)
with col_people:
    ranking("People", answer.people)
with col_projects:
    ranking("Projects", answer.projects)

st.subheader("Across PTGs")
per_event: dict[str, dict] = defaultdict(lambda: {"date": "", "mentions": 0, "who": set(), "sessions": set()})
for inv in answer.people + answer.projects:
    for ev in inv.evidence:
        key = ev.event or "(no PTG named)"
        row = per_event[key]
        row["mentions"] += 1
        row["who"].add(inv.node.name)
        row["date"] = min(filter(None, [row["date"], ev.date or ""]), default="")
        if ev.session:
            row["sessions"].add(ev.session)
for s in answer.sessions:
    for e in s.events[:1] or ["(no PTG named)"]:
        per_event[e]["sessions"].add(s.node.name)
        if s.last_date and not per_event[e]["date"]:
            per_event[e]["date"] = s.last_date
timeline = pd.DataFrame([{"PTG": e, "first mention": r["date"], "mentions": r["mentions"],
                          "sessions": len(r["sessions"]), "who": ", ".join(sorted(r["who"]))}
                         for e, r in per_event.items()])
if len(timeline):
    timeline = timeline.sort_values("first mention")
    order = list(timeline["PTG"])
    chart = alt.Chart(timeline).mark_bar(color="#2f6fdb").encode(
        x=alt.X("PTG:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("mentions:Q", title="mentions"),
        tooltip=["PTG", "first mention", "mentions", "sessions", "who"])
    st.altair_chart(chart.properties(height=200), width="stretch")
    st.dataframe(timeline, hide_index=True)
else:
    st.caption("No dated mentions yet.")

st.subheader("Decisions")
if answer.decisions:
    st.dataframe(pd.DataFrame([{"date": d.date or "", "status": d.status, "decision": d.text,
                                "owners": ", ".join(d.owners), "projects": ", ".join(d.projects),
                                "PTG": ", ".join(d.events)} for d in answer.decisions]), hide_index=True)
    if answer.totals.get("decisions", 0) > len(answer.decisions):
        st.caption(f"The newest {len(answer.decisions)} of {answer.totals['decisions']} decisions.")
    st.page_link(page_file("decisions"), label="Open these in the decision log", icon=":material/gavel:",
                 query_params={"topic": topic.name})
else:
    st.caption("No decisions recorded about this topic.")

st.subheader("Related topics")
if answer.related_topics:
    st.caption("Covered in the same sessions.")
    cols = st.columns(3)
    for i, inv in enumerate(answer.related_topics[:15]):
        with cols[i % 3]:
            entity_link(inv.node, text=f"{inv.node.name} · {int(inv.score)} shared session(s)")
else:
    st.caption("No related topics recorded.")
