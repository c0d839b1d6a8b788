"""Facts read from one document, before entity resolution: surface names plus the
evidence (document id, character span, quote) that shows each one.

These are what :mod:`ptgkg.ingest.extract` produces from an annotated spaCy Doc and
what :mod:`ptgkg.graph.resolve` turns into graph nodes and edges.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..graph.model import Evidence
from .document import Document

__all__ = [
    "PersonRef", "SessionFact", "PersonMention", "ProjectMention", "TopicMention",
    "DecisionFact", "CollaborationFact", "DiscussionFact", "MembershipFact", "DocumentFacts",
]


@dataclass(frozen=True)
class PersonRef:
    """A person as the note names them: a name ("Paul Bourke", "Paul") and/or an IRC nick."""

    name: str | None
    nick: str | None = None

    @property
    def surface(self) -> str:
        return self.name or self.nick or ""


@dataclass
class SessionFact:
    index: int
    title: str
    evidence: Evidence  # the heading line
    is_day: bool = False
    event: str | None = None


@dataclass
class PersonMention:
    person: PersonRef
    session: int | None
    evidence: Evidence


@dataclass
class ProjectMention:
    name: str  # canonical gazetteer name
    session: int | None
    evidence: Evidence
    surface: str = ""  # as written ("kolla-ansible"), kept as an alias


@dataclass
class TopicMention:
    name: str  # canonical topic name
    session: int | None
    evidence: Evidence
    from_heading: bool = False


@dataclass
class DecisionFact:
    text: str
    status: str
    session: int | None
    evidence: Evidence
    topics: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    owners: list[PersonRef] = field(default_factory=list)


@dataclass
class CollaborationFact:
    projects: tuple[str, str]
    topics: list[str]
    session: int | None
    evidence: Evidence


@dataclass
class DiscussionFact:
    actor_label: str  # "Person" | "Project"
    actor: PersonRef | str
    topic: str
    session: int | None
    evidence: Evidence


@dataclass
class MembershipFact:
    person: PersonRef
    project: str
    role: str | None
    evidence: Evidence


@dataclass
class DocumentFacts:
    document: Document
    event: str | None
    language: str
    sessions: list[SessionFact] = field(default_factory=list)
    people: list[PersonMention] = field(default_factory=list)
    projects: list[ProjectMention] = field(default_factory=list)
    topics: list[TopicMention] = field(default_factory=list)
    decisions: list[DecisionFact] = field(default_factory=list)
    collaborations: list[CollaborationFact] = field(default_factory=list)
    discussions: list[DiscussionFact] = field(default_factory=list)
    memberships: list[MembershipFact] = field(default_factory=list)
