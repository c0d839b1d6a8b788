"""Decisions (``/decisions?project=Kolla&topic=...``): the decision log, filterable by
project, topic, status and PTG, sortable, with open items that come back PTG after PTG
flagged as recurring, and a CSV download."""
from __future__ import annotations

from functools import partial

import streamlit as st

from ptgkg.dashboard.common import cached, md_escape, param, require_store, set_param, settings, store_generation
from ptgkg.dashboard.decision_log import Choices, Table, choices, table, to_csv
from ptgkg.graph.model import DECISION_STATUSES, slug
from ptgkg.graph.queries import NotFound


@st.cache_resource(show_spinner=False, max_entries=8)
def log_choices(location: str, generation: str, _log) -> Choices:
    """The filters' options, once per graph version (the log has tens of thousands of rows)."""
    return choices(_log)


@st.cache_resource(show_spinner=False, max_entries=64)
def log_table(location: str, generation: str, project: str, topic: str, statuses: tuple[str, ...],
              events: tuple[str, ...], only_recurring: bool, _found, _recurring) -> Table:
    """The table and its counts, once per graph version and filter: the unfiltered log of a
    large graph is tens of thousands of rows (shared by every session: read-only)."""
    return table(_found, _recurring, statuses, events, only_recurring)


require_store()
st.title("Decision log")

# every decision as a plain table row with its first quote (same decisions, same order as
# queries.decisions), once per graph version; shared with the collaboration network
everything = cached("decision_log")
where, generation = settings().store, store_generation()
offered = log_choices(where, generation, everything)
projects, topics, events = offered.projects, offered.topics, offered.events


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
    found = cached("decision_log", project=project or None, topic=topic or None) if project or topic \
        else everything
except NotFound as exc:
    st.warning(md_escape(str(exc)))
    st.stop()

recurring = cached("recurring_items")  # of `everything`, once per graph version
shown = log_table(where, generation, project, topic, tuple(statuses), tuple(chosen_events), only_recurring,
                  found, recurring)
frame = shown.frame

m1, m2, m3 = st.columns(3)
m1.metric("Decisions", shown.decisions)
m2.metric("Not settled (open, proposed, action)", shown.unsettled)
m3.metric("Recurring across PTGs", shown.recurring)

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
# the file is made when the button is clicked, not on every run (a large log: 7 MB of CSV)
st.download_button("Download CSV", data=partial(to_csv, frame), file_name=slug(" ".join(["decisions", project, topic])) + ".csv", mime="text/csv",
                   icon=":material/download:", on_click="ignore")
