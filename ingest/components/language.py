"""``ptgkg_language``: flags documents that are not English (``Doc._.ptg_language``),
so later components hold back: an English NER model reads capitalised German
nouns as names.

>>> import spacy
>>> nlp = spacy.blank("en"); _ = nlp.add_pipe("ptgkg_language")
>>> nlp("Wir haben uns auf der Konferenz getroffen und die Teams haben viel diskutiert.")._.ptg_language
'other'
"""
from spacy.language import Language
from spacy.tokens import Doc

from .document_context import ensure_extensions

__all__ = ["LanguageFlag"]

# Frequent function words of languages PTG notes have come in; a document where these
# outnumber English stop words is not English.
_FOREIGN = frozenset("""
der die das und ist nicht ein eine mit auf für den dem des sich auch wir ich es zu von
le la les et est une des du dans pour que qui avec sur pas
el los las y es una del por con para que
""".split()) - {"die", "is", "a", "on", "es"}


@Language.factory("ptgkg_language", assigns=["doc._.ptg_language"])
def make_language_flag(nlp: Language, name: str) -> "LanguageFlag":
    return LanguageFlag()


class LanguageFlag:
    def __init__(self, sample_tokens: int = 2000) -> None:
        ensure_extensions()
        self.sample_tokens = sample_tokens

    def __call__(self, doc: Doc) -> Doc:
        english = foreign = 0
        for tok in doc[: self.sample_tokens]:
            low = tok.lower_
            if low in _FOREIGN:
                foreign += 1
            elif tok.is_stop:
                english += 1
        doc._.ptg_language = "other" if foreign > english else "en"
        return doc
