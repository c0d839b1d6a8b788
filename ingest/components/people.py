"""``ptgkg_people``: people mentioned in a note, as ``doc.spans["people"]``.

Reads the statistical NER's PERSON entities and keeps the ones that are names
(not projects, topics, cycles, URLs or capitalised German nouns), then adds what
NER misses in PTG notes: IRC nicks in "Full Name (nick)", owners after "AR:",
"ACTION:", "Owner:" or "Champions:", nicks followed by "will", "volunteered", "to".

Span label ``PERSON`` (``kb_id_`` carries the nick where the note gives one) or
``NICK`` (a nick with no name in sight; resolution may know the name).
"""
from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .document_context import ensure_extensions

__all__ = ["PeopleFinder", "english_words", "looks_like_nick"]

SPANS_KEY = "people"
_NICK_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-|`^]{1,24}$")
_ACTION_VERBS = ["will", "volunteered", "volunteers", "to", "agreed", "proposed", "suggested",
                 "said", "takes", "took", "is", "has", "offered", "mentioned", "noted", "explained",
                 "presented", "asked", "raised", "wants", "would", "needs", "can", "promised", "plans",
                 "planned", "thinks", "suggests", "proposes", "reported", "showed", "shown", "shared",
                 "confirmed", "wrote", "started", "pointed", "looked", "looks", "agrees", "disagreed", "is",
                 "was", "did", "does", "has", "had", "made", "gave", "volunteer", "signed", "sync", "syncs"]
_ROLE_WORDS = {"contributor", "core", "ptl", "maintainer", "reviewer", "author", "developer", "member", "lead",
               "liaison", "chair", "operator", "colleague"}
_OWNER_CUES = {"ar", "action", "actions", "owner", "owners", "champion", "champions", "contact",
               "contacts", "assignee", "assignees", "volunteer", "volunteers", "lead", "leads",
               "by", "attendees", "present", "who"}
_NOT_NAMES = frozenset("""
todo tbd fixme agreed action note notes summary topic topics etherpad ptg ptl tc cores core openstack
team teams community folks everyone someone nobody anyone all we they i you he she it
""".split())

_ENGLISH: frozenset[str] | None = None
_STOP = frozenset(STOP_WORDS)


def english_words(nlp: Language | None = None) -> frozenset[str]:
    """English words from the model's WordNet index (lemmatizer lookups), to tell
    a nick such as "rloo" from a word such as "team"."""
    global _ENGLISH
    if _ENGLISH is None:
        words: set[str] = set()
        if nlp is not None and "lemmatizer" in nlp.component_names:
            lookups = nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_index"):
                for forms in lookups.get_table("lemma_index").values():
                    words.update(forms)
                for table in ("lemma_exc",):
                    if lookups.has_table(table):
                        for exc in lookups.get_table(table).values():
                            words.update(exc.keys())
        if nlp is not None:
            words.update(nlp.Defaults.stop_words)
        _ENGLISH = frozenset(words)
    return _ENGLISH


def is_english(word: str, english: frozenset[str]) -> bool:
    """The WordNet index lists lemmas; accept their common inflections too.

    >>> is_english("projects", frozenset({"project"})), is_english("rloo", frozenset({"project"}))
    (True, False)
    """
    w = word.lower()
    if w in english:
        return True
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
                         ("est", ""), ("er", ""), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and w[: len(w) - len(suffix)] + repl in english:
            return True
    return False


def looks_like_nick(text: str, english: frozenset[str]) -> bool:
    """Example.

    >>> looks_like_nick("pbourke", frozenset({"team"}))
    True
    >>> looks_like_nick("team", frozenset({"team"}))
    False
    """
    if not _NICK_RE.match(text) or text.isupper() or text.isdigit():
        return False
    low = text.lower()
    if "-" in low:  # "pas-ha" yes, "from-volume" no
        parts = low.split("-")
        if any(p in english and len(p) > 3 or p in _STOP for p in parts):
            return False
    return not is_english(low, english) and low not in _NOT_NAMES and any(c.isalpha() for c in text)


@Language.factory("ptgkg_people", requires=["doc.ents"], assigns=["doc.spans"])
def make_people_finder(nlp: Language, name: str) -> "PeopleFinder":
    return PeopleFinder(nlp)


class PeopleFinder:
    def __init__(self, nlp: Language) -> None:
        ensure_extensions()
        self.english = english_words(nlp)
        self.matcher = Matcher(nlp.vocab)
        nickish = {"TEXT": {"REGEX": _NICK_RE.pattern}}
        self.matcher.add("NICK_ACTS", [[nickish, {"LOWER": {"IN": _ACTION_VERBS}}]])
        self.matcher.add("PAREN_NICK", [[{"ORTH": "("}, nickish, {"ORTH": ")"}]])


    # -- helpers ------------------------------------------------------------
    def _acts_like_person(self, ent: Span) -> bool:
        """NER often calls contributors' names ORG in notes ("Sylvain Bauza", "Bence"):
        accept capitalised non-English words that act like a person."""
        if not (1 <= len(ent) <= 3) or not all(t.is_title and t.is_alpha and t.lower_ not in self.english for t in ent):
            return False
        doc = ent.doc
        nxt = doc[ent.end].lower_ if ent.end < len(doc) else ""
        prev = doc[ent.start - 1].lower_ if ent.start else ""
        return nxt in _ACTION_VERBS or prev in ("by", "with", "thanks", "and") and nxt in (".", ",", "on", "and", "")

    def _is_taken(self, doc: Doc, start: int, end: int) -> bool:
        return any(t.ent_type_ in ("PROJECT", "PTG", "CYCLE") for t in doc[start:end])

    def _clean_person(self, ent: Span) -> Span | None:
        start, end = ent.start, ent.end
        doc = ent.doc
        while start < end and (doc[start].is_punct or doc[start].is_space or doc[start].lower_ in ("the", "@")):
            start += 1
        while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space or doc[end - 1].lower_ in ("'s", "’s")):
            end -= 1
        if end - start == 0 or end - start > 4:
            return None
        span = doc[start:end]
        text = span.text
        if "\n" in text or any(c.isdigit() for c in text) or re.search(r"[@/_=<>{}\[\]#:*|]", text):
            return None
        if self._is_taken(doc, start, end) or text.islower() or text.isupper() and len(text) > 3:
            return None
        if any(t.lower_ in _NOT_NAMES for t in span) or any(t.is_upper and len(t) > 1 for t in span):
            return None
        topics = doc.spans.get("topics", [])
        if any(t.start < end and start < t.end for t in topics):
            return None
        if not all(t.text[:1].isupper() or t.lower_ in ("van", "de", "der", "da", "von", "la", "del", "di") or t.text in ("-", "'")
                   for t in span):
            return None
        return Span(doc, start, end, label="PERSON")

    def _merge_hyphen_nicks(self, doc: Doc) -> None:
        """spaCy splits "pas-ha" and "sean-k-mooney" at the hyphens; join such runs
        back into one token when they look like a nick (and are no entity or topic)."""
        busy = {i for e in doc.ents if e.label_ != "PERSON" for i in range(e.start, e.end)}
        busy |= {i for s in doc.spans.get("topics", []) for i in range(s.start, s.end)}
        runs, i = [], 0
        while i < len(doc) - 2:
            j = i
            while (j + 2 < len(doc) and doc[j + 1].text == "-" and not doc[j].whitespace_
                   and not doc[j + 1].whitespace_ and doc[j + 2].is_alpha):
                j += 2
            if j > i:
                if not busy & set(range(i, j + 1)) and all(t.is_lower or t.text == "-" for t in doc[i:j + 1]) \
                        and looks_like_nick(doc[i:j + 1].text, self.english):
                    runs.append((i, j + 1))
                i = j + 1
            else:
                i += 1
        if runs:
            # span groups hold token offsets that a merge invalidates: keep them by character
            saved = {key: [(sp.start_char, sp.end_char, sp.label_, sp.kb_id_, sp.id_) for sp in group]
                     for key, group in doc.spans.items()}
            with doc.retokenize() as retok:
                for a, b in runs:
                    retok.merge(doc[a:b])
            for key, rows in saved.items():
                restored = []
                for start, end, label, kb_id, span_id in rows:
                    sp = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")
                    if sp is not None:
                        restored.append(Span(doc, sp.start, sp.end, label=label, kb_id=kb_id, span_id=span_id))
                doc.spans[key] = restored

    def __call__(self, doc: Doc) -> Doc:
        foreign = doc._.ptg_language != "en"
        self._merge_hyphen_nicks(doc)
        found: list[Span] = []
        if not foreign:
            for ent in doc.ents:
                if ent.label_ == "PERSON" or (ent.label_ in ("ORG", "GPE", "NORP") and self._acts_like_person(ent)):
                    span = self._clean_person(ent)
                    if span is not None:
                        found.append(span)
        # a blog byline at the top: "By Aoife Brennan" (or a nick: "By eumel8", kept below)
        byline_nick = None
        for sent in list(doc.sents)[:4]:
            m = re.fullmatch(r"By ([A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3})", sent.text.strip())
            n = re.fullmatch(r"By ([\w.|`^-]{2,24})", sent.text.strip())
            if n and not m and looks_like_nick(n.group(1), self.english):
                byline_nick = sent.start + 1
                break
            if m:
                span = doc.char_span(sent.start_char + sent.text.index(m.group(1)),
                                     sent.start_char + sent.text.index(m.group(1)) + len(m.group(1)))
                if span is not None:
                    found = [p for p in found if p.end <= span.start or p.start >= span.end]
                    found.append(Span(doc, span.start, span.end, label="PERSON"))
                break
        # "Full Name (nick)": attach the nick to the name; two or three capitalised
        # words before a nick in parentheses are a name whatever NER thought
        nick_of: dict[int, str] = {}
        for match_id, start, end in self.matcher(doc):
            rule = doc.vocab.strings[match_id]
            if rule != "PAREN_NICK" or not looks_like_nick(doc[start + 1].text, self.english):
                continue
            nick = doc[start + 1].text
            before = [p for p in found if p.end == start]
            if len(before) == 1 and len(before[0]) == 1 and not foreign:
                # NER often tags only the surname of "Elif Nakamura (enakamura)": a capitalised
                # word right before it that is not English is the first name
                surname, prev = before[0], doc[before[0].start - 1] if before[0].start else None
                if prev is not None and prev.is_title and prev.is_alpha and prev.lower_ not in _NOT_NAMES \
                        and not prev.ent_type_ in ("PROJECT", "PTG", "CYCLE") and not is_english(prev.text, self.english):
                    span = Span(doc, prev.i, surname.end, label="PERSON")
                    found = [p for p in found if p is not surname] + [span]
                    before = [span]
            if not before and not foreign:
                k = start
                while k > 0 and start - k < 3 and doc[k - 1].is_title and not doc[k - 1].ent_type_ in ("PROJECT", "PTG", "CYCLE") \
                        and "\n" not in doc[k - 1].text and doc[k - 1].lower_ not in _NOT_NAMES:
                    k -= 1
                # "Thanks Jana Novak (jnovak)": a leading English word is no part of the name
                while start - k > 2 and is_english(doc[k].text, self.english):
                    k += 1
                if start - k >= 2:
                    span = Span(doc, k, start, label="PERSON")
                    found = [p for p in found if p.end <= k or p.start >= start] + [span]
                    before = [span]
            if before:
                nick_of[before[0].start] = nick
        # nicks this note gives next to a name; what the store knows is resolution's business,
        # so the facts read from a note depend on the note alone
        doc_nicks = {n.lower() for n in nick_of.values()}
        # a lone capitalised word is a name only if it is not an English word, or it is
        # the first name of someone this note names in full ("Lajos" after "Lajos Katona")
        first_names = {p[0].lower_ for p in found if len(p) > 1}
        found = [p for p in found if len(p) > 1 or p[0].lower_ in first_names or not is_english(p[0].text, self.english)]
        people = [Span(doc, p.start, p.end, label="PERSON", kb_id=nick_of.get(p.start, "")) for p in found]
        taken = {i for p in people for i in range(p.start, p.end)}
        nick_spans: list[Span] = []

        def add_nick(i: int) -> None:
            tok = doc[i]
            if i in taken or self._is_taken(doc, i, i + 1) or not looks_like_nick(tok.text, self.english):
                return
            nick_spans.append(Span(doc, i, i + 1, label="NICK", kb_id=tok.text))
            taken.add(i)

        for match_id, start, end in self.matcher(doc):
            rule = doc.vocab.strings[match_id]
            if rule == "NICK_ACTS":
                tok = doc[start]
                # a nick acting at the start of a line or sentence, after a list marker or owner cue
                prev = doc[start - 1] if start else None
                at_start = (prev is None or tok.is_sent_start or "\n" in prev.text
                            or prev.text in ("*", "-", ":", "•", ",", "(", ".", ";"))
                nick_shaped = tok.text[:1].islower() or any(c.isupper() for c in tok.text[1:]) or any(
                    c.isdigit() or c in "_|" for c in tok.text)
                if tok.text.lower() in doc_nicks or (at_start and nick_shaped):
                    add_nick(start)
            elif rule == "PAREN_NICK":
                nick = doc[start + 1]
                role_before = start > 0 and doc[start - 1].lower_ in _ROLE_WORDS
                if nick.text.lower() in doc_nicks:
                    add_nick(start + 1)
                elif role_before and nick.is_lower and not nick.is_stop and start + 1 not in taken:
                    nick_spans.append(Span(doc, start + 1, start + 2, label="NICK", kb_id=nick.text))
                    taken.add(start + 1)
        if byline_nick is not None and byline_nick < len(doc):
            add_nick(byline_nick)
        # owner lists: "AR: rloo, dtantsur", "Champions: JayF", "Owner: TheJulia"
        for sent in doc.sents:
            toks = [t for t in sent if not t.is_space]
            for j, tok in enumerate(toks[:-1]):
                if tok.lower_ in _OWNER_CUES and toks[j + 1].text in (":", "-", "—"):
                    k = j + 2
                    while k < len(toks) and toks[k].text not in (".", ";"):
                        if toks[k].text in (",", "/", "and", "&") or toks[k].is_space:
                            k += 1
                            continue
                        if looks_like_nick(toks[k].text, self.english) and not any(
                                p.start <= toks[k].i < p.end for p in people):
                            add_nick(toks[k].i)
                            k += 1
                            continue
                        break
        # tables with an owner column: "Priority | Primary Contacts" then "Rescue mode | rloo, stendulker"
        owner_col = None
        for sent in doc.sents:
            line = sent.text.strip()
            if "|" not in line:
                owner_col = None
                continue
            cells = [c.strip() for c in line.split("|")]
            header = [k for k, c in enumerate(cells) if set(re.findall(r"[a-z]+", c.lower())) & _OWNER_CUES]
            if header and len(line) < 200:
                owner_col = header[0]
                continue
            if owner_col is None or owner_col >= len(cells):
                continue
            # char range of the owner cell inside this sentence
            offset = sent.start_char + len(sent.text) - len(sent.text.lstrip())
            pos = 0
            for k, cell in enumerate(line.split("|")):
                if k == owner_col:
                    span = doc.char_span(offset + pos, offset + pos + len(cell), alignment_mode="contract")
                    if span is not None:
                        for tok in span:
                            if tok.text not in (",", "/", "and", "&") and not any(p.start <= tok.i < p.end for p in people):
                                add_nick(tok.i)
                    break
                pos += len(cell) + 1
        # attendee lists: a nick alone on its line under "Attendees" / "Please add your name"
        for session in doc.spans.get("sessions", []):
            if not re.search(r"\b(attendees?|attendance|participants|present|add your (name|nick)|who is here|roll ?call)\b",
                             session.kb_id_ or "", re.I):
                continue
            for sent in doc[session.start:session.end].sents:
                words = [t for t in sent if not (t.is_space or t.is_punct)]
                if len(words) == 1:
                    add_nick(words[0].i)
        # nicks defined earlier in this note, wherever they appear again
        for tok in doc:
            if tok.lower_ in doc_nicks and tok.i not in taken and not tok.is_stop:
                add_nick(tok.i)
        doc.spans[SPANS_KEY] = filter_spans(people + nick_spans)
        return doc
