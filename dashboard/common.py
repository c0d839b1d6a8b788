"""What every dashboard page shares: settings, the cached store, cached queries,
safe text and deep links.

Everything read from a note (names, quotes, decision text) is untrusted: it is
shown as text, never as HTML. Where it goes into Markdown (``st.markdown``,
captions, link and expander labels) it passes through :func:`md_escape` first;
links are built here with :func:`page_url`, their query values percent-encoded.

The store is opened once per location, read-only (``st.cache_resource``); query
answers are cached with ``st.cache_data`` keyed on ``store.generation()``, so an
ingest (from the CLI or the ingest page) invalidates them.
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Iterable

import streamlit as st
from pydantic import SecretStr

from ptgkg.config import Settings
from ptgkg.graph import queries
from ptgkg.graph.model import Node
from ptgkg.graph.stores import GraphStore, StoreError, is_bolt_uri, open_store

from .safe import md_escape, one_line, page_url

__all__ = [
    "PAGES", "LABEL_PAGE", "md_escape", "one_line", "page_url", "page_file", "settings",
    "read_store", "require_store", "cached", "store_generation", "evidence_caption",
    "show_evidence", "entity_link", "param", "set_param", "show_suggestions", "store_label",
]

#: url_path -> page script (relative to app.py), the deep links of SPEC.md
PAGES = {
    "": "views/overview.py",
    "topic": "views/topic.py",
    "project": "views/project.py",
    "person": "views/person.py",
    "collaboration": "views/collaboration.py",
    "decisions": "views/decisions.py",
    "search": "views/search.py",
    "ingest": "views/ingest.py",
}
#: which page shows a node of each label (by its ``name`` query parameter)
LABEL_PAGE = {"Project": "project", "Person": "person", "Topic": "topic"}
LABEL_ICON = {"Project": ":material/groups:", "Person": ":material/person:", "Topic": ":material/forum:"}


def page_file(page: str) -> str:
    """The script of a page, for ``st.page_link`` / ``st.switch_page``."""
    return PAGES[page]


# -- settings and store ---------------------------------------------------------

def _secret(key: str) -> str | None:
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        value = st.secrets.get(key)
    except Exception:  # no secrets file, or an unreadable one: use the environment
        return None
    return str(value) if value not in (None, "") else None


def settings() -> Settings:
    """Settings from the environment; ``st.secrets`` fills in what the environment
    leaves unset (store location and Neo4j credentials)."""
    s = Settings()
    update: dict[str, Any] = {}
    if not os.environ.get("PTGKG_STORE") and _secret("PTGKG_STORE"):
        update["store"] = _secret("PTGKG_STORE")
    if s.neo4j_username is None and _secret("NEO4J_USERNAME"):
        update["neo4j_username"] = _secret("NEO4J_USERNAME")
    if s.neo4j_password is None and _secret("NEO4J_PASSWORD"):
        update["neo4j_password"] = SecretStr(_secret("NEO4J_PASSWORD") or "")
    if s.neo4j_database is None and _secret("NEO4J_DATABASE"):
        update["neo4j_database"] = _secret("NEO4J_DATABASE")
    return s.model_copy(update=update) if update else s


def store_label(location: str) -> str:
    """The store's location for display: a URI loses any user:password part."""
    return re.sub(r"//[^/@]*@", "//", location) if is_bolt_uri(location) else location


@st.cache_resource(show_spinner=False)
def _open_read_store(location: str, _settings: Settings) -> GraphStore:
    # failures are not cached: a store that appears later (first ingest) is picked up
    return open_store(location, settings=_settings, read_only=True)


def read_store() -> tuple[GraphStore | None, str | None]:
    """(the shared read-only store, None) or (None, one-line reason it cannot be opened)."""
    s = settings()
    try:
        return _open_read_store(s.store, s), None
    except StoreError as exc:
        return None, str(exc)
    except Exception as exc:  # a driver or import failure: one line, no credentials, no traceback
        return None, f"cannot open store {store_label(s.store)}: {type(exc).__name__}"


def require_store() -> GraphStore:
    """The store, or a clear message and the end of this page's run."""
    store, problem = read_store()
    if store is None:
        st.warning(f"No graph to show yet: {md_escape(problem)}")
        st.markdown("Ingest some notes first, e.g. `ptgkg ingest data/notes`"
                    + (", or upload them on the Ingest page." if settings().dashboard_allow_ingest else "."))
        st.stop()
    return store


def store_generation() -> str:
    store, _ = read_store()
    return store.generation() if store is not None else ""


# cache_resource, not cache_data: answers are read-only, and a large graph's answers
# (every decision, the whole collaboration network) would be unpickled on every rerun.
@st.cache_resource(show_spinner=False, max_entries=512, ttl=3600)  # ttl: for stores without a generation
def _cached_call(name: str, location: str, generation: str, args: tuple, kwargs: tuple) -> Any:
    store, problem = read_store()
    if store is None:
        raise StoreError(problem or "no store")
    if name in _EXTRAS:
        return _EXTRAS[name](store, location, generation, *args, **dict(kwargs))
    fn: Callable[..., Any] = getattr(queries, name)
    return fn(store, *args, **dict(kwargs))


#: the decision log's list (every decision as a table row, one quote each), the one answer
#: the log, its recurring items and the collaboration network's PTG filter are built from
_DECISION_LOG = ("decision_log", (), ())


def _decision_log(location: str, generation: str) -> list[queries.DecisionRow]:
    name, args, kwargs = _DECISION_LOG
    return _cached_call(name, location, generation, args, kwargs)


def _collaboration_network(store: GraphStore, location: str, generation: str) -> Any:
    from .network import collaboration_network  # networkx is only needed by that page

    return collaboration_network(store)


def _network_analytics(store: GraphStore, location: str, generation: str) -> Any:
    from .network import network_analytics

    return network_analytics(store)


def _decision_events(store: GraphStore, location: str, generation: str) -> dict[str, list[str]]:
    from .network import decision_events

    return decision_events(_decision_log(location, generation))


def _recurring_items(store: GraphStore, location: str, generation: str) -> dict[str, list[str]]:
    from .decision_log import recurring_items

    return recurring_items(_decision_log(location, generation))


def _log_options(store: GraphStore, location: str, generation: str) -> Any:
    from .decision_log import options

    return options(store)


def _page_recurring(store: GraphStore, location: str, generation: str, ids: tuple[str, ...]) -> dict[str, list[str]]:
    """The recurring items among a page's unsettled decisions ``ids``, from their topics'
    decisions only."""
    from .decision_log import UNSETTLED, recurring_among

    return recurring_among(ids, queries.related_decision_log(store, ids, UNSETTLED)) if ids else {}


def _log_recurring(store: GraphStore, location: str, generation: str, project: str | None = None,
                   topic: str | None = None) -> dict[str, list[str]]:
    """The recurring items of the whole log of a project and/or topic (every decision's when
    neither): for the "only recurring" filter and the CSV, which cover every row."""
    from .decision_log import UNSETTLED

    if not project and not topic:
        return _recurring_items(store, location, generation)
    rows = _cached_call("decision_log", location, generation, (), (("project", project), ("topic", topic)))
    return _page_recurring(store, location, generation, tuple(d.id for d in rows if d.status in UNSETTLED))


#: dashboard-side answers computed from the store (and from other cached answers),
#: cached like the queries: name -> fn(store, location, generation, *args, **kwargs)
_EXTRAS: dict[str, Callable[..., Any]] = {
    "collaboration_network": _collaboration_network,
    "network_analytics": _network_analytics,
    "decision_events": _decision_events,
    "recurring_items": _recurring_items,
    "log_options": _log_options,
    "page_recurring": _page_recurring,
    "log_recurring": _log_recurring,
}


def cached(name: str, *args: Any, **kwargs: Any) -> Any:
    """``queries.<name>(store, *args, **kwargs)`` (or one of the dashboard's own answers:
    ``collaboration_network``, its materialized ``network_analytics`` (or None) and its
    decisions' events ``decision_events``, the decision
    log's filter options ``log_options`` and its recurring items: ``recurring_items`` of
    every decision, ``page_recurring`` of some, ``log_recurring`` of a project's and/or
    topic's), cached until the graph changes, shared by every session: treat it as
    read-only. The decision log's list, ``cached("decision_log")``, is the one the
    decisions' events and the recurring items are built from, so a graph's decisions are
    read once for all three.
    Exceptions (``NotFound``...) are not cached."""
    store = require_store()
    return _cached_call(name, settings().store, store.generation(), tuple(args), tuple(sorted(kwargs.items())))


# -- query parameters -------------------------------------------------------------

def param(key: str, default: str = "") -> str:
    value = st.query_params.get(key, default)
    return value.strip() if isinstance(value, str) else default


def set_param(key: str, value: str | None) -> None:
    """Keep the URL a shareable deep link of what is on screen."""
    if value:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


# -- rendering ------------------------------------------------------------------------

def evidence_caption(ev: queries.EvidenceView) -> str:
    """'Queens PTG · Container health checks · 2017-09-12 · <doc title>' (plain text)."""
    parts = [ev.event, ev.session, ev.date, ev.doc_title]
    return " · ".join(one_line(p, 80) for p in dict.fromkeys(p for p in parts if p))


def show_evidence(evidence: Iterable[queries.EvidenceView], limit: int = 3, more: bool = True) -> None:
    """The quoted sentences, newest first, each with where and when it was said;
    beyond ``limit`` they go into an expander."""
    items = list(evidence)

    def one(ev: queries.EvidenceView) -> None:
        st.markdown(f"> “{md_escape(one_line(ev.quote, 400))}”")
        cap = evidence_caption(ev)
        if cap:
            st.caption(md_escape(cap))

    for ev in items[:limit]:
        one(ev)
    rest = items[limit:]
    if rest and more:
        with st.expander(f"{len(rest)} more quote{'s' if len(rest) != 1 else ''}"):
            for ev in rest[:50]:
                one(ev)


def entity_link(node: Node | str, label: str | None = None, text: str | None = None,
                caption: str | None = None) -> None:
    """An in-app link to the page of a project, person or topic (plain text otherwise),
    with an optional caption right under it."""
    name = node.name if isinstance(node, Node) else node
    node_label = node.label if isinstance(node, Node) else label
    page = LABEL_PAGE.get(node_label or "")
    shown = md_escape(text if text is not None else name)
    with st.container(gap=None):
        if page:
            st.page_link(page_file(page), label=shown, icon=LABEL_ICON.get(node_label or ""),
                         query_params={"name": name}, width="stretch")
        else:
            st.markdown(shown)
        if caption:
            st.caption(md_escape(caption))


def pick_entity(label: str, placeholder: str, title: str, caption: str, top: str, limit: int) -> str:
    """The name box of an entity page (kept in the URL's ``?name=``); without a name, the
    page lists the ``top`` entities of the overview (``top_projects``...) and stops."""
    name = st.text_input(label, value=param("name"), placeholder=placeholder).strip()
    set_param("name", name)
    if not name:
        st.title(title)
        st.caption(caption)
        for inv in getattr(cached("overview", limit=limit), top):
            entity_link(inv.node, text=f"{inv.node.name} · {inv.mentions} links")
        st.stop()
    return name


def show_suggestions(store: GraphStore, text: str, wanted: str | None = None) -> None:
    """'Did you mean' links: nodes whose names, aliases or quotes contain ``text``."""
    hits = [h for h in cached("search", text, limit=30) if h.node.label in LABEL_PAGE]
    if wanted:
        hits.sort(key=lambda h: h.node.label != wanted)
    if not hits:
        st.info("Nothing in the graph mentions that. Try the search page with a shorter word.")
        return
    st.markdown("**Maybe you meant:**")
    for h in hits[:10]:
        entity_link(h.node, text=f"{h.node.name} ({h.node.label.lower()})")
    st.page_link(page_file("search"), label=f"Search everything for “{md_escape(text)}”",
                 query_params={"q": text})
