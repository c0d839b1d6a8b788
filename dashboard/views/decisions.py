"""Decisions (``/decisions?project=Kolla&topic=...``): the decision log, filterable by
project, topic, status and PTG, a page of rows at a time (newest first, ``&page=N``),
with open items that come back PTG after PTG flagged as recurring, and a CSV download
of every decision the filters match.

A page reads only what its rows need: the filters' options come from the graph's node
lists, the counts from the decisions' nodes, and the "recurring" flags from the
decisions about the rows' topics; the whole log of the filters is read only for the
"only recurring" filter and the CSV (when the button is clicked)."""
from __future__ import annotations

import math

import streamlit as st

from ptgkg.dashboard.common import _cached_call, cached, md_escape, param, require_store, set_param, settings, store_generation
from ptgkg.dashboard.decision_log import UNSETTLED, Table, page_table, table, to_csv
from ptgkg.graph.model import DECISION_STATUSES, slug
from ptgkg.graph.queries import DECISION_PAGE, NotFound

require_store()
st.title("Decision log")

offered = cached("log_options")  # every project, topic and PTG, from node lists
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
# a PTG a link names is kept even when no note names it that way (it then matches nothing)
linked_event = param("event")
event_options = events + ([linked_event] if linked_event and linked_event not in events else [])
chosen_events = c4.multiselect("PTG", event_options, placeholder="all PTGs", default=[linked_event] if linked_event else [])
set_param("event", chosen_events[0] if len(chosen_events) == 1 else "")
only_recurring = st.toggle("Only recurring open items", value=param("recurring") == "1")
set_param("recurring", "1" if only_recurring else "")

where, generation = settings().store, store_generation()
choice = {"project": project or None, "topic": topic or None}


def whole_table() -> Table:
    """Every decision the filters match, with its "recurring" column (read in full: for the
    "only recurring" filter, and the CSV when it is downloaded)."""
    rows = _cached_call("decision_log", where, generation, (), tuple(sorted(choice.items())))
    recurring = _cached_call("log_recurring", where, generation, (), tuple(sorted(choice.items())))
    return table(rows, recurring, statuses, chosen_events, only_recurring)


def page_of(number: int) -> tuple[Table, int]:
    """(page ``number`` as a table, how many pages the filtered log has)."""
    if only_recurring:  # which items recur is known only once every match is read
        whole = whole_table()
        shown = Table(whole.frame.iloc[(number - 1) * DECISION_PAGE:number * DECISION_PAGE].reset_index(drop=True),
                      whole.decisions, whole.unsettled, whole.recurring)
    else:
        page = cached("decision_log_page", **choice, statuses=tuple(statuses), events=tuple(chosen_events),
                      offset=(number - 1) * DECISION_PAGE, limit=DECISION_PAGE)
        unsettled = tuple(d.id for d in page.rows if d.status in UNSETTLED)
        shown = page_table(page, cached("page_recurring", unsettled))
    return shown, max(1, math.ceil(shown.decisions / DECISION_PAGE))


# the page box's own value once it was used, else the link's ``page`` (a new box per filter)
page_key = f"page-{project}-{topic}-{statuses}-{chosen_events}-{only_recurring}"
try:
    wanted_page = int(st.session_state.get(page_key) or param("page", "1") or 1)
except ValueError:
    wanted_page = 1
try:
    shown, pages = page_of(max(1, wanted_page))
    if wanted_page > pages:  # a link to a page the filters no longer have: their last
        wanted_page = pages
        shown, pages = page_of(pages)
except NotFound as exc:
    st.warning(md_escape(str(exc)))
    st.stop()
frame = shown.frame

m1, m2, m3 = st.columns(3)
m1.metric("Decisions", f"{shown.decisions:,}")
m2.metric("Not settled (open, proposed, action)", f"{shown.unsettled:,}")
if only_recurring:
    m3.metric("Recurring across PTGs", f"{shown.recurring:,}")
else:
    m3.metric("Recurring across PTGs, this page", f"{shown.recurring:,}",
              help="Unsettled items on this page that came up at several PTGs; "
                   "turn on “Only recurring open items” to list all of them.")

if frame.empty:
    st.info("No decisions match these filters.")
    st.stop()

first = (min(wanted_page, pages) - 1) * DECISION_PAGE
st.caption(f"Decisions {first + 1:,} to {first + len(frame):,} of {shown.decisions:,}, newest first.")
st.dataframe(
    frame, hide_index=True, height=min(700, 38 + 35 * len(frame)),
    column_config={
        "date": st.column_config.TextColumn("date", width="small"),
        "status": st.column_config.TextColumn("status", width="small"),
        "recurring": st.column_config.TextColumn("recurring", help="An unsettled item that came up at several PTGs"),
        "decision": st.column_config.TextColumn("decision", width="large"),
        "evidence": st.column_config.TextColumn("evidence quote", width="large"),
    })
p1, p2 = st.columns([1, 3])
number = p1.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=min(wanted_page, pages), step=1,
                         key=page_key)
set_param("page", str(number) if number > 1 else "")
p2.caption("Click a column header to sort this page. The CSV holds every decision these filters match.")


def csv_of_every_match() -> bytes:
    return to_csv(whole_table().frame)


# the file is made when the button is clicked, not on every run (a large log: 7 MB of CSV)
st.download_button("Download CSV", data=csv_of_every_match, file_name=slug(" ".join(["decisions", project, topic])) + ".csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore")
