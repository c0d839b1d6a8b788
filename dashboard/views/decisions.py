"""Decisions (``/decisions?project=Kolla&topic=...``): the decision log, filterable by
project, topic, status and PTG, sortable, with open items that come back PTG after PTG
flagged as recurring, and a CSV download."""
from __future__ import annotations

import streamlit as st

from ptgkg.dashboard.common import cached, md_escape, param, require_store, set_param
from ptgkg.dashboard.decision_log import UNSETTLED, decision_rows, filter_decisions, to_csv
from ptgkg.graph.model import DECISION_STATUSES, slug
from ptgkg.graph.queries import NotFound

require_store()
st.title("Decision log")

# the table shows one quote per decision: the log asks for that one only (same decisions,
# same order, same first quote as the full answer), once per graph version
everything = cached("decisions", quotes=1)
projects = sorted({p for d in everything for p in d.projects}, key=str.casefold)
topics = sorted({t for d in everything for t in d.topics}, key=str.casefold)
events = list(dict.fromkeys(e for d in sorted(everything, key=lambda d: d.date or "") for e in d.events))


def pick(label: str, options: list[str], key: str, col) -> str:
    """A selectbox seeded from the URL; a value not in the graph is kept so it can be reported."""
    wanted = param(key)
    opts = [""] + options + ([wanted] if wanted and wanted not in options else [])
    value = col.selectbox(label, opts, index=opts.index(wanted) if wanted in opts else 0,
                          format_func=lambda x: x or "(all)", key=f"{key}-{wanted}")
    set_param(key, value)
    return value


c1, c2, c3, c4 = st.columns(4)
project = pick("Project", projects, "project", c1)
topic = pick("Topic", topics, "topic", c2)
statuses = c3.multiselect("Status", list(DECISION_STATUSES), placeholder="all statuses", default=[s for s in param("status").split(",")
                                                                          if s in DECISION_STATUSES])
set_param("status", ",".join(statuses))
chosen_events = c4.multiselect("PTG", events, placeholder="all PTGs", default=[e for e in [param("event")] if e in events])
set_param("event", chosen_events[0] if len(chosen_events) == 1 else "")
only_recurring = st.toggle("Only recurring open items", value=param("recurring") == "1")
set_param("recurring", "1" if only_recurring else "")

try:
    found = cached("decisions", project=project or None, topic=topic or None, quotes=1) if project or topic \
        else everything
except NotFound as exc:
    st.warning(md_escape(str(exc)))
    st.stop()

recurring = cached("recurring_items")  # of `everything`, once per graph version
shown = filter_decisions(found, statuses, chosen_events)
if only_recurring:
    shown = [d for d in shown if d.node.id in recurring]
frame = decision_rows(shown, recurring)

open_items = sum(1 for d in shown if d.status in UNSETTLED)
again = sum(1 for d in shown if d.node.id in recurring)
m1, m2, m3 = st.columns(3)
m1.metric("Decisions", len(shown))
m2.metric("Not settled (open, proposed, action)", open_items)
m3.metric("Recurring across PTGs", again)

if frame.empty:
    st.info("No decisions match these filters.")
    st.stop()

st.dataframe(
    frame, hide_index=True, height=min(700, 38 + 35 * len(frame)),
    column_config={
        "date": st.column_config.TextColumn("date", width="small"),
        "status": st.column_config.TextColumn("status", width="small"),
        "recurring": st.column_config.TextColumn("recurring", help="An unsettled item that came up at several PTGs"),
        "decision": st.column_config.TextColumn("decision", width="large"),
        "evidence": st.column_config.TextColumn("evidence quote", width="large"),
    })
st.caption("Click a column header to sort.")
st.download_button("Download CSV", data=to_csv(frame), file_name=slug(" ".join(["decisions", project, topic])) + ".csv", mime="text/csv",
                   icon=":material/download:", on_click="ignore")
