"""The ptgkg dashboard: ``ptgkg dashboard`` runs ``streamlit run`` on this file.

Every view has its own URL so a link can be pasted into IRC or a mail
(``/project?name=Kolla``, ``/person?name=Paul%20Bourke``, ``/topic?name=health%20checks``,
``/decisions?project=Kolla``, ``/search?q=...``). The store comes from
``PTGKG_STORE`` (or ``st.secrets``); the Ingest page exists only when
``PTGKG_DASHBOARD_ALLOW_INGEST`` is true.
"""
from __future__ import annotations

import streamlit as st

from ptgkg.dashboard.common import md_escape, settings, store_label

st.set_page_config(page_title="ptgkg: who discussed what at the PTGs", page_icon=":material/hub:",
                   layout="wide")

_s = settings()
explore = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("views/search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page("views/topic.py", title="Topic", icon=":material/forum:", url_path="topic"),
    st.Page("views/project.py", title="Project", icon=":material/groups:", url_path="project"),
    st.Page("views/person.py", title="Person", icon=":material/person:", url_path="person"),
]
across = [
    st.Page("views/collaboration.py", title="Collaboration", icon=":material/share:", url_path="collaboration"),
    st.Page("views/decisions.py", title="Decisions", icon=":material/gavel:", url_path="decisions"),
]
sections = {"Explore": explore, "Across projects": across}
if _s.dashboard_allow_ingest:
    sections["Data"] = [st.Page("views/ingest.py", title="Ingest", icon=":material/upload_file:", url_path="ingest")]

page = st.navigation(sections)
with st.sidebar:
    st.caption(f"Graph store: {md_escape(store_label(_s.store))}")
page.run()
