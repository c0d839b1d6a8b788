"""Graph stores behind one interface; :func:`open_store` picks one from a location.

>>> import tempfile
>>> store = open_store(tempfile.mkdtemp() + "/kg")
>>> type(store).__name__
'EmbeddedStore'
>>> store.close()
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Direction, GraphStore, PathResult, StoreError, WriteResult
from .embedded import EmbeddedStore

if TYPE_CHECKING:
    from ...config import Settings  # pragma: no cover

__all__ = ["open_store", "is_bolt_uri", "GraphStore", "EmbeddedStore", "WriteResult",
           "StoreError", "PathResult", "Direction", "DEFAULT_STORE"]

DEFAULT_STORE = ".ptgkg"
_BOLT = re.compile(r"^(bolt|neo4j)(\+s|\+ssc)?://", re.IGNORECASE)
_ANY_URI = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_bolt_uri(location: str | Path) -> bool:
    """True for ``bolt://``, ``bolt+s://``, ``neo4j://``, ``neo4j+s://``, ``neo4j+ssc://`` ... URIs."""
    return isinstance(location, str) and bool(_BOLT.match(location.strip()))


def open_store(location: str | Path | None = None, settings: "Settings | None" = None,
               read_only: bool = False) -> GraphStore:
    """Open the store at ``location``: a Bolt URI for Neo4j, anything else an embedded store folder.

    ``None`` means ``settings.store`` (``$PTGKG_STORE``), else ``.ptgkg``.
    Raises :class:`StoreError` with a one-line reason when it cannot be opened.
    """
    if location is None or str(location).strip() == "":
        if settings is None:
            from ptgkg.config import Settings

            settings = Settings()
        location = settings.store or DEFAULT_STORE
    if is_bolt_uri(location):
        from .neo4j_store import Neo4jStore

        return Neo4jStore(str(location).strip(), settings=settings, read_only=read_only)
    if isinstance(location, str) and _ANY_URI.match(location.strip()):
        scheme = location.split("://", 1)[0]
        raise StoreError(f"unsupported store URI scheme {scheme}:// "
                         "(use a folder, or bolt://, neo4j://, neo4j+s://)")
    return EmbeddedStore(Path(location), read_only=read_only)
