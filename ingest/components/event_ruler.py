"""``ptgkg_event_ruler``: PTG names, release cycle names and host cities next to "PTG",
as entities before NER (so "Rocky" or "Victoria" is a cycle, not a person).

Labels: ``PTG`` (an event alias from ``data/events.yaml``, ``ent_id_`` = event name),
``CYCLE`` (a release name such as "Queens" or "2024.1", ``ent_id_`` = event name).
"""
from __future__ import annotations

from spacy.language import Language

from .gazetteer_ruler import GazetteerRuler
from ..gazetteer import Gazetteer, gazetteer_for_component

__all__ = ["make_event_ruler", "event_patterns"]

_PTG = [{"LOWER": {"IN": ["ptg", "vptg", "ptgs", "project"]}}]


def event_patterns(nlp: Language, gazetteer: Gazetteer) -> list[dict]:
    patterns: list[dict] = []
    for ev in gazetteer.events:
        for form in {ev.name, *ev.aliases}:
            patterns.append({"label": "PTG", "id": ev.name,
                             "pattern": [{"LOWER": t.text.lower()} for t in nlp.make_doc(form)]})
        for cycle in {ev.cycle, ev.cycle_number} - {None, ""}:
            words = [t.text for t in nlp.make_doc(cycle)]
            # "Queens PTG", "the Queens virtual PTG": the event itself
            patterns.append({"label": "PTG", "id": ev.name,
                             "pattern": [{"ORTH": w} for w in words]
                             + [{"LOWER": {"IN": ["virtual", "v"]}, "OP": "?"}] + _PTG})
            # bare cycle names, capitalised ("Queens", "Wallaby")
            patterns.append({"label": "CYCLE", "id": ev.name, "pattern": [{"ORTH": w} for w in words]})
    return patterns


@Language.factory(
    "ptgkg_event_ruler",
    default_config={"gazetteer": None, "events": None, "topics": None},
    assigns=["doc.ents", "token.ent_type", "token.ent_id"],
)
def make_event_ruler(nlp: Language, name: str, gazetteer: str | None, events: str | None,
                     topics: str | None) -> GazetteerRuler:
    gz = gazetteer_for_component(gazetteer, events, topics)
    return GazetteerRuler(nlp, event_patterns(nlp, gz))
