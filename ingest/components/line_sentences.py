"""``ptgkg_line_sentences``: notes are lines (bullets, table rows, headings), so every
line break starts a sentence, on top of punctuation-based splitting.

>>> import spacy
>>> nlp = spacy.blank("en"); _ = nlp.add_pipe("ptgkg_line_sentences")
>>> [s.text.strip() for s in nlp("AR: pbourke to write docs\\n* Agreed on checks. Next item").sents]
['AR: pbourke to write docs', '* Agreed on checks.', 'Next item']
"""
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["LineSentences"]

_END = {".", "!", "?", ";"}


@Language.factory("ptgkg_line_sentences", assigns=["token.is_sent_start"])
def make_line_sentences(nlp: Language, name: str) -> "LineSentences":
    return LineSentences()


class LineSentences:
    """Sentence starts after newlines and after sentence-final punctuation."""

    def __call__(self, doc: Doc) -> Doc:
        prev = None
        for i, tok in enumerate(doc):
            if i == 0:
                tok.is_sent_start = True
            elif "\n" in prev.text or "\n" in prev.whitespace_:
                tok.is_sent_start = True
            elif prev.text in _END and not tok.is_punct and (tok.is_title or tok.is_upper or tok.is_digit):
                tok.is_sent_start = True
            else:
                tok.is_sent_start = False
            prev = tok
        return doc
