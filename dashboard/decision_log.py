"""The decision log as a table: filters, "recurring" open items, CSV export.

An item is *recurring* when it is still not settled (status ``open``,
``proposed`` or ``action``) and comes back at more than one PTG: either its own
evidence spans several events, or another unsettled decision about one of the
same topics (and, when both name projects, one of the same projects) was
recorded at a different PTG.

>>> safe_csv_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Union

import pandas as pd

from ptgkg.graph import queries
from ptgkg.graph.queries import DecisionPage, DecisionRow, DecisionView
from ptgkg.graph.stores.base import GraphStore

__all__ = ["UNSETTLED", "recurring_items", "decision_rows", "filter_decisions", "to_csv", "safe_csv_cell",
           "COLUMNS", "Decision", "Choices", "choices", "options", "Table", "table", "page_table", "recurring_among"]

#: what the log is made of: the rows of ``queries.decision_log`` (what the page reads), or
#: views (``queries.decisions``); both have the id, status, date, names and events used here
Decision = Union[DecisionRow, DecisionView]

UNSETTLED = ("open", "proposed", "action")
COLUMNS = ["date", "status", "recurring", "decision", "owners", "projects", "topics", "session", "event",
           "evidence", "source"]


def recurring_items(decisions: Iterable[Decision]) -> dict[str, list[str]]:
    """Decision node id -> the PTGs an unsettled item came up at (two or more): its own
    events first, then those of the related items in the order the items come.

    Related items are found through indexes by topic and by (topic, project), so the log
    of a large graph costs its size, not its size squared.
    """
    items = [d for d in decisions if d.status in UNSETTLED]
    # key -> event -> (first item, place in its events): a key is a topic, or a topic and project
    any_project: dict[str, dict[str, tuple[int, int]]] = {}
    no_project: dict[str, dict[str, tuple[int, int]]] = {}
    with_project: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}

    def note(index: dict, key, events: list[str], at: int) -> None:
        seen = index.setdefault(key, {})
        for i, e in enumerate(events):
            seen.setdefault(e, (at, i))

    for at, d in enumerate(items):
        events = list(dict.fromkeys(d.events))
        for t in set(d.topics):
            note(any_project, t, events, at)
            if not d.projects:
                note(no_project, t, events, at)
            for p in set(d.projects):
                note(with_project, (t, p), events, at)
    out: dict[str, list[str]] = {}
    for d in items:
        own = list(dict.fromkeys(d.events))
        first: dict[str, tuple[int, int]] = {}
        for t in set(d.topics):
            if d.projects:  # related: the other item names no project, or one of the same
                sources = [no_project.get(t, {})] + [with_project.get((t, p), {}) for p in set(d.projects)]
            else:
                sources = [any_project.get(t, {})]
            for seen in sources:
                for e, at in seen.items():
                    if e not in first or at < first[e]:
                        first[e] = at
        events = own + sorted((e for e in first if e not in own), key=first.__getitem__)
        if len(events) >= 2:
            out[d.id] = events
    return out


def filter_decisions(decisions: Iterable[Decision], statuses: Iterable[str] | None = None,
                     events: Iterable[str] | None = None) -> list[Decision]:
    """Keep decisions of these statuses and made at (or quoted from) one of these events."""
    st_set = set(statuses) if statuses else None
    ev_set = set(events) if events else None
    return [d for d in decisions
            if (st_set is None or d.status in st_set) and (ev_set is None or ev_set & set(d.events))]


def _first_quote(d: Decision) -> tuple[str, str]:
    """(quote, where it is from) of the first quote a row shows."""
    if isinstance(d, DecisionRow):
        return d.quote, d.source
    first = d.evidence[0] if d.evidence else None
    return (first.quote, first.doc_title or first.doc_source or first.doc) if first else ("", "")


def decision_rows(decisions: Iterable[Decision], recurring: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per decision, newest first as given; text cells are plain strings.

    Built as one tuple per decision (a frame from tuples costs a fraction of one from
    dicts: the unfiltered log of a large graph has tens of thousands of rows)."""
    recurring = recurring or {}
    join = ", ".join
    rows = []
    for d in decisions:
        quote, source = _first_quote(d)
        again = recurring.get(d.id)
        rows.append((d.date or "", d.status, " → ".join(again) if again else "", d.text, join(d.owners),
                     join(d.projects), join(d.topics), join(d.sessions), join(d.events), quote, source))
    return pd.DataFrame.from_records(rows, columns=COLUMNS)


@dataclass(frozen=True)
class Choices:
    """What the log's filters offer: the projects and topics its decisions name (A to Z)
    and the PTGs they were made at (oldest first)."""

    projects: list[str]
    topics: list[str]
    events: list[str]


def choices(decisions: Iterable[Decision]) -> Choices:
    """What these decisions name (the options of a log already read in full)."""
    log = list(decisions)
    projects = sorted({p for d in log for p in d.projects}, key=str.casefold)
    topics = sorted({t for d in log for t in d.topics}, key=str.casefold)
    events = list(dict.fromkeys(e for d in sorted(log, key=lambda d: d.date or "") for e in d.events))
    return Choices(projects, topics, events)


def options(store: GraphStore) -> Choices:
    """The filters' options from the graph's node lists, without reading any decision: every
    project and topic (A to Z), and every PTG: the Event nodes by start date, then the PTGs
    notes name without an Event node (a quote's PTG is one or the other), by note date.
    A superset of :func:`choices` of the whole log: a choice with no decision shows none."""
    counts = store.counts()

    def names(label: str) -> list[str]:
        return sorted({n.name for n in queries.nodes_of_label(store, label, counts)}, key=str.casefold)

    events = sorted(queries.nodes_of_label(store, "Event", counts),
                    key=lambda n: (str(n.props.get("start") or "9999"), n.name))
    known = {n.name for n in events}
    named: dict[str, str] = {}  # PTG a note names -> the earliest date of such a note
    for doc in queries.nodes_of_label(store, "Document", counts):
        name = doc.props.get("event")
        if isinstance(name, str) and name.strip() and name not in known:
            when = str(doc.props.get("date") or "9999")
            named[name] = min(named.get(name, when), when)
    return Choices(names("Project"), names("Topic"),
                   [n.name for n in events] + sorted(named, key=lambda e: (named[e], e)))


def recurring_among(ids: Iterable[str], related: Iterable[Decision]) -> dict[str, list[str]]:
    """:func:`recurring_items` of the decisions ``ids``, from ``related``: those decisions and
    every unsettled decision about one of their topics, in the log's order
    (``queries.related_decision_log``). The same answer as from the whole log: an item's
    PTGs come from its own and those related items' only."""
    wanted = set(ids)
    return {k: v for k, v in recurring_items(related).items() if k in wanted}


@dataclass(frozen=True)
class Table:
    """The decisions a filtered log shows, as a table, and what its metrics count."""

    frame: pd.DataFrame
    decisions: int  # rows
    unsettled: int  # open, proposed or action
    recurring: int


def table(decisions: Iterable[Decision], recurring: dict[str, list[str]], statuses: Iterable[str] | None = None,
          events: Iterable[str] | None = None, only_recurring: bool = False) -> Table:
    """The log's table: ``decisions`` (newest first) of these statuses and PTGs, only the
    recurring ones when asked, with their "recurring" column from ``recurring``."""
    shown = filter_decisions(decisions, statuses, events)
    if only_recurring:
        shown = [d for d in shown if d.id in recurring]
    return Table(decision_rows(shown, recurring), len(shown), sum(1 for d in shown if d.status in UNSETTLED),
                 sum(1 for d in shown if d.id in recurring))


def page_table(page: DecisionPage, recurring: dict[str, list[str]]) -> Table:
    """A page of the log as a table; its counts are those of the whole filtered log, but for
    ``recurring``: the items flagged on this page (only they were looked at)."""
    return Table(decision_rows(page.rows, recurring), page.total,
                 sum(page.statuses.get(s, 0) for s in UNSETTLED), sum(1 for d in page.rows if d.id in recurring))


def safe_csv_cell(value: object) -> object:
    """Cells a spreadsheet would run as a formula are prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.map(safe_csv_cell).to_csv(index=False).encode("utf-8")
