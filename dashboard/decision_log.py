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

from typing import Iterable

import pandas as pd

from ptgkg.graph.queries import DecisionView

__all__ = ["UNSETTLED", "recurring_items", "decision_rows", "filter_decisions", "to_csv", "safe_csv_cell",
           "COLUMNS"]

UNSETTLED = ("open", "proposed", "action")
COLUMNS = ["date", "status", "recurring", "decision", "owners", "projects", "topics", "session", "event",
           "evidence", "source"]


def recurring_items(decisions: Iterable[DecisionView]) -> dict[str, list[str]]:
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
            out[d.node.id] = events
    return out


def filter_decisions(decisions: Iterable[DecisionView], statuses: Iterable[str] | None = None,
                     events: Iterable[str] | None = None) -> list[DecisionView]:
    """Keep decisions of these statuses and made at (or quoted from) one of these events."""
    st_set = set(statuses) if statuses else None
    ev_set = set(events) if events else None
    return [d for d in decisions
            if (st_set is None or d.status in st_set) and (ev_set is None or ev_set & set(d.events))]


def decision_rows(decisions: Iterable[DecisionView], recurring: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per decision, newest first as given; text cells are plain strings."""
    recurring = recurring or {}
    rows = []
    for d in decisions:
        first = d.evidence[0] if d.evidence else None
        rows.append({
            "date": d.date or "",
            "status": d.status,
            "recurring": " → ".join(recurring.get(d.node.id, [])),
            "decision": d.text,
            "owners": ", ".join(d.owners),
            "projects": ", ".join(d.projects),
            "topics": ", ".join(d.topics),
            "session": ", ".join(d.sessions),
            "event": ", ".join(d.events),
            "evidence": first.quote if first else "",
            "source": (first.doc_title or first.doc_source or first.doc) if first else "",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def safe_csv_cell(value: object) -> object:
    """Cells a spreadsheet would run as a formula are prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.map(safe_csv_cell).to_csv(index=False).encode("utf-8")
