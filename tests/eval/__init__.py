"""Evaluation of ptgkg's extraction against hand-written gold annotations.

``tests/eval/gold/data/`` annotates the sample notes in ``data/notes/``;
``tests/eval/gold/realdata/`` annotates real PTG write-ups kept outside the
repository (``../shared/realdata``). :mod:`tests.eval.score` runs the scorer.
"""
