"""Person (``/person?name=Paul%20Bourke``): projects, topics, decisions assigned,
sessions attended, and the people met there."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ptgkg.dashboard.common import (LABEL_PAGE, cached, entity_link, md_escape, pick_entity, require_store,
                                    show_evidence, show_suggestions)

store = require_store()
name = pick_entity("Person", "a name or an IRC nick, e.g. Paul Bourke, mgoddard", "People",
                   "Pick someone to see their projects, topics, sessions and the decisions assigned to them.",
                   "top_people", 30)

node = cached("resolve", name, ("Person",))
if node is None:
    other = cached("resolve", name)
    st.title(md_escape(name))
    if other is not None and other.label in LABEL_PAGE:
        st.info(f"“{md_escape(other.name)}” is a {other.label.lower()}, not a person.")
        entity_link(other, text=f"Open the {other.label.lower()} page of {other.name}")
    else:
        st.warning(f"No person called “{md_escape(name)}” in the graph.")
    show_suggestions(store, name, wanted="Person")
    st.stop()

prof = cached("profile", node.id)
person = prof.node
st.title(md_escape(person.name))
facts = []
if person.props.get("irc"):
    facts.append(f"IRC: {person.props['irc']}")
if person.aliases:
    facts.append("also written " + ", ".join(sorted(set(person.aliases))[:6]))
if person.props.get("affiliation"):
    facts.append(str(person.props["affiliation"]))
if facts:
    st.caption(md_escape(" · ".join(facts)))

total = lambda key, shown: prof.totals.get(key, len(shown))  # noqa: E731  (lists are trimmed; totals are not)
metrics = [("Projects", total("projects", prof.projects)), ("Topics", total("topics", prof.topics)),
           ("Decisions assigned", total("decisions", prof.decisions)),
           ("Sessions", total("sessions", prof.sessions)), ("PTGs", total("events", prof.events))]
for col, (title, value) in zip(st.columns(len(metrics)), metrics):
    col.metric(title, value)

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Projects")
    if not prof.projects:
        st.caption("No projects recorded.")
    for inv in prof.projects:
        roles = f" ({', '.join(inv.roles)})" if inv.roles else ""
        entity_link(inv.node, text=f"{inv.node.name}{roles}",
                    caption=f"{inv.mentions} mention(s)" + (f" · {', '.join(inv.events[:3])}" if inv.events else ""))

    st.subheader("Topics")
    if not prof.topics:
        st.caption("No topics recorded.")
    for inv in prof.topics:
        with st.container(border=True):
            entity_link(inv.node, caption=" · ".join(x for x in [f"{inv.mentions} mention(s)", inv.last_date or "",
                                                                 ", ".join(inv.events[:3])] if x))
            show_evidence(inv.evidence, limit=1)

with right:
    st.subheader("Decisions assigned")
    if not prof.decisions:
        st.caption("No decisions assigned.")
    for d in prof.decisions:
        with st.container(border=True):
            st.markdown(f"**{md_escape(d.status)}**: {md_escape(d.text)}")
            st.caption(md_escape(" · ".join(x for x in [", ".join(d.events), ", ".join(d.sessions), d.date or "",
                                                        ", ".join(d.projects)] if x)))
            show_evidence(d.evidence, limit=1)

    st.subheader("Met in sessions")
    if not prof.collaborators:
        st.caption("Nobody else recorded in the same sessions.")
    for c in prof.collaborators[:20]:
        entity_link(c.partner, caption=" · ".join(x for x in [("on " + ", ".join(c.topics[:5])) if c.topics else "",
                                                              ", ".join(c.events[:3])] if x))

st.subheader("Sessions attended")
if prof.sessions:
    st.dataframe(pd.DataFrame([{"date": s.last_date or "", "session": s.node.name, "PTG": ", ".join(s.events[:2]),
                                "evidence": s.evidence[0].quote if s.evidence else ""} for s in prof.sessions]),
                 hide_index=True)
    if total("sessions", prof.sessions) > len(prof.sessions):
        st.caption(f"The newest {len(prof.sessions)} of {total('sessions', prof.sessions)} sessions.")
else:
    st.caption("No sessions recorded.")
