"""ptgkg's spaCy components, one module each, registered as factories on import.

Each factory declares what it reads (``requires``) and writes (``assigns``);
:mod:`ptgkg.ingest.pipeline` assembles them from configuration.
"""
from . import (  # noqa: F401  (importing registers the factories)
    document_context, line_sentences, language, project_ruler, event_ruler,
    topics, people, decisions, sessions,
)

__all__: list[str] = []
