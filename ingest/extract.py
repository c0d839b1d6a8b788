"""From an annotated spaCy Doc to :class:`DocumentFacts`: every fact with the sentence
that shows it.

Rules, briefly:
* a person or project *discussed* a topic when a sentence names both, or when the
  person/project acts in a session whose heading names the topic;
* two projects *collaborate* when one sentence names both with a working-together
  cue ("together", "with the X team", "helped", "cross-project", "hand over"), or a
  session heading pairs them ("Kolla/TripleO"); never for a mere list of names;
* decisions are the ``ptgkg_decisions`` sentences, tied to the topics and projects
  they name (else their session's), owners for action items;
* the event is the PTG the note names (or ``--event``), else the one its date falls in.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from itertools import combinations

from spacy.tokens import Doc

from ..graph.model import Evidence, normalize
from .components.sessions import is_day_marker
from .document import Document
from .facts import (CollaborationFact, DecisionFact, DiscussionFact, DocumentFacts, MembershipFact,
                    PersonMention, PersonRef, ProjectMention, SessionFact, TopicMention)
from .gazetteer import Gazetteer

__all__ = ["extract_facts", "detect_event", "MAX_QUOTE"]

MAX_QUOTE = 600
_LIST_MARKER = re.compile(r"^\s*(?:[*\-•+>|#]+|\d+[.)]|[a-z][.)])\s+")
_COLLAB_CUE = re.compile(
    r"\b(together|jointly|joint|collaborat\w*|cooperat\w*|cross[- ]project|work(?:ed|ing|s)? with|"
    r"with (?:the )?\w[\w.\- ]{0,30} (?:team|folks|community|cores)|follow(?:ed|ing)? up with|help(?:ed|ing|s)?|hand(?:ed|ing|s)?\b[\w\s-]{0,40}?\bover|"
    r"hand(?:ing)?[- ]?off|handover|coordinat\w*|shar(?:e|ed|ing)|align\w*|both teams|integrat\w*|sync(?:ed)? with|"
    r"liaison|in (?:cooperation|partnership) with|between|(?:lift|merge|fold)\w*\b[\w\s-]{0,30}?\binto)\b", re.I)
# a team adopting or relying on another project's work (said of the session's own project)
_USES_CUE = re.compile(r"\b(adopt\w*|leverag\w*|rel(?:y|ies|ying) on|depend\w*|driven by|switch\w* to|migrat\w* to|"
                       r"(?:use|using|uses) the new|"
                       r"(?:lift|merge|move|fold)\w*\b[\w\s-]{0,30}?\binto|work(?:ed|ing|s)? with|together|help\w*)\b", re.I)
_STRONG_COLLAB = re.compile(r"\b(together|jointly|joint|collaborat\w*|cross[- ]project)\b", re.I)
_HEADING_PAIR = re.compile(r"[/&+x]|\band\b|\bwith\b|<->|\bvs\b|cross[- ]project|[-–—]", re.I)
_ROLE = re.compile(r"\b(PTL|core|cores|core reviewer|liaison|maintainer|chair|lead)\b")
_GENERIC_HEADINGS = frozenset("""
summary introduction intro conclusion conclusions overview general notes agenda attendees action
items decisions next steps links references thanks updates misc miscellaneous other wrap up
wrap-up closing opening day schedule logistics feedback photos contents table of contents tl;dr
tldr comments about recap highlights update status anything else odds and ends any other business aob
please add your name irc nick roll call introductions welcome questions q&a open discussion
team photo photos dinner lunch breakfast break breaks social evening party hotel venue travel the end
join us keynote keynotes etherpad etherpads details finished not done and rest important dates
deadline deadlines week initial arguments for against pros cons resources
""".split())
# a heading that asks the room something ("which teams are going to meet on Wednesday?") names no topic
_QUESTION_HEADING = re.compile(r"(?i)^(what|which|who|when|where|why)\b")
_TOPIC_LINE = re.compile(r"^\s*(?:[*\-]\s*)?topic\s*[:\-]\s*(.{3,80}?)\s*$", re.I | re.M)


def _evidence(document: Document, start: int, end: int) -> Evidence:
    text = document.text
    seg = text[start:end]
    m = _LIST_MARKER.match(seg)
    if m:
        start += m.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start > MAX_QUOTE:
        cut = text.rfind(" ", start, start + MAX_QUOTE)
        end = cut if cut > start + MAX_QUOTE // 2 else start + MAX_QUOTE
    return Evidence(document.id, text[start:end], start, end)


def _heading_title(title: str) -> str:
    title = re.sub(r"(?:^|\s)#[\w.-]+", " ", title)  # ptgbot hashtags such as #kolla
    title = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", " ", title)  # asides: "(joint session with TripleO)"
    t = re.sub(r"^\s*(?:\d+[.)]|[ivx]+\.|topic\s*[:\-])\s*", "", title.strip(), flags=re.I)
    return t.strip(" :-–—*#\t")


def _heading_topic(title: str, gz: Gazetteer) -> str | None:
    """A session heading as a topic name, unless it is generic or mostly names."""
    t = _heading_title(title)
    if not t or len(t) > 80 or is_day_marker(t):
        return None
    words = re.findall(r"[\w.\-']+", t)
    if not (1 <= len(words) <= 8):
        return None
    if normalize(t) in _GENERIC_HEADINGS or all(normalize(w) in _GENERIC_HEADINGS for w in words) \
            or re.match(r"(?i)^(please|add your|who is|welcome)\b", t) or _QUESTION_HEADING.match(t) \
            or not re.search(r"[^\W\d_]", t) or re.match(r"\d+\s", t):
        return None  # generic, a question, a bare number, or a fragment such as "1 project work items"
    known = gz.topic(t)
    if known:
        return known.name
    if gz.project(t) or all(gz.project(w) for w in words):
        return None
    if re.search(r"\b(ptg|forum|summit|vptg|gathering)\b", t, re.I):
        return None
    # keep acronyms and proper names, lower-case ordinary capitalised words
    out = [w if (w.isupper() or any(c.isupper() for c in w[1:]) or gz.project(w)) else w.lower() for w in t.split()]
    return " ".join(out).rstrip("?.!")


# Open-infrastructure communities that hold PTG sessions of their own
_PTG_COMMUNITIES = frozenset({"kata containers", "confidential containers", "starlingx", "airship", "zuul"})


def _is_team_like(gz: Gazetteer, name: str) -> bool:
    entry = gz.project(name)
    return entry is None or entry.kind != "external" or normalize(entry.name) in _PTG_COMMUNITIES


def detect_event(doc: Doc, document: Document, gz: Gazetteer) -> str | None:
    """The PTG a note is about: an explicit hint, the PTG it names most, a city or
    cycle named next to "PTG" (disambiguated by the note's date or the years it
    mentions), else the event its date falls in (or just after)."""
    hint = document.metadata.get("event")
    if hint:
        ev = gz.event(str(hint))
        if ev:
            return ev.name
    named = Counter(e.ent_id_ for e in doc.ents if e.label_ == "PTG" and e.ent_id_)
    title_hits = [e.ent_id_ for e in doc.ents if e.label_ == "PTG" and e.start_char < len(document.title) + 200]
    if title_hits:
        return title_hits[0]
    if named:
        return named.most_common(1)[0][0]
    date = _doc_date(document)
    years = Counter(int(y) for y in re.findall(r"\b(20[12]\d)\b", document.text))
    # "the Denver PTG", "PTG in Dublin", "virtual PTG"
    low = document.text.lower()
    candidates = []
    for ev in gz.events:
        city = ev.city.lower()
        cues = []
        if city:
            cues += [f"{city} ptg", f"ptg in {city}", f"{city} project teams gathering", f"in {city}"]
        if ev.virtual:
            cues += ["virtual ptg", "vptg", "virtual project teams gathering"]
        if any(c in low for c in cues):
            candidates.append(ev)
    if not candidates and "ptg" in low:
        candidates = list(gz.events)
    cycles = Counter(e.ent_id_ for e in doc.ents if e.label_ == "CYCLE" and e.ent_id_)

    def score(ev) -> tuple:
        s = 0.0
        if date:
            delta = (date - ev.start).days
            s += 3.0 if -30 <= delta <= 150 else (-abs(delta) / 365.0)
        s += years.get(ev.start.year, 0) * 0.5
        s += cycles.get(ev.name, 0) * 0.3
        return (s, -abs((date - ev.start).days) if date else 0)

    if candidates and (date or years or cycles):
        best = max(candidates, key=score)
        if score(best)[0] > 0:
            return best.name
    if date:
        for ev in gz.events:
            if -14 <= (date - ev.start).days <= 60:
                return ev.name
    return None


def _doc_date(document: Document) -> dt.date | None:
    raw = str(document.metadata.get("date") or "")[:10]
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


class _Sentences:
    """Sentence lookup by token index, with cached evidence."""

    def __init__(self, doc: Doc, document: Document) -> None:
        self.sents = list(doc.sents)
        self.by_token: dict[int, int] = {}
        for k, s in enumerate(self.sents):
            for i in range(s.start, s.end):
                self.by_token[i] = k
        self.document = document
        self._ev: dict[int, Evidence] = {}

    def index(self, token_i: int) -> int:
        return self.by_token.get(token_i, 0)

    def evidence(self, k: int) -> Evidence:
        if k not in self._ev:
            s = self.sents[k]
            self._ev[k] = _evidence(self.document, s.start_char, s.end_char)
        return self._ev[k]


def extract_facts(doc: Doc, gz: Gazetteer) -> DocumentFacts:
    document: Document = doc._.ptg_document
    facts = DocumentFacts(document, detect_event(doc, document, gz), doc._.ptg_language)
    sents = _Sentences(doc, document)

    # sessions: the reader's sections (innermost wins for a token)
    spans = sorted(doc.spans.get("sessions", []), key=lambda s: (s.start, -s.end))
    session_of_token: dict[int, int] = {}
    heading_topics: dict[int, list[str]] = {}
    heading_projects: dict[int, list[str]] = {}
    heading_sent: dict[int, int] = {}
    for idx, span in enumerate(spans):
        title = span.kb_id_ or span.text.split("\n", 1)[0]
        line_end = document.text.find("\n", span.start_char)
        line_end = span.end_char if line_end < 0 or line_end > span.end_char else line_end
        facts.sessions.append(SessionFact(idx, _heading_title(title) or document.title,
                                          _evidence(document, span.start_char, max(line_end, span.start_char + 1)),
                                          span.label_ == "DAY", facts.event))
        for i in range(span.start, span.end):
            session_of_token[i] = idx
        heading_sent[idx] = sents.index(span.start)
    if not facts.sessions:
        facts.sessions.append(SessionFact(0, document.title, _evidence(document, 0, min(len(document.text), 200)),
                                          False, facts.event))
        heading_sent[0] = 0

    def session(i: int) -> int:
        return session_of_token.get(i, 0)

    def enclosing(idx: int) -> list[int]:
        """A session and the sessions it is nested in, innermost first."""
        if idx >= len(spans):
            return [idx]
        inner = spans[idx]
        parents = [j for j, sp in enumerate(spans) if sp.start <= inner.start and sp.end >= inner.end]
        return sorted(parents, key=lambda j: spans[j].end - spans[j].start)

    # entity mentions per sentence
    sent_projects: dict[int, list[str]] = {}
    sent_topics: dict[int, list[str]] = {}
    sent_people: dict[int, list[PersonRef]] = {}
    for ent in doc.ents:
        if ent.label_ == "PROJECT" and ent.ent_id_:
            entry = gz.project(ent.ent_id_)
            if entry is not None and not entry.is_project:
                continue
            k = sents.index(ent.start)
            surface = ent.text.lstrip("#")
            facts.projects.append(ProjectMention(ent.ent_id_, session(ent.start), sents.evidence(k), surface))
            sent_projects.setdefault(k, [])
            if ent.ent_id_ not in sent_projects[k]:
                sent_projects[k].append(ent.ent_id_)
    for span in doc.spans.get("topics", []):
        k = sents.index(span.start)
        name = span.id_ or span.text.lower()
        is_heading = heading_sent.get(session(span.start)) == k
        facts.topics.append(TopicMention(name, session(span.start), sents.evidence(k), is_heading))
        sent_topics.setdefault(k, [])
        if name not in sent_topics[k]:
            sent_topics[k].append(name)
    for span in doc.spans.get("people", []):
        ref = PersonRef(span.text, span.kb_id_ or None) if span.label_ == "PERSON" else PersonRef(None, span.text)
        k = sents.index(span.start)
        facts.people.append(PersonMention(ref, session(span.start), sents.evidence(k)))
        sent_people.setdefault(k, []).append(ref)
    # "I" in a note whose author we know
    author = document.metadata.get("author")
    if author and facts.language == "en":
        for tok in doc:
            if tok.text == "I" or (tok.lower_ == "my" and tok.i and doc[tok.i - 1].is_space):
                k = sents.index(tok.i)
                ref = PersonRef(str(author), document.metadata.get("author_irc"))
                if ref not in sent_people.get(k, []):
                    sent_people.setdefault(k, []).append(ref)
                    facts.people.append(PersonMention(ref, session(tok.i), sents.evidence(k)))

    # topics named by session headings and "Topic:" lines
    for idx, sfact in enumerate(facts.sessions):
        k = heading_sent.get(idx, 0)
        named = list(sent_topics.get(k, []))
        if not sfact.is_day and not (idx == 0 and sfact.title == document.title):
            # the heading itself names the session's topic ("Ansible deploy interface"), unless a
            # known topic already covers most of it ("Container health checks" -> health checks)
            covered = sum(len(sp.text) for sp in doc.spans.get("topics", [])
                          if sents.index(sp.start) == k)
            t = _heading_topic(sfact.title, gz)
            if t and t not in named and covered < 0.6 * len(_heading_title(sfact.title)):
                named.append(t)
                facts.topics.append(TopicMention(t, idx, sfact.evidence, True))
        heading_topics[idx] = list(named)
        heading_projects[idx] = list(sent_projects.get(k, []))
    for m in _TOPIC_LINE.finditer(document.text):
        span = doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
        if span is None:
            continue
        t = gz.topic(m.group(1))
        name = t.name if t else _heading_topic(m.group(1), gz)
        if name:
            k = sents.index(span.start)
            idx = session(span.start)
            facts.topics.append(TopicMention(name, idx, sents.evidence(k), True))
            heading_topics.setdefault(idx, []).append(name)
            sent_topics.setdefault(k, []).append(name)

    def session_topics(idx: int) -> list[str]:
        # a sub-session inherits its parent heading's topics
        return heading_topics.get(idx) or []

    # discussions
    seen_disc: set = set()

    def discuss(label: str, actor, topic: str, idx: int, ev: Evidence) -> None:
        key = (label, actor, topic, ev.start)
        if key not in seen_disc:
            seen_disc.add(key)
            facts.discussions.append(DiscussionFact(label, actor, topic, idx, ev))

    for k in set(sent_people) | set(sent_projects):
        idx = session(sents.sents[k].start)
        # what the sentence names, and what its session is about
        topics = list(dict.fromkeys(sent_topics.get(k, []) + session_topics(idx)))
        row = sents.evidence(k).quote
        if "|" in row and sent_people.get(k):
            # a priorities table row: "Rescue mode | rloo, stendulker" -> rloo discussed rescue mode
            first = _heading_topic(row.split("|", 1)[0], gz)
            if first:
                topics.append(first)
                facts.topics.append(TopicMention(first, idx, sents.evidence(k)))
        for topic in topics:
            for ref in sent_people.get(k, []):
                discuss("Person", ref, topic, idx, sents.evidence(k))
            for proj in sent_projects.get(k, []):
                discuss("Project", proj, topic, idx, sents.evidence(k))
    # a project named in a session heading discussed the topics its session covers
    for idx, projs in heading_projects.items():
        for k2, topics in sent_topics.items():
            if session(sents.sents[k2].start) == idx:
                for proj in projs:
                    for topic in topics:
                        discuss("Project", proj, topic, idx, sents.evidence(k2))

    # collaborations
    team = document.metadata.get("team")
    team_entry = gz.project(str(team)) if team else None
    if team_entry is None:
        counts = Counter(m.name for m in facts.projects if (gz.project(m.name) and gz.project(m.name).kind != "external"))
        total = sum(counts.values())
        ranked = counts.most_common(2)
        if ranked:
            top, n = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if n >= 3 and n > runner_up and n >= 0.2 * total:
                team_entry = gz.project(top)
    doc_team = team_entry.name if team_entry else None
    if doc_team:
        # a team's own notes: the team discussed what each of its sessions was about
        for idx, topics in heading_topics.items():
            if not topics:
                continue
            own = next((k for k, projs in sorted(sent_projects.items())
                        if doc_team in projs and session(sents.sents[k].start) == idx), None)
            ev = sents.evidence(own) if own is not None else facts.sessions[idx].evidence
            for topic in topics:
                discuss("Project", doc_team, topic, idx, ev)

    for k, projs in sent_projects.items():
        text = sents.evidence(k).quote
        idx = session(sents.sents[k].start)
        pairs: list[tuple[str, str]] = []
        if len(projs) >= 2 and _COLLAB_CUE.search(text) and (len(projs) <= 3 or _STRONG_COLLAB.search(text)):
            pairs = list(combinations(projs[:4], 2))
        elif len(projs) == 1 and doc_team and projs[0] != doc_team and _is_team_like(gz, projs[0]) and (
                re.search(r"\bwith (the )?\w[\w.\- ]{0,30} (team|folks|community|cores|sig|room)\b", text, re.I)
                or re.search(r"\b(together|jointly|joint|cross[- ]project|follow(ed|ing)? up with|in the \w[\w.\- ]{0,30} room)\b",
                             text, re.I)):
            pairs = [(doc_team, projs[0])]
        elif len(projs) == 1 and _USES_CUE.search(text) and _is_team_like(gz, projs[0]):
            # "Planning to adopt oslo.service's new backend" in the Manila session (or below it)
            owner = next((heading_projects[i] for i in enclosing(idx) if heading_projects.get(i)), [])
            if len(owner) == 1 and owner[0] != projs[0]:
                pairs = [(owner[0], projs[0])]
            elif doc_team and doc_team != projs[0] and not owner:
                pairs = [(doc_team, projs[0])]
        elif not pairs and doc_team and re.search(r"\b(our|we)\b", text, re.I) and _USES_CUE.search(text):
            # "our baremetal deployment driven by metalsmith instead of Heat/Nova": the
            # note's own team relies on the project named, not on the ones it replaces
            kept = re.split(r"\binstead of\b|\brather than\b", text, flags=re.I)[0]
            used = [p for p in projs if p != doc_team and _is_team_like(gz, p)
                    and any(m.evidence.start == sents.evidence(k).start and m.surface and m.surface in kept
                            for m in facts.projects if m.name == p)]
            if len(used) == 1:
                pairs = [(doc_team, used[0])]
        # two outside projects working together are not what a PTG note is about
        pairs = [(a, b) for a, b in pairs if _is_team_like(gz, a) or _is_team_like(gz, b)]
        topics = sent_topics.get(k) or session_topics(idx)
        for a, b in pairs:
            facts.collaborations.append(CollaborationFact(tuple(sorted((a, b))), list(topics), idx, sents.evidence(k)))
    # a note by one team with a session per team it met ("Cinder", "Nova"...): the
    # decisions made in such a session are joint work
    decision_sents = {sents.index(sp.start) for sp in doc.spans.get("decisions", [])}
    for idx, projs in heading_projects.items():
        sfact = facts.sessions[idx] if idx < len(facts.sessions) else None
        if (sfact and doc_team and len(projs) == 1 and projs[0] != doc_team and _is_team_like(gz, projs[0])
                and len(sfact.title.split()) <= 4):
            # evidence: the session's first decision, else its first sentence naming the other team
            body = [k for k in range(heading_sent.get(idx, 0) + 1, len(sents.sents))
                    if session(sents.sents[k].start) == idx]
            chosen = next((k for k in body if k in decision_sents), None)
            if chosen is None:
                chosen = next((k for k in body if projs[0] in sent_projects.get(k, [])), None)
            if chosen is not None:
                facts.collaborations.append(CollaborationFact(tuple(sorted((doc_team, projs[0]))),
                                                              sent_topics.get(chosen) or session_topics(idx), idx,
                                                              sents.evidence(chosen)))
        if sfact and len(projs) >= 2 and _HEADING_PAIR.search(sfact.title) and len(projs) <= 3:
            for a, b in combinations(projs, 2):
                facts.collaborations.append(CollaborationFact(tuple(sorted((a, b))), session_topics(idx), idx,
                                                              sfact.evidence))

    # decisions
    for span in doc.spans.get("decisions", []):
        k = sents.index(span.start)
        idx = session(span.start)
        ev = sents.evidence(k)
        if heading_sent.get(idx) == k and len(ev.quote) < 80:
            continue  # a heading such as "Decisions" is not itself a decision
        text = re.sub(r"^(?:AR|ACTION|AGREED|DECISION|TODO|AI|Action item)\s*[:\-]\s*", "", ev.quote, flags=re.I)
        topics = sent_topics.get(k) or session_topics(idx)
        projects = sent_projects.get(k) or heading_projects.get(idx) or ([doc_team] if doc_team else [])
        owners = list(sent_people.get(k, [])) if span.label_ in ("action", "agreed", "proposed") else []
        if span.label_ == "action" and re.search(r"\bI\b", text) and author:
            owners.append(PersonRef(str(author), document.metadata.get("author_irc")))
        facts.decisions.append(DecisionFact(text.strip(), span.label_, idx, ev, list(topics), list(projects),
                                            list(dict.fromkeys(owners))))

    # memberships: "Mark Goddard (Kolla PTL)", "the Nova PTL, Matt Riedemann"
    for k, refs in sent_people.items():
        projs = sent_projects.get(k, [])
        if not projs:
            continue
        text = sents.evidence(k).quote
        for m in _ROLE.finditer(text):
            role = m.group(1).rstrip("s") if m.group(1) == "cores" else m.group(1)
            window = text[max(0, m.start() - 40): m.end() + 40]
            near_projects = [p for p in projs if normalize(p) in normalize(window)
                             or any(normalize(a) in normalize(window) for a in (gz.project(p).aliases if gz.project(p) else ()))]
            near_people = [r for r in refs if r.surface and r.surface in window]
            if len(near_projects) == 1 and len(near_people) == 1:
                facts.memberships.append(MembershipFact(near_people[0], near_projects[0], role, sents.evidence(k)))
    return facts
