"""Extraction quality for the README: ptgkg beside a plain spaCy NER baseline.

Scores the pipeline against the hand-written gold annotations in ``tests/eval/gold/``
(the sample notes always; the real PTG notes in ``../shared/realdata`` when present) and
prints, per kind, macro-averaged precision / recall / F1 for ptgkg and for the baseline
(``spacy.load("en_core_web_sm")``: PERSON as people, ORG as projects), then one line
per document. All options of ``python -m tests.eval.score`` apply, e.g.::

    .venv/bin/python benchmarks/eval_extraction.py             # both gold sets
    .venv/bin/python benchmarks/eval_extraction.py --details   # misses and false positives
    .venv/bin/python benchmarks/eval_extraction.py --json
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests.eval` lives in the repo, not the package

from tests.eval.score import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
