"""Compute the slowest answers once per graph version, after a run writes the graph
(``ptgkg materialize``, or ``ptgkg ingest --materialize``).

What is slow is what reads many relationships: the profile of a project, person or
topic with a thousand of them, a project's partners and decisions, and the collaboration
network of a graph that has such nodes. :func:`materialize` computes those for every
node with at least ``min_degree`` relationships and stores them
(:mod:`ptgkg.graph.answers`); :func:`ptgkg.graph.queries.profile`,
:func:`~ptgkg.graph.queries.collaborations`, :func:`~ptgkg.graph.queries.decisions_answer`,
:func:`ptgkg.graph.network.collaboration_network` and
:func:`~ptgkg.graph.network.network_analytics` serve them until the graph changes. The
answers are the queries' own, so a served answer equals a computed one.

>>> import tempfile
>>> from ptgkg.graph.stores import open_store
>>> with open_store(tempfile.mkdtemp() + "/kg") as store:
...     materialize(store, min_degree=1).answers
0
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterator

from . import answers, network, queries
from .model import Node
from .stores.base import GraphStore

__all__ = ["Materialized", "busy_nodes", "materialize", "PROFILED_LABELS"]

#: the labels whose busy nodes get their profile kept (a Project also its partners and decisions)
PROFILED_LABELS = ("Project", "Person", "Topic")


@dataclass
class Materialized:
    """What one :func:`materialize` did: ``answers`` stored for ``nodes`` busy nodes of
    graph version ``generation``, or why none were (``skipped``)."""

    generation: str
    nodes: int = 0
    answers: int = 0
    seconds: float = 0.0
    skipped: str | None = None

    def __str__(self) -> str:
        if self.skipped:
            return f"answers not materialized: {self.skipped}"
        return f"materialized {self.answers} answers for {self.nodes} busy nodes in {self.seconds:.1f} s"


def busy_nodes(store: GraphStore, min_degree: int, labels: tuple[str, ...] = PROFILED_LABELS) -> list[Node]:
    """Nodes of ``labels`` with at least ``min_degree`` relationships, busiest first per label."""
    counts = store.counts()["nodes"]
    out: list[Node] = []
    for label in labels:
        total = counts.get(label, 0)
        limit = min(64, total)
        top = store.top_nodes(label, limit) if limit else []
        while limit < total and top and top[-1][1] >= min_degree:
            limit = min(limit * 4, total)  # busy nodes are few: read a few more at a time
            top = store.top_nodes(label, limit)
        out.extend(node for node, degree in top if degree >= min_degree)
    return out


def materialize(store: GraphStore, min_degree: int | None = None,
                progress: Callable[[Node], None] | None = None) -> Materialized:
    """Compute and store the answers of the busy nodes of the graph as it is now.

    ``min_degree``: default ``Settings.answers_min_degree``; 0 stores none. The answers
    are kept only if no write happened while they were computed."""
    if min_degree is None:
        from ptgkg.config import get_settings

        min_degree = get_settings().answers_min_degree
    generation = store.generation()
    if not generation:
        return Materialized(generation, skipped="the store cannot tell its graph version")
    found = answers.answer_file(store)
    if found is None:
        return Materialized(generation, skipped="the store has no place for answers")
    if min_degree <= 0:
        return Materialized(generation, skipped="answers_min_degree is 0")
    if getattr(store, "read_only", False):
        return Materialized(generation, skipped="the store is open read-only")
    if found.current(generation):
        return Materialized(generation, skipped="the stored answers are current")
    started = time.perf_counter()
    with store.snapshot():
        nodes = busy_nodes(store, min_degree)
        if not nodes and not found.path.exists():  # a small graph: no file for nothing
            return Materialized(generation, skipped=f"no node has {min_degree} relationships")
        stored = found.replace(generation, _computed(store, nodes, progress),
                               still_current=lambda: store.generation() == generation)
    seconds = time.perf_counter() - started
    if stored is None:
        return Materialized(generation, len(nodes), seconds=seconds,
                            skipped="the graph changed while they were computed")
    return Materialized(generation, len(nodes), stored, seconds)


def _computed(store: GraphStore, nodes: list[Node], progress: Callable[[Node], None] | None
              ) -> Iterator[tuple[str, str, str]]:
    """``(kind, node id, JSON)`` of each busy node's answers, then (a graph with busy nodes
    has a dense one) the collaboration network and its analytics, computed (the stored
    ones are of an older graph, or none)."""
    if nodes:
        net = network.collaboration_network(store, materialized=False)
        yield "network", "", answers.dumps(net)
        yield "network_analytics", "", answers.dumps(network.analyse(network.to_networkx(net)))
    for node in nodes:
        prof = queries.profile(store, node.id, materialized=False)
        if prof is not None:
            yield "profile", node.id, answers.dumps(prof)
        if node.label == "Project" and prof is not None:
            # a project's partners and decisions answers are its profile's lists, not computed again
            partners = queries.Collaborations(prof.node, prof.collaborators, prof.totals["collaborators"])
            yield "collaborations", node.id, answers.dumps(partners)
            yield "decisions", node.id, answers.dumps(queries.DecisionsAnswer(prof.decisions, prof.totals["decisions"]))
        if progress:
            progress(node)
