"""``ptgkg_decisions``: sentences that record a decision, as ``doc.spans["decisions"]``
with the span label giving its status:

* ``agreed``: "we agreed", "decided", "consensus", "AGREED:", "we will";
* ``action``: "AR:", "ACTION:", action items, "X volunteered to", "X will";
* ``proposed``: "proposed", "suggested", "plan to";
* ``open``: explicit non-decisions ("no clear winner", "no consensus", "TBD").

When cues of several kinds meet in a sentence the most specific wins:
open > action > agreed > proposed.

Two list forms carry their cue on another line: the items after a cue line
ending in a colon ("Finally we decided to:"), and every line of a session whose
heading says what it holds ("Action items", "Decisions", "Queens priorities").
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

__all__ = ["DecisionFinder", "STATUS_ORDER", "CUES"]

SPANS_KEY = "decisions"
STATUS_ORDER = ("open", "action", "agreed", "proposed")


def _seq(*words: str) -> list[dict]:
    return [{"LOWER": {"IN": w.split("|")}} if "|" in w else {"LOWER": w} for w in words]


CUES: dict[str, list[list[dict]]] = {
    "open": [
        _seq("no", "clear", "winner"), _seq("no", "decision|consensus|conclusion|agreement"),
        _seq("not", "decided|agreed|settled|clear"), _seq("undecided"), _seq("unresolved"),
        _seq("open", "question|questions|item|issue"), _seq("still", "open|unclear|undecided"),
        _seq("tbd"), _seq("to", "be", "decided|determined|discussed"),
        _seq("need|needs", "more", "discussion|investigation|thought"),
        _seq("did", "not", "agree|decide"), _seq("didn't", "agree|decide"), _seq("did", "n't", "agree|decide"),
        _seq("remains", "open|unclear"), _seq("no", "one", "volunteered"), _seq("nobody", "volunteered"),
        _seq("open", ":"), _seq("to", "be", "confirmed|clarified"), _seq("postponed|deferred"), _seq("left", "open"),
        _seq("no", "strong", "opinion|opinions"), _seq("decisions|decision|conclusion", "yet"),
        _seq("make", "a", "decision"), _seq("further", "conversations|discussions|discussion"),
        _seq("have", "not", "decided"), _seq("haven't", "decided"), _seq("not", "made", "decisions|a"), _seq("needs|need", "volunteers|a", "volunteer|owner"),
    ],
    "action": [
        _seq("ar", ":"), _seq("action", ":"), _seq("actions", ":"), _seq("action", "item|items|point"),
        _seq("todo", ":"), _seq("ai", ":"),
        _seq("volunteered|volunteers"), _seq("signed", "up"), _seq("will", "follow", "up"),
        _seq("to", "follow", "up"), _seq("took", "the", "action"), _seq("will", "take", "care"),
        _seq("will", "look", "into|at"), _seq("will", "work", "on|with"), _seq("will", "write|send|propose|review|update|check|investigate|file|prepare|start|ping|reach|talk|sync|organise|organize"),
        _seq("to", "write|send|review|investigate|file|prepare|ping|sync"), _seq("offered", "to"),
    ],
    "agreed": [
        _seq("agreed"), _seq("agree", "on|that|to"), _seq("agreement"), _seq("decided"), _seq("decision", ":|was|is"),
        _seq("consensus"), _seq("concluded"), _seq("conclusion", ":|was|is"), _seq("approved"),
        _seq("we", "will"), _seq("we", "'ll"), _seq("we’ll"), _seq("we", "are", "going", "to"),
        _seq("settled", "on"), _seq("the", "plan", "is"), _seq("going", "forward"),
        _seq("so", "we", "agreed"), _seq("resolution", ":"), _seq("fine", "with", "everybody|everyone|all"),
        _seq("no", "objections|objection"), _seq("the", "decision|conclusion|outcome", "during|was|is|of|at"),
        _seq("is|are", "a|the", "priority"), _seq("top|main|first", "priority"), _seq("will", "keep|continue"),
        _seq("was|were", "decided|agreed"),
        # German write-ups ("entschied man sich", "in Zukunft selbst zuständig")
        _seq("entschied|entschieden|beschlossen|vereinbart|geeinigt|beschloss"), _seq("in", "zukunft"), _seq("everyone|everybody", "agreed|agrees"), _seq("will", "live|stay|remain|become|move|be"),
    ],
    "proposed": [
        _seq("propose|proposed|proposes|proposal"), _seq("suggested|suggests|suggestion"),
        _seq("plan|plans|planning|planned", "to"), _seq("we", "want|would", "to|like"),
        _seq("idea", "is"), _seq("should", "consider"), _seq("wants|want", "to"), _seq("could", "run|use|be|move|reuse"),
        _seq("asked", "that|for"), _seq("would", "be", "nice|good|better"), _seq("aim|goal|plan", "is", "to"),
        _seq("considering"), _seq("planning", "includes|include"), _seq("is|are", "planning"),
        _seq("would", "like", "to"),
    ],
}


_HEADING_STATUS = (
    (re.compile(r"\b(action items?|actions|next steps|todo|to-?dos|work ?items|assignments)\b", re.I), "action"),
    (re.compile(r"\b(decisions?|agreed|agreements?|outcomes?|conclusions?|resolutions?|priorities)\b", re.I), "agreed"),
    (re.compile(r"\b(open questions?|open items|unresolved|undecided)\b", re.I), "open"),
)


def heading_status(title: str) -> str | None:
    """The status a session heading gives its lines, if any.

    >>> heading_status("Action items"), heading_status("Essential Priorities"), heading_status("CI")
    ('action', 'agreed', None)
    """
    if len(title.split()) > 4:  # "Next Steps for Policy in OpenStack" is a topic, not a list of steps
        return None
    for pattern, status in _HEADING_STATUS:
        if pattern.search(title):
            return status
    return None


@Language.factory("ptgkg_decisions", requires=["token.is_sent_start", "doc.spans"], assigns=["doc.spans"])
def make_decision_finder(nlp: Language, name: str) -> "DecisionFinder":
    return DecisionFinder(nlp)


class DecisionFinder:
    def __init__(self, nlp: Language, min_tokens: int = 4, max_tokens: int = 120) -> None:
        self.matcher = Matcher(nlp.vocab)
        for status, patterns in CUES.items():
            self.matcher.add(status, patterns)
        self.min_tokens, self.max_tokens = min_tokens, max_tokens

    def __call__(self, doc: Doc) -> Doc:
        statuses: dict[int, set[str]] = {}
        sent_of = {}
        for sent in doc.sents:
            for tok in sent:
                sent_of[tok.i] = sent
        for match_id, start, _end in self.matcher(doc):
            sent = sent_of[start]
            statuses.setdefault(sent.start, set()).add(doc.vocab.strings[match_id])
        # "pbourke will ...", "Paul will ..." : a person committing to something
        for person in doc.spans.get("people", []):
            if person.end < len(doc) and doc[person.end].lower_ in ("will", "'ll", "volunteered", "to"):
                sent = sent_of[person.start]
                if doc[person.end].lower_ != "to" or person.start == sent.start or doc[person.start - 1].text in (":", "-", "*"):
                    statuses.setdefault(sent.start, set()).add("action")
        sents = list(doc.sents)
        # items of a list introduced by a cue line ending in ":" take its status
        for k, sent in enumerate(sents):
            found = statuses.get(sent.start)
            if not found or not sent.text.rstrip().endswith(":"):
                continue
            status = next(s for s in STATUS_ORDER if s in found)
            blank_seen = 0
            for nxt in sents[k + 1:]:
                gap = doc.text[sents[k].end_char:nxt.start_char] if nxt is sents[k + 1] else ""
                between = doc.text[nxt.start_char - 2:nxt.start_char] if nxt.start_char >= 2 else ""
                if "\n\n" in between or "\n\n" in gap:
                    blank_seen += 1
                    if blank_seen > 1 or nxt is not sents[k + 1]:
                        break
                if nxt.start > sent.end + 400 or self._is_heading(doc, nxt):
                    break
                statuses.setdefault(nxt.start, set()).add(status)
        # sessions whose heading says they hold decisions or action items
        starts = sorted(s.start for s in doc.spans.get("sessions", []))
        for session in doc.spans.get("sessions", []):
            status = heading_status(session.kb_id_ or "")
            if status is None:
                continue
            # only the session's own lines, not the sub-sessions nested under it
            own_end = min([x for x in starts if x > session.start] + [session.end])
            for sent in sents:
                if session.start < sent.start < own_end:
                    if "|" in sent.text and re.search(r"\b(priority|contacts?|owners?|champions?)\b", sent.text, re.I) \
                            and sent.text.count("|") >= 1 and len(sent.text) < 120 and not statuses.get(sent.start):
                        continue  # a table header row
                    statuses.setdefault(sent.start, set()).add(status)
        spans = []
        for sent in sents:
            found = statuses.get(sent.start)
            if not found:
                continue
            words = [t for t in sent if not (t.is_space or t.is_punct)]
            if not (self.min_tokens <= len(words) <= self.max_tokens):
                continue
            status = next(s for s in STATUS_ORDER if s in found)
            start, end = sent.start, sent.end
            while end > start and doc[end - 1].is_space:
                end -= 1
            spans.append(Span(doc, start, end, label=status))
        doc.spans[SPANS_KEY] = spans
        return doc

    @staticmethod
    def _is_heading(doc: Doc, sent: Span) -> bool:
        return any(s.start == sent.start for s in doc.spans.get("sessions", []))
