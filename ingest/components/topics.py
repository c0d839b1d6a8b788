"""``ptgkg_topics``: topic mentions from ``data/topics.yaml`` as ``doc.spans["topics"]``,
with ``span.id_`` = the canonical topic name, so variants ("healthcheck",
"health-checks", "container health checks") merge into one topic.

Topics also come from session headings and "Topic:" lines; that happens in
:mod:`ptgkg.ingest.extract`, which sees the document's sections.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import SpanRuler
from spacy.tokens import Span
from spacy.util import filter_spans

from ..gazetteer import gazetteer_for_component

__all__ = ["make_topic_ruler", "SPANS_KEY"]

SPANS_KEY = "topics"


def _longest_first(existing, found) -> list[Span]:
    """Keep the longest of overlapping matches ("container health checks" over "health checks")."""
    return filter_spans(list(existing) + list(found))


@Language.factory(
    "ptgkg_topics",
    default_config={"gazetteer": None, "events": None, "topics": None},
    assigns=["doc.spans"],
)
def make_topic_ruler(nlp: Language, name: str, gazetteer: str | None, events: str | None,
                     topics: str | None) -> SpanRuler:
    gz = gazetteer_for_component(gazetteer, events, topics)
    ruler = SpanRuler(nlp, name, spans_key=SPANS_KEY, phrase_matcher_attr="LOWER", validate=False,
                      spans_filter=_longest_first)
    patterns = []
    for t in gz.topics:
        for form in {t.name, *t.aliases}:
            if form.isupper() and len(form) <= 6 and " " not in form:
                # acronyms ("HA", "FFU") only as written: "ha" is not high availability
                patterns.append({"label": "TOPIC", "pattern": [{"ORTH": form}], "id": t.name})
                continue
            patterns.append({"label": "TOPIC", "pattern": form, "id": t.name})
            if "-" in form or " " in form:  # "health-check" / "health check" / "healthcheck"
                for variant in {form.replace("-", " "), form.replace(" ", "-"), form.replace("-", "").replace(" ", "")}:
                    patterns.append({"label": "TOPIC", "pattern": variant, "id": t.name})
            if not form.endswith("s") and " " not in form[-3:]:
                patterns.append({"label": "TOPIC", "pattern": form + "s", "id": t.name})
    ruler.add_patterns(patterns)
    return ruler

