"""``ptgkg_line_sentences``: sentence boundaries for notes, which are made of lines
(bullets, table rows, headings) as much as of prose.

A line break starts a sentence when it ends a paragraph, when the next line is a
list item or a table row, when the line before ends a sentence (``.``, ``:``...), or
when the line before is short and the next starts in upper case (a heading, an
unmarked list). Otherwise it is a soft wrap inside a sentence, as in e-mail and
hard-wrapped Markdown or reStructuredText. Within a line, sentence-final
punctuation followed by a capitalised word splits too.

>>> import spacy
>>> nlp = spacy.blank("en"); _ = nlp.add_pipe("ptgkg_line_sentences")
>>> [s.text.strip() for s in nlp("AR: pbourke to write docs\\n* Agreed on checks. Next item").sents]
['AR: pbourke to write docs', '* Agreed on checks.', 'Next item']
>>> [s.text.strip() for s in nlp("We agreed that the checks stay cheap enough to run every\\nfew seconds.").sents]
['We agreed that the checks stay cheap enough to run every\\nfew seconds.']
"""
import re

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["LineSentences", "is_line_break"]

_END = {".", "!", "?", ";"}
_MARKER = re.compile(r"^\s*(?:[*\-•+>|#]|\d{1,3}[.)]\s|[A-Z]{2,10}:|[\w\-|`^]{2,24}:\s)")
_LINE_END = re.compile(r"[.!?:;)\]]\s*$")


def is_line_break(prev_line: str, next_line: str, blank_between: bool) -> bool:
    """Whether the newline between two lines ends a sentence."""
    if blank_between or not prev_line.strip() or not next_line.strip():
        return True
    if _MARKER.match(next_line) or "|" in prev_line or "|" in next_line:
        return True
    if _LINE_END.search(prev_line):
        return True
    first = next_line.lstrip()[:1]
    return len(prev_line.strip()) < 60 and (first.isupper() or first.isdigit())


@Language.factory("ptgkg_line_sentences", assigns=["token.is_sent_start"])
def make_line_sentences(nlp: Language, name: str) -> "LineSentences":
    return LineSentences()


class LineSentences:
    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        text = doc.text
        # decide every boundary first, then set them in one array write: setting
        # token.is_sent_start one token at a time re-checks the whole document each time
        starts = numpy.full(len(doc), -1, dtype="int32")
        starts[0] = 1
        prev = doc[0]
        for tok in doc[1:]:
            if "\n" in prev.text or "\n" in prev.whitespace_:
                nl = text.rfind("\n", 0, tok.idx)
                line_start = text.rfind("\n", 0, nl) + 1
                prev_line = text[line_start:nl]
                next_end = text.find("\n", tok.idx)
                next_line = text[tok.idx: next_end if next_end >= 0 else len(text)]
                blank = text[line_start:tok.idx].count("\n") > 1 or not prev_line.strip()
                if is_line_break(prev_line, next_line, blank):
                    starts[tok.i] = 1
            elif prev.text in _END and not tok.is_punct and (tok.is_title or tok.is_upper or tok.is_digit):
                starts[tok.i] = 1
            prev = tok
        doc.from_array([SENT_START], starts.astype("uint64").reshape(-1, 1))  # -1 wraps, as spaCy stores it
        return doc
