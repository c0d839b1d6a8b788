"""Search (``/search?q=...``): names, aliases, decision text and quotes across the graph."""
from __future__ import annotations

from collections import defaultdict

import streamlit as st

from ptgkg.dashboard.common import (LABEL_PAGE, cached, entity_link, md_escape, page_file, param, require_store,
                                    set_param)

require_store()
st.title("Search")
q = st.text_input("Search names, aliases, decisions and quotes", value=param("q"),
                  placeholder="e.g. health checks, Kolla, eventlet")
set_param("q", q.strip())
if not q.strip():
    st.caption("Type a word or a name: projects, people, topics, decisions and the sentences in the notes.")
    st.stop()

hits = cached("search", q.strip(), limit=60)
if not hits:
    st.warning(f"Nothing matches “{md_escape(q)}”. Try a shorter word or another spelling.")
    st.stop()

st.caption(f"{len(hits)} match{'es' if len(hits) != 1 else ''}")
groups = defaultdict(list)
for h in hits:
    groups[h.node.label].append(h)
order = ["Project", "Person", "Topic", "Decision", "Event", "Session", "Document"]
for label in sorted(groups, key=lambda x: order.index(x) if x in order else 99):
    st.subheader({"Person": "People"}.get(label, label + "s"))
    for h in groups[label]:
        with st.container(border=True):
            node = h.node
            if label in LABEL_PAGE:
                entity_link(node)
            elif label == "Decision":
                st.markdown(f"**{md_escape(node.props.get('status') or 'open')}**: "
                            f"{md_escape(node.props.get('text') or node.name)}")
            elif label == "Event":
                st.page_link(page_file("decisions"), label=f"{md_escape(node.name)}: its decisions",
                             query_params={"event": node.name})
            else:
                title = node.props.get("title") or node.name
                st.markdown(f"**{md_escape(title, 160)}**")
            if h.snippet and h.snippet != node.name:
                st.caption(md_escape(h.snippet, 300))
