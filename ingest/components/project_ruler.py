"""``ptgkg_project_ruler``: EntityRuler patterns from the gazetteer (run by the linear-time
:class:`~ptgkg.ingest.components.gazetteer_ruler.GazetteerRuler`),
placed before the statistical NER so that "Kolla" or "Designate" is never a person.

Entities get label ``PROJECT`` and ``ent_id_`` = the canonical project name.
Invented names match in any case ("nova", "NOVA"); names that are also English
words match only as written in prose about the project ("Heat", not "heat"),
and always in the explicit forms "#heat" and "the heat team".
"""
from __future__ import annotations

from spacy.language import Language

from .gazetteer_ruler import GazetteerRuler
from ..gazetteer import AMBIGUOUS_WORDS, SAFE_LOWERCASE, Gazetteer, gazetteer_for_component
from ...graph.model import normalize

__all__ = ["make_project_ruler", "project_patterns"]

LABEL = "PROJECT"


def _is_ambiguous(form: str) -> bool:
    key = normalize(form)
    return key in AMBIGUOUS_WORDS and key not in SAFE_LOWERCASE


def project_patterns(nlp: Language, gazetteer: Gazetteer) -> list[dict]:
    """EntityRuler patterns for every project name and alias."""
    patterns: list[dict] = []
    seen: set[tuple] = set()
    single_names = {f.lower() for e in gazetteer.projects for f in (e.name, *e.aliases) if f.isalpha()}

    def add(tokens: list[dict], pid: str) -> None:
        key = (repr(tokens), pid)
        if key not in seen:
            seen.add(key)
            patterns.append({"label": LABEL, "pattern": tokens, "id": pid})

    for entry in gazetteer.projects:
        for form in {entry.name, *entry.aliases}:
            words = [t.text for t in nlp.make_doc(form)]
            if not words:
                continue
            if entry.match_case or _is_ambiguous(form):
                # as written, and capitalised ("Heat", "Release Management")
                for variant in {tuple(words), tuple(w[:1].upper() + w[1:] for w in words)}:
                    add([{"ORTH": w} for w in variant], entry.name)
                lower = [{"LOWER": w.lower()} for w in words]
                add([{"ORTH": "#"}] + lower, entry.name)
                add([{"LOWER": "the"}] + lower + [{"LOWER": {"IN": ["team", "project", "cores", "sig"]}}], entry.name)
            elif len(form) <= 2 or form.isupper() or (len(form) <= 4 and any(c.isdigit() for c in form)):
                add([{"ORTH": w} for w in words], entry.name)  # "TC", "OSA", "K8s": as written only
            else:
                add([{"LOWER": w.lower()} for w in words], entry.name)
                add([{"ORTH": "#"}] + [{"LOWER": w.lower()} for w in words], entry.name)
        # names OpenStack derives from a team's name: "ironicclient", "python-ironicclient",
        # and deliverables such as "ironic-staging-drivers" or "nova-compute"
        if entry.kind in ("team", "deliverable") and " " not in entry.name and "." not in entry.name:
            low = entry.name.lower()
            # "nova-neutron" names two projects, not a nova deliverable
            part = {"IS_ALPHA": True, "LOWER": {"NOT_IN": sorted(single_names)}}
            add([{"LOWER": f"{low}client"}], entry.name)
            add([{"LOWER": "python", "SPACY": False}, {"ORTH": "-", "SPACY": False}, {"LOWER": f"{low}client"}], entry.name)
            for parts in (1, 2, 3):
                tokens = [{"LOWER": low, "SPACY": False}]
                for k in range(parts):
                    last = k == parts - 1
                    tokens += [{"ORTH": "-", "SPACY": False}, dict(part) if last else {**part, "SPACY": False}]
                add(tokens, entry.name)
    return patterns


@Language.factory(
    "ptgkg_project_ruler",
    default_config={"gazetteer": None, "events": None, "topics": None},
    assigns=["doc.ents", "token.ent_type", "token.ent_id"],
)
def make_project_ruler(nlp: Language, name: str, gazetteer: str | None, events: str | None,
                       topics: str | None) -> GazetteerRuler:
    gz = gazetteer_for_component(gazetteer, events, topics)
    return GazetteerRuler(nlp, project_patterns(nlp, gz))
