"""Whole-graph export: the SPEC's JSON, and GraphML for Gephi/yEd/Cytoscape.

GraphML holds scalars only, so list properties (``aliases``, ``topics``) and
``evidence`` are written as JSON strings; every edge keeps ``type``,
``weight`` (number of evidence items) and its ``evidence``.

>>> import io, tempfile
>>> from ptgkg.graph.stores import open_store
>>> with open_store(tempfile.mkdtemp() + "/kg") as store:
...     export_json(store)
...     buf = io.StringIO(); write_graphml(store, buf); "<graphml" in buf.getvalue()
{'nodes': [], 'edges': []}
True
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Any

import networkx as nx

from .stores.base import GraphStore

__all__ = ["export_json", "write_json", "to_networkx", "write_graphml"]


def export_json(store: GraphStore) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}`` as the SPEC fixes it."""
    return store.export().to_json_dict()


def _open_text(fp_or_path: IO | str | Path):
    """(writer of str, closer) for a path, a text stream or a binary stream."""
    if isinstance(fp_or_path, (str, Path)):
        fh = open(fp_or_path, "w", encoding="utf-8")
        return fh.write, fh.close
    binary = isinstance(fp_or_path, (io.BufferedIOBase, io.RawIOBase)) or (
        not isinstance(fp_or_path, io.TextIOBase) and "b" in str(getattr(fp_or_path, "mode", "")))
    if binary:
        return (lambda s: fp_or_path.write(s.encode("utf-8"))), (lambda: None)
    return fp_or_path.write, (lambda: None)


def write_json(store: GraphStore, fp_or_path: IO | str | Path, indent: int | None = 2) -> None:
    """Write :func:`export_json` to a path or an open stream (text or binary)."""
    write, close = _open_text(fp_or_path)
    try:
        write(json.dumps(export_json(store), ensure_ascii=False, indent=indent))
        write("\n")
    finally:
        close()


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def to_networkx(store: GraphStore) -> nx.MultiDiGraph:
    """The export as a MultiDiGraph with GraphML-safe attributes (edge key = relationship type).

    Every attribute but ``weight`` is a string, so each GraphML key has one type.
    """
    data = export_json(store)
    g = nx.MultiDiGraph()
    for node in data["nodes"]:
        attrs = {k: _scalar(v) for k, v in node.items() if k != "id" and v is not None}
        g.add_node(node["id"], **attrs)
    for edge in data["edges"]:
        attrs = {k: _scalar(v) for k, v in edge.items()
                 if k not in ("source", "target", "weight") and v is not None}
        g.add_edge(edge["source"], edge["target"], key=edge["type"], weight=int(edge["weight"]), **attrs)
    return g


def write_graphml(store: GraphStore, fp_or_path: IO | str | Path) -> None:
    """Write the graph as GraphML to a path or an open stream (text or binary)."""
    write, close = _open_text(fp_or_path)
    try:
        for line in nx.generate_graphml(to_networkx(store), encoding="utf-8", prettyprint=True):
            write(line + "\n")
    finally:
        close()
