"""Collaboration (``/collaboration``): the project-to-project network. Nodes are sized by
activity and coloured by community, links weighted by shared topics and decisions;
clicking a node or a link shows its evidence. Filters by PTG and project kind,
centrality, communities, and a shortest path between any two entities."""
from __future__ import annotations

import warnings

import pandas as pd
import streamlit as st
from st_link_analysis import EdgeStyle, Event, NodeStyle, st_link_analysis

from ptgkg.dashboard.common import (cached, entity_link, md_escape, one_line, param, require_store, set_param,
                                    settings, show_evidence, store_generation)
from ptgkg.dashboard import network
from ptgkg.dashboard.network import analyse, community_palette, cytoscape_elements, filter_network, to_networkx


class _DataStyle:
    """A raw Cytoscape style rule (the component's NodeStyle/EdgeStyle cannot map sizes)."""

    def __init__(self, selector: str, style: dict) -> None:
        self.selector, self.style = selector, style

    def dump(self) -> dict:
        return {"selector": self.selector, "style": self.style}


require_store()
st.title("How projects work together")
st.caption("Projects are linked when the notes say they work together or a decision involves both. "
           "Bigger nodes are more active projects; thicker links share more topics and decisions. "
           "Click a node or a link to see the evidence.")

net = cached("collaboration_network")
by_label = {e.label: e.name for e in net.events}
f1, f2, f3 = st.columns([3, 2, 1])
picked = f1.multiselect("PTG", list(by_label), placeholder="all PTGs",
                        default=[e.label for e in net.events if e.name == param("event")])
kinds = f2.multiselect("Project kind", net.kinds, placeholder="all kinds")
min_weight = f3.number_input("Min. link weight", min_value=1, max_value=50, value=1, step=1)
chosen = [by_label[x] for x in picked]
set_param("event", chosen[0] if len(chosen) == 1 else "")


FOCUS_PARTNERS = 25  # links explained under a focused project


@st.cache_resource(show_spinner=False, max_entries=64)
def network_view(location: str, generation: str, events: tuple[str, ...], kinds: tuple[str, ...],
                 min_weight: int, drawn: int, _net, _decision_events, _whole_analytics):
    """The filtered network, its communities and centralities, and the drawing's elements,
    computed once per graph version and filter (Louvain and betweenness are the slow part;
    ``_whole_analytics``: the unfiltered network's, when materialized)."""
    sub = filter_network(_net, list(events) or None, list(kinds) or None, min_weight, _decision_events)
    unfiltered = not events and not kinds and min_weight <= 1
    analytics = _whole_analytics if unfiltered and _whole_analytics is not None else analyse(to_networkx(sub))
    return sub, analytics, cytoscape_elements(sub, analytics, drawn), focus_choices(sub)


def focus_choices(sub) -> dict[str, str]:
    """What the evidence box can explain, option -> label, in the box's order: every linked
    project (most active first), then every link (strongest first). Kept with the network:
    a dense one has tens of thousands of links."""
    names = {pid: one_line(sub.projects[pid].name) for pid in sub.linked()}
    choices = {f"node:{pid}": name for pid, name in names.items()}
    for (a, b), _ in sorted(sub.pairs.items(), key=lambda kv: -kv[1].weight):
        choices[f"pair:{a}|{b}"] = f"{names[a]} ↔ {names[b]}"
    return choices


def newest_first(ids, quotes: int | None = None):
    """The views of these decisions (status, text, events, date, ``quotes`` quotes each;
    None: as many as a decision view shows), newest first: read for what is shown only."""
    return cached("decision_views", tuple(sorted(set(ids))), quotes=quotes) if ids else []


# each decision's events only to filter by PTG: they mean reading every decision's quotes
sub, analytics, elements, choices = network_view(settings().store, store_generation(), tuple(chosen), tuple(kinds),
                                                 int(min_weight), network.DRAWN_LINKS, net,
                                                 cached("decision_events") if chosen else None,
                                                 cached("network_analytics"))
if not sub.pairs:
    st.info("No collaborations recorded" + (" for these filters." if picked or kinds or min_weight > 1 else " yet."))
else:
    node_styles = [NodeStyle(f"community {i + 1}", color=community_palette(i), caption="name")
                   for i in range(len(analytics.communities))]
    node_styles.append(_DataStyle("node", {"width": "data(size)", "height": "data(size)", "font-size": 11}))
    with warnings.catch_warnings():  # st-link-analysis 0.4 warns about `labeled` even when unused
        warnings.simplefilter("ignore", DeprecationWarning)
        link_style = EdgeStyle("COLLABORATES_WITH", color="#9aa5b1")
    edge_styles = [link_style, _DataStyle("edge", {"width": "data(width)", "opacity": 0.8})]
    if len(elements["edges"]) < len(sub.pairs):
        st.caption(f"The drawing shows the {len(elements['edges']):,} strongest of {len(sub.pairs):,} links "
                   f"(the weakest drawn has weight {min(e['data']['weight'] for e in elements['edges'])}). Raise "
                   "the minimum link weight, or pick PTGs or kinds, to draw others; the evidence box and the "
                   "table below cover every link.")
    clicked = st_link_analysis(elements, layout="cose", node_styles=node_styles, edge_styles=edge_styles,
                               height=520, key="collaboration-network",
                               events=[Event("node", "tap", "node"), Event("edge", "tap", "edge")])

    # what to explain: the last click, else whatever the selectbox says
    options = list(choices)
    if isinstance(clicked, dict) and clicked.get("timestamp") != st.session_state.get("network-click"):
        st.session_state["network-click"] = clicked.get("timestamp")
        target = (clicked.get("data") or {}).get("target_id")
        if clicked.get("action") == "node":
            choice = f"node:{target}"
        else:
            edge = next((e["data"] for e in elements["edges"] if e["data"]["id"] == target), None)
            choice = f"pair:{edge['source']}|{edge['target']}" if edge else None
        if choice in choices:
            st.session_state["focus"] = choice
    if st.session_state.get("focus") not in choices:
        st.session_state["focus"] = options[0]

    focus = st.selectbox("Evidence for", options, key="focus", format_func=choices.__getitem__)
    kind, rest = focus.split(":", 1)
    with st.container(border=True):
        if kind == "node":
            node = sub.projects[rest]
            entity_link(node)
            c = analytics.community_of.get(rest)
            st.caption(md_escape(" · ".join(x for x in [
                str(node.props.get("kind") or ""), f"activity {sub.activity.get(rest, 0)}",
                f"community {c + 1}" if c is not None else "",
                f"betweenness {analytics.betweenness.get(rest, 0):.2f}"] if x)))
            its_pairs = sub.pairs_of(rest)
            if len(its_pairs) > FOCUS_PARTNERS:
                st.caption(f"The {FOCUS_PARTNERS} strongest of {len(its_pairs)} links; pick a link above for any other.")
            shown = its_pairs[:FOCUS_PARTNERS]
            ids = {did for p in shown for did in p.decision_ids}
            order = {d.id: (rank, d) for rank, d in enumerate(newest_first(ids, 0))}  # newest first
            for pair in shown:
                other = sub.other(pair, rest)
                st.markdown(f"**↔ {md_escape(other.name)}** on {md_escape(', '.join(pair.topics) or 'unnamed topics')}")
                show_evidence(pair.evidence, limit=1, more=False)
                for _, d in sorted(order[did] for did in pair.decision_ids if did in order)[:2]:
                    st.caption(md_escape(f"decision ({d.status}): {one_line(d.text, 200)}"))
        else:
            a, b = rest.split("|")
            pair = sub.pairs[(a, b)]
            decisions = newest_first(pair.decision_ids)
            events = dict.fromkeys(pair.events + [e for d in decisions for e in d.events])
            st.markdown(f"**{md_escape(sub.projects[a].name)} ↔ {md_escape(sub.projects[b].name)}**")
            st.caption(md_escape(" · ".join(x for x in [
                f"weight {pair.weight}", "on " + (", ".join(pair.topics) or "unnamed topics"),
                ", ".join(events)] if x)))
            if decisions:
                st.markdown("**Decisions involving both**")
                for d in decisions:
                    st.markdown(f"- **{md_escape(d.status)}**: {md_escape(d.text)}")
                    st.caption(md_escape(" · ".join(x for x in [", ".join(d.events), d.date or ""] if x)))
            st.markdown("**What the notes say**")
            show_evidence(pair.evidence or [v for d in decisions for v in d.evidence], limit=4)

    st.subheader("Who bridges whom")
    partners = sub.partner_counts()
    rows = [{"project": sub.projects[pid].name, "kind": str(sub.projects[pid].props.get("kind") or ""),
             "community": analytics.community_of.get(pid, 0) + 1, "partners": partners.get(pid, 0),
             "activity": sub.activity.get(pid, 0),
             "degree centrality": round(analytics.degree.get(pid, 0.0), 3),
             "betweenness": round(analytics.betweenness.get(pid, 0.0), 3)} for pid in sub.linked()]
    st.dataframe(pd.DataFrame(rows).sort_values(["betweenness", "partners"], ascending=False), hide_index=True)
    st.caption("Communities (Louvain, weighted): "
               + md_escape(" | ".join(", ".join(sub.projects[p].name for p in c[:8]) + (" …" if len(c) > 8 else "")
                                      for c in analytics.communities)))

st.subheader("How are two things connected?")
p1, p2 = st.columns(2)
a = p1.text_input("From", value=param("from"), placeholder="a project, person or topic")
b = p2.text_input("To", value=param("to"), placeholder="a project, person or topic")
set_param("from", a.strip())
set_param("to", b.strip())
if a.strip() and b.strip():
    found = cached("path", a.strip(), b.strip())
    if found is None:
        st.warning(f"No path between “{md_escape(a)}” and “{md_escape(b)}” (or one of them is not in the graph).")
    else:
        chain = [f"**{md_escape(found.nodes[0].name)}** ({found.nodes[0].label})"]
        for rel, n in zip(found.types, found.nodes[1:]):
            chain.append(f" — {rel} — **{md_escape(n.name)}** ({n.label})")
        st.markdown("".join(chain))
        for (x, y), rel, evs in zip(zip(found.nodes, found.nodes[1:]), found.types, found.evidence):
            with st.expander(f"{md_escape(x.name)} — {rel} — {md_escape(y.name)}"):
                show_evidence(evs, limit=2)
