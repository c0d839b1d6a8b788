"""The project-to-project collaboration network: what the Collaboration page draws.

A pair of projects is linked when the graph says they collaborate
(``COLLABORATES_WITH``, either direction) or when a decision involves both.
Each link keeps its shared topics, decisions and quoted evidence, so it can be
filtered by PTG and explained when clicked; its ``weight`` is the number of
shared topics plus shared decisions (at least 1). Node ``activity`` is the
project's degree in the whole graph. :func:`analyse` gives its communities and
centralities.

Built from store primitives only (``counts``/``top_nodes``/``edges_many``), so it
runs on every store. A link's decisions are known by id, from their ``INVOLVES`` and
``ABOUT`` relationships: their rows (status, text, date, events) come from
:func:`ptgkg.graph.queries.decision_views` for the links a user looks at, and their
events (:func:`decision_events`) only when the network is filtered by PTG. Reading
every decision's quotes in context first took two thirds of the page's first render
on a large graph (27,584 decisions).

On a graph with busy nodes the whole network and its analytics can be materialized
(:mod:`ptgkg.graph.materialize`): :func:`collaboration_network` and
:func:`network_analytics` serve them while the graph stays as it is.

>>> import tempfile
>>> from ptgkg.graph.stores import open_store
>>> with open_store(tempfile.mkdtemp() + "/kg") as store:
...     collaboration_network(store).pairs
{}
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import networkx as nx

from . import answers, queries
from .model import Node
from .stores.base import GraphStore

__all__ = ["Pair", "Network", "EventInfo", "collaboration_network", "decision_events", "filter_network", "to_networkx",
           "Analytics", "analyse", "network_analytics", "betweenness_sample", "BETWEENNESS_BUDGET",
           "BETWEENNESS_MIN_SAMPLE", "pair_key"]


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The undirected key of a pair of node ids."""
    return (a, b) if a <= b else (b, a)


@dataclass
class EventInfo:
    name: str
    cycle: str | None = None
    start: str | None = None

    @property
    def label(self) -> str:
        """'Queens PTG (2017-09-11)' for filters."""
        return f"{self.name} ({self.start})" if self.start else self.name


@dataclass
class Pair:
    """Two projects that work together, with what shows it: ``topics`` (those its own
    relationships name, then those of its decisions), ``decision_ids`` (every decision
    involving both, by id) and ``evidence`` (its own quotes in context, newest first)."""

    a: str
    b: str
    topics: list[str] = field(default_factory=list)
    edge_topics: list[str] = field(default_factory=list)
    decision_ids: list[str] = field(default_factory=list)
    evidence: list[queries.EvidenceView] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return pair_key(self.a, self.b)

    @property
    def weight(self) -> int:
        return max(1, len(self.topics) + len(self.decision_ids))

    @property
    def events(self) -> list[str]:
        """The PTGs its quotes show (its decisions' events are in their views)."""
        return self.first_events(None)

    def first_events(self, n: int | None) -> list[str]:
        """The first ``n`` (None: all) of :attr:`events`, without going through the rest."""
        found: dict[str, None] = {}
        for e in (v.event for v in self.evidence):
            if e and e not in found:
                found[e] = None
                if len(found) == n:
                    break
        return list(found)


@dataclass
class Network:
    projects: dict[str, Node] = field(default_factory=dict)
    activity: dict[str, int] = field(default_factory=dict)
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)
    events: list[EventInfo] = field(default_factory=list)
    #: what each decision of a link is ABOUT (topic names), by decision id
    decision_topics: dict[str, list[str]] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        return sorted({str(n.props.get("kind") or "unknown") for n in self.projects.values()})

    def linked(self) -> list[str]:
        """Ids of projects with at least one link, most active first."""
        ids = {x for k in self.pairs for x in k}
        return sorted(ids, key=lambda i: (-self.activity.get(i, 0), self.projects[i].name))

    def partner_counts(self) -> dict[str, int]:
        """How many partners each linked project has (one pass over the pairs)."""
        counts: dict[str, int] = defaultdict(int)
        for a, b in self.pairs:
            counts[a] += 1
            counts[b] += 1
        return dict(counts)

    def pairs_of(self, project_id: str) -> list[Pair]:
        return sorted((p for k, p in self.pairs.items() if project_id in k), key=lambda p: -p.weight)

    def other(self, pair: Pair, project_id: str) -> Node:
        return self.projects[pair.b if pair.a == project_id else pair.a]


def _all(store: GraphStore, label: str) -> list[tuple[Node, int]]:
    total = store.counts()["nodes"].get(label, 0)
    return store.top_nodes(label, total) if total else []


def collaboration_network(store: GraphStore, materialized: bool = True) -> Network:
    """Every project pair that collaborates, with topics, decisions (by id) and evidence in
    context. ``materialized``: serve the stored network when it is current."""
    if materialized:
        found = answers.served(store, "network", "", Network)
        if found is not None:
            return found
    # tens of thousands of links, quotes and lists that stay (cached): without the cyclic
    # collector rescanning them as they grow (a tenth of a second on a dense network)
    with queries.collector_paused(), store.snapshot():
        return _collaboration_network(store)


def network_analytics(store: GraphStore) -> "Analytics | None":
    """The whole network's :func:`analyse`, as materialized with it, while it is current
    (None otherwise: analyse the network itself)."""
    return answers.served(store, "network_analytics", "", Analytics)


def _collaboration_network(store: GraphStore) -> Network:
    net = Network()
    for node, degree in _all(store, "Project"):
        net.projects[node.id] = node
        net.activity[node.id] = int(degree)
    raw: dict[tuple[str, str], Pair] = {}
    pending = []  # (pair, evidence) resolved in one batch: one document context per document
    # one read for every project (one round trip on a remote store, one lock taken here)
    for pid, edges in store.edges_many(list(net.projects), ["COLLABORATES_WITH"], "out").items():
        for edge in edges:
            if edge.target not in net.projects or edge.target == pid or not edge.evidence:
                continue
            pair = _pair(raw, *pair_key(pid, edge.target))
            for t in edge.props.get("topics") or []:
                if str(t) not in pair.edge_topics:
                    pair.edge_topics.append(str(t))
            pending.append((pair, edge.evidence))
    views = queries.evidence_views(store, [ev for _, evs in pending for ev in evs])
    by_key = {(v.doc, v.start, v.end, v.quote): v for v in views}
    placed: set[tuple[tuple[str, str], int]] = set()  # (pair, view): one view per distinct item
    for pair, evs in pending:
        for ev in evs:
            v = by_key.get((ev.doc, ev.start, ev.end, ev.quote))
            if v is not None and (pair.key, id(v)) not in placed:
                placed.add((pair.key, id(v)))
                pair.evidence.append(v)
    # the decisions involving two or more projects and what they are ABOUT, from the ends
    # of those relationships alone (with evidence, as every answer): no quote is read
    involving: dict[str, list[str]] = defaultdict(list)
    for pid, keys in store.edge_keys(list(net.projects), ["INVOLVES"], "in").items():
        for decision, _, _ in keys:
            if pid not in involving[decision]:
                involving[decision].append(pid)
    shared = sorted(d for d, ids in involving.items() if len(ids) > 1)
    about = store.edge_keys(shared, ["ABOUT"], "out")
    names = {n.id: n.name for n in store.get_nodes({t for keys in about.values() for _, _, t in keys})}
    for did in shared:
        net.decision_topics[did] = list(dict.fromkeys(names[t] for _, _, t in about[did] if t in names))
        ids = sorted(involving[did])
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                _pair(raw, a, b).decision_ids.append(did)
    for pair in raw.values():
        pair.evidence.sort(key=lambda v: (v.date or "", v.doc, v.start), reverse=True)
        pair.topics = _topics(pair.edge_topics, pair.decision_ids, net.decision_topics)
    net.pairs = raw
    events = [EventInfo(n.name, _s(n.props.get("cycle")), _s(n.props.get("start"))) for n, _ in _all(store, "Event")]
    net.events = sorted(events, key=lambda e: (e.start or "9999", e.name))
    return net


def _pair(pairs: dict[tuple[str, str], Pair], a: str, b: str) -> Pair:
    """The link of ``a`` and ``b`` (``a <= b``), made on first use: not a new Pair per
    relationship read, as ``setdefault`` would build (tens of thousands here)."""
    found = pairs.get((a, b))
    if found is None:
        found = pairs[(a, b)] = Pair(a, b)
    return found


def decision_events(rows: Iterable[queries.DecisionRow]) -> dict[str, list[str]]:
    """Each decision's events (its sessions', then its quotes'), by id, from the decision
    log's rows: what :func:`filter_network` keeps a link's decisions by."""
    return {row.id: list(row.events) for row in rows}


def _s(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _topics(edge_topics: Iterable[str], decision_ids: Iterable[str], decision_topics: dict[str, list[str]]) -> list[str]:
    out = list(dict.fromkeys(edge_topics))
    seen = set(out)
    for did in decision_ids:
        for t in decision_topics.get(did, ()):
            if t not in seen:
                seen.add(t)
                out.append(t)
    return out


def filter_network(net: Network, events: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
                   min_weight: int = 1, decision_events: dict[str, list[str]] | None = None) -> Network:
    """The network seen from some PTGs only (quotes and decisions from those events) and
    some project kinds only; pairs left with nothing to show are dropped. Filtering by PTG
    needs each decision's events (:func:`decision_events`)."""
    wanted_events = set(events) if events else None
    if wanted_events is not None and decision_events is None:
        raise ValueError("filtering by PTG needs decision_events")
    wanted_kinds = set(kinds) if kinds else None
    projects = {i: n for i, n in net.projects.items()
                if wanted_kinds is None or str(n.props.get("kind") or "unknown") in wanted_kinds}
    pairs: dict[tuple[str, str], Pair] = {}
    for key, pair in net.pairs.items():
        if key[0] not in projects or key[1] not in projects:
            continue
        if wanted_events is not None:
            evidence = [v for v in pair.evidence if v.event in wanted_events]
            decision_ids = [d for d in pair.decision_ids if wanted_events.intersection(decision_events.get(d, ()))]
            edge_topics = pair.edge_topics if evidence else []
            pair = replace(pair, evidence=evidence, decision_ids=decision_ids, edge_topics=edge_topics,
                           topics=_topics(edge_topics, decision_ids, net.decision_topics))
            if not evidence and not decision_ids:
                continue
        if pair.weight >= min_weight:
            pairs[key] = pair
    return Network(projects=projects, activity=net.activity, pairs=pairs, events=net.events,
                   decision_topics=net.decision_topics)


def to_networkx(net: Network) -> nx.Graph:
    """Linked projects as an undirected weighted graph (``weight`` = shared topics + decisions)."""
    g = nx.Graph()
    for pid in net.linked():
        g.add_node(pid, name=net.projects[pid].name, activity=net.activity.get(pid, 0))
    for (a, b), pair in net.pairs.items():
        g.add_edge(a, b, weight=pair.weight)
    return g


@dataclass
class Analytics:
    """Communities (largest first) and per-project centrality of the network."""

    communities: list[list[str]]
    community_of: dict[str, int]
    degree: dict[str, float]
    betweenness: dict[str, float]


def analyse(g: nx.Graph, seed: int = 7) -> Analytics:
    """Louvain communities (weighted, seeded so the picture is stable) and degree /
    betweenness centrality (betweenness treats strong links as short ones; exact, or
    estimated from a seeded sample of sources on a large dense network: see
    :func:`betweenness_sample`)."""
    if g.number_of_nodes() == 0:
        return Analytics([], {}, {}, {})
    if g.number_of_edges():
        found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    else:
        found = [{n} for n in g]
    communities = sorted((sorted(c, key=lambda n: g.nodes[n]["name"]) for c in found), key=lambda c: (-len(c), c))
    community_of = {n: i for i, c in enumerate(communities) for n in c}
    for _, _, data in g.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    sample = betweenness_sample(g.number_of_nodes(), g.number_of_edges())
    return Analytics(communities, community_of, nx.degree_centrality(g),
                     nx.betweenness_centrality(_Adjacency.of(g), k=sample, weight="distance", normalized=True,
                                               seed=seed))


class _Adjacency(nx.Graph):
    """A graph's own nodes and links, whose ``G[n]`` is the plain neighbour dict instead of
    a read-only view: networkx's shortest-path searches read ``G[v].items()`` for every
    node they reach, and a view's items are iterated in Python (a third of betweenness's
    time on a dense network). The same algorithm over the same dicts in the same order:
    the same numbers. For reading only."""

    def __getitem__(self, n):
        return self._adj[n]

    @classmethod
    def of(cls, g: nx.Graph) -> "_Adjacency":
        view = cls()
        view.graph, view._node, view._adj = g.graph, g._node, g._adj
        return view


#: shortest-path searches times links that betweenness may cost: about a quarter of a second
BETWEENNESS_BUDGET = 500_000
BETWEENNESS_MIN_SAMPLE = 32  # sources sampled at least, however dense the network


def betweenness_sample(nodes: int, links: int) -> int | None:
    """How many source nodes betweenness is estimated from (networkx's seeded ``k``
    sampling), or None to compute it exactly from every node.

    Exact betweenness runs one shortest-path search from every node, each walking every
    link: it costs nodes x links. Within :data:`BETWEENNESS_BUDGET` (every network of a
    few hundred projects with a few thousand links) it is exact; past it, as many sources
    as the budget affords, and never fewer than :data:`BETWEENNESS_MIN_SAMPLE`.

    >>> betweenness_sample(310, 1_500) is None  # 465,000: exact
    True
    >>> betweenness_sample(310, 15_342)  # a dense synthetic network
    32
    """
    if nodes * links <= BETWEENNESS_BUDGET:
        return None
    k = max(BETWEENNESS_MIN_SAMPLE, BETWEENNESS_BUDGET // links)
    return k if k < nodes else None
