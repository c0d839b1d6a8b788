"""The examples in docstrings run (imported through the installed ``ptgkg`` package)."""
import doctest
import importlib

import pytest

MODULES = [
    "ptgkg.config", "ptgkg.ingest.document", "ptgkg.ingest.gazetteer", "ptgkg.graph.model",
    "ptgkg.graph.resolve", "ptgkg.graph.governance", "ptgkg.ingest.components.line_sentences",
    "ptgkg.ingest.components.language", "ptgkg.ingest.components.people", "ptgkg.ingest.components.sessions",
    "ptgkg.ingest.components.decisions", "ptgkg.graph.stores.base", "ptgkg.graph.reconcile", "ptgkg.dashboard.network",
    "ptgkg.graph.answers", "ptgkg.graph.materialize", "ptgkg.graph.network",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
