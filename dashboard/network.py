"""The drawing of the collaboration network (the Collaboration page): the network itself,
its communities and centralities are :mod:`ptgkg.graph.network`'s (re-exported here).

>>> net = Network(pairs={("a", "b"): Pair("a", "b", topics=["x"])})
>>> [p.key for p in strongest_pairs(net)]
[('a', 'b')]
"""
from __future__ import annotations

import html
from typing import Any

from ptgkg.graph.network import (BETWEENNESS_BUDGET, BETWEENNESS_MIN_SAMPLE, Analytics, EventInfo, Network, Pair,
                                 analyse, betweenness_sample, collaboration_network, decision_events, filter_network,
                                 network_analytics, pair_key, to_networkx)

__all__ = ["Pair", "Network", "EventInfo", "collaboration_network", "decision_events", "filter_network", "to_networkx",
           "Analytics", "analyse", "betweenness_sample", "BETWEENNESS_BUDGET", "BETWEENNESS_MIN_SAMPLE",
           "network_analytics", "cytoscape_elements", "strongest_pairs", "DRAWN_LINKS", "pair_key",
           "community_palette"]


_PALETTE = ["#2f6fdb", "#e07b39", "#3a9d5d", "#b8457a", "#7a5cc4", "#c2a027", "#2aa3a3", "#8c6d4f",
            "#d1495b", "#5b7a99"]


def community_palette(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


#: the most links the drawing shows, strongest first. A dense network's force layout
#: settles, after seconds in the browser, into a blob of overlapping nodes (310 projects
#: and 15,342 links on the large synthetic graph); its strongest links show its shape.
#: Communities, centralities and the evidence box still use every link
DRAWN_LINKS = 500


def strongest_pairs(net: Network, limit: int | None = DRAWN_LINKS) -> list[Pair]:
    """The network's links, strongest first (weight, then quotes, then ids), the first ``limit``.

    >>> net = Network(pairs={("a", "b"): Pair("a", "b", topics=["x"]), ("a", "c"): Pair("a", "c", topics=["x", "y"])})
    >>> [p.key for p in strongest_pairs(net, 1)]
    [('a', 'c')]
    """
    ranked = sorted(net.pairs.values(), key=lambda p: (-p.weight, -len(p.evidence), p.key))
    return ranked if limit is None else ranked[:limit]


def cytoscape_elements(net: Network, analytics: Analytics, limit: int | None = DRAWN_LINKS
                       ) -> dict[str, list[dict[str, Any]]]:
    """Elements for ``st_link_analysis``: the ``limit`` strongest links (None: all) and the
    projects they join, sized by activity relative to the most active of them. The
    component's info panel writes element data into HTML, so every string from a note is
    HTML-escaped here."""
    esc = html.escape
    nodes, edges = [], []
    partners = net.partner_counts()
    drawn = strongest_pairs(net, limit)
    shown = {pid for pair in drawn for pid in pair.key}
    biggest = max((net.activity.get(pid, 0) for pid in shown), default=0) or 1
    for pid in net.linked():
        if pid not in shown:
            continue
        n = net.projects[pid]
        c = analytics.community_of.get(pid, 0)
        nodes.append({"data": {
            "id": pid, "label": f"community {c + 1}", "name": esc(n.name),
            "kind": esc(str(n.props.get("kind") or "unknown")),
            "activity": net.activity.get(pid, 0),
            "partners": partners.get(pid, 0),
            "size": round(20 + 50 * (max(0, net.activity.get(pid, 0)) / biggest) ** 0.5, 1),
        }})
    for i, pair in enumerate(sorted(drawn, key=lambda p: p.key)):
        a, b = pair.key
        weight = pair.weight
        edges.append({"data": {
            "id": f"pair-{i}", "source": a, "target": b, "label": "COLLABORATES_WITH",
            "weight": weight, "width": min(12, 1 + 1.5 * weight),
            "topics": esc(", ".join(pair.topics[:6]) or "-"),
            "decisions": len(pair.decision_ids), "quotes": len(pair.evidence),
            "events": esc(", ".join(pair.first_events(4)) or "-"),
        }})
    return {"nodes": nodes, "edges": edges}
