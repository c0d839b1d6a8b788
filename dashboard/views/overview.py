"""Overview (``/``): counts, the PTGs on a timeline, the most connected projects, people
and topics, and a search box across everything."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ptgkg.dashboard.common import cached, entity_link, page_file, require_store

st.title("Who discussed what at the PTGs")
st.caption("A knowledge graph of OpenStack Project Teams Gatherings, built from the notes people wrote.")

with st.form("search", border=False):
    col_q, col_go = st.columns([5, 1], vertical_alignment="bottom")
    q = col_q.text_input("Search names, aliases, decisions and quotes", placeholder="e.g. health checks, Kolla, eventlet")
    go = col_go.form_submit_button("Search", width="stretch")
if go and q.strip():
    st.switch_page(page_file("search"), query_params={"q": q.strip()})

require_store()
ov = cached("overview", limit=10)
nodes = ov.counts.get("nodes", {})
edges = ov.counts.get("edges", {})
metrics = [("PTGs", "Event"), ("Projects", "Project"), ("People", "Person"), ("Topics", "Topic"),
           ("Decisions", "Decision"), ("Sessions", "Session"), ("Notes", "Document")]
for col, (title, label) in zip(st.columns(len(metrics)), metrics):
    col.metric(title, f"{nodes.get(label, 0):,}")
st.caption(f"{sum(edges.values()):,} facts, each with the sentence it was read from.")

if not any(nodes.values()):
    st.info("The graph is empty. Ingest notes with `ptgkg ingest data/notes` or on the Ingest page.")
    st.stop()

st.subheader("PTGs covered")
events = pd.DataFrame([{"PTG": e.node.name, "cycle": str(e.node.props.get("cycle") or ""),
                        "location": str(e.node.props.get("location") or ""),
                        "start": e.start or "", "end": e.end or "",
                        "sessions": e.sessions, "notes": e.documents} for e in ov.events])
covered = events[(events["sessions"] > 0) | (events["notes"] > 0)] if len(events) else events
dated = covered[covered["start"] != ""].copy() if len(covered) else covered
if len(dated):
    dated["date"] = pd.to_datetime(dated["start"], errors="coerce")
    dated = dated.dropna(subset=["date"])
    top = max(1, int(dated["sessions"].max()))
    chart = (alt.Chart(dated).mark_circle(opacity=0.8, color="#2f6fdb")
             .encode(x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0),
                             scale=alt.Scale(padding=40)),
                     y=alt.Y("sessions:Q", title="sessions in the graph",
                             scale=alt.Scale(domain=[0, top * 1.25 + 1])),
                     size=alt.Size("notes:Q", title="notes", scale=alt.Scale(range=[80, 900]),
                                   legend=alt.Legend(format="d", tickMinStep=1)),
                     tooltip=["PTG", "cycle", "location", "start", "sessions", "notes"]))
    labels = chart.mark_text(dy=-16, fontSize=11, color="#444").encode(text="PTG:N", size=alt.value(11))
    st.altair_chart((chart + labels).properties(height=260), width="stretch")
if len(covered):
    st.dataframe(covered.sort_values("start", ascending=False), hide_index=True)
else:
    st.caption("No notes are tied to a PTG yet.")

st.subheader("Most connected")
for col, (title, items) in zip(st.columns(3), [("Projects", ov.top_projects), ("People", ov.top_people),
                                               ("Topics", ov.top_topics)]):
    with col:
        st.markdown(f"**{title}**")
        if not items:
            st.caption("none yet")
        for inv in items:
            entity_link(inv.node, text=f"{inv.node.name} · {inv.mentions} links")
