"""The gazetteer in ``data/``: projects, PTG events and canonical topics, loaded once.

The NLP components turn it into spaCy patterns; entity resolution uses it to
map any alias ("kolla-ansible", "the Kolla team", "#kolla") to one canonical name.

>>> gz = Gazetteer.load()
>>> gz.project("kolla-ansible").name
'Kolla'
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..config import Settings, get_settings
from ..graph.model import normalize

__all__ = ["ProjectEntry", "NOT_PROJECTS", "EventEntry", "TopicEntry", "Gazetteer", "load_gazetteer", "gazetteer_for_component", "AMBIGUOUS_WORDS"]

# Project names that are also ordinary English words (or common tool words):
# matched only when capitalised as in prose about the project ("Heat", "Glance"),
# or in the explicit forms "#heat" / "the heat team"; never as lower-case words.
AMBIGUOUS_WORDS = frozenset("""
heat designate placement watcher ironic swift glance cinder horizon keystone rally freezer
trove mistral storyboard documentation docs infrastructure infra requirements security
release management telemetry magnum sahara manila zun cyborg venus skyline adjutant
congress searchlight solum tacker octavia blazar masakari vitrage zaqar murano senlin
karbor tricircle chef ansible helm charms python docker zuul winstun loci
quality assurance i18n translation board oslo kolla aodh panko monasca nova neutron
release cloudkitty storlets sunbeam openstacksdk election elections tc rbac api
""".split())
# Of those, the invented names are safe in lower case too: writers say "nova", "neutron".
SAFE_LOWERCASE = frozenset("""
nova neutron kolla oslo aodh panko monasca cloudkitty storlets sunbeam openstacksdk
keystone cinder octavia zaqar vitrage masakari blazar tacker murano senlin karbor
tricircle zun cyborg skyline adjutant ironic
""".split())

# Known to the gazetteer (so NER never takes them for people) but not projects a PTG
# note is about: languages, operating systems, collaboration tools, organisations.
NOT_PROJECTS = frozenset([
    "python", "linux", "centos", "fedora", "debian", "ubuntu", "rhel", "opensuse", "rocky linux",
    "etherpad", "gerrit", "github", "launchpad", "pypi", "opendev", "storyboard", "sphinx", "tox", "irc",
    "openstack", "openinfra foundation", "openstack foundation",
])


@dataclass(frozen=True)
class ProjectEntry:
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    retired: bool = False
    team: str | None = None
    match_case: bool = False  # an everyday word ("Placement", "Swift"): match as written only

    @property
    def is_project(self) -> bool:
        """False for tools, languages and distributions (see NOT_PROJECTS)."""
        return normalize(self.name) not in NOT_PROJECTS


@dataclass(frozen=True)
class EventEntry:
    name: str
    cycle: str
    location: str
    city: str
    start: dt.date
    end: dt.date
    virtual: bool = False
    aliases: tuple[str, ...] = ()
    cycle_number: str | None = None

    @property
    def props(self) -> dict:
        d = {"cycle": self.cycle, "location": self.location, "start": self.start.isoformat(),
             "end": self.end.isoformat(), "virtual": self.virtual}
        if self.cycle_number:
            d["cycle_number"] = self.cycle_number
        return d


@dataclass(frozen=True)
class TopicEntry:
    name: str
    aliases: tuple[str, ...] = ()


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass
class Gazetteer:
    projects: list[ProjectEntry]
    events: list[EventEntry]
    topics: list[TopicEntry]
    _project_index: dict[str, ProjectEntry] = field(default_factory=dict, repr=False)
    _topic_index: dict[str, TopicEntry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for p in self.projects:
            for form in (p.name, *p.aliases):
                self._project_index.setdefault(normalize(form), p)
        for t in self.topics:
            for form in (t.name, *t.aliases):
                self._topic_index.setdefault(normalize(form), t)

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Gazetteer":
        s = settings or get_settings()
        return load_gazetteer(str(s.gazetteer), str(s.events), str(s.topics))

    def project(self, mention: str) -> ProjectEntry | None:
        """Resolve a project mention: exact alias, "the X team", "#x", "X project"."""
        key = normalize(mention)
        key = re.sub(r"^(the|a)\s+", "", key)
        key = key.lstrip("#")
        hit = self._project_index.get(key)
        if hit is None:
            stripped = re.sub(r"\s+(team|project|projects|sig|folks|community|core team|cores)$", "", key)
            hit = self._project_index.get(stripped)
        return hit

    def topic(self, mention: str) -> TopicEntry | None:
        return self._topic_index.get(normalize(mention))

    def event(self, name: str) -> EventEntry | None:
        key = normalize(name)
        for e in self.events:
            if key in {normalize(x) for x in (e.name, *e.aliases)}:
                return e
        for e in self.events:  # "queens" / "2024.1" alone name the cycle's PTG
            if key in (normalize(e.cycle), normalize(e.cycle_number or "")) or key == normalize(e.cycle + " ptg"):
                return e
        return None


def gazetteer_for_component(gazetteer: str | None, events: str | None, topics: str | None) -> Gazetteer:
    """The gazetteer a pipeline component's config names, each path defaulting to the settings'."""
    s = get_settings()
    return load_gazetteer(gazetteer or str(s.gazetteer), events or str(s.events), topics or str(s.topics))


@lru_cache(maxsize=4)
def load_gazetteer(projects_path: str, events_path: str, topics_path: str) -> Gazetteer:
    def read(path: str, key: str) -> list[dict]:
        p = Path(path)
        if not p.exists():
            return []
        return (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get(key) or []

    projects = [
        ProjectEntry(str(d["name"]), str(d.get("kind", "team")), tuple(str(a) for a in d.get("aliases") or ()),
                     str(d.get("description") or ""), bool(d.get("retired", False)), d.get("team"),
                     bool(d.get("match_case", False)))
        for d in read(projects_path, "projects")
    ]
    events = [
        EventEntry(str(d["name"]), str(d.get("cycle", "")), str(d.get("location", "")), str(d.get("city", "")),
                   _date(d["start"]), _date(d.get("end", d["start"])), bool(d.get("virtual", False)),
                   tuple(str(a) for a in d.get("aliases") or ()),
                   str(d["cycle_number"]) if d.get("cycle_number") else None)
        for d in read(events_path, "events")
    ]
    topics = [TopicEntry(str(d["name"]), tuple(str(a) for a in d.get("aliases") or ()))
              for d in read(topics_path, "topics")]
    return Gazetteer(projects, events, topics)
