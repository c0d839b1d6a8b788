"""Realistic synthetic PTG notes at any size, built from the sample notes in ``data/notes``.

The sample notes are read with ptgkg's own readers; each section becomes a template
(its title and its sentences or pad lines) in which every project, person, IRC nick,
topic and PTG the gazetteer knows is replaced by a slot. A generated document picks an
event from ``data/events.yaml``, a cast (projects from ``data/gazetteer.yaml``, topics
from ``data/topics.yaml``, people from a pool of synthetic names) and several section
templates, fills the slots, and writes itself in one of the formats ptgkg reads:
Markdown, reStructuredText, plain text, etherpad export, HTML blog post, e-mail.
The same ``--seed`` writes the same corpus, byte for byte.

Usage::

    .venv/bin/python benchmarks/generate_corpus.py OUT --documents 1000 [--seed 7]
    .venv/bin/python benchmarks/generate_corpus.py OUT --words 1000000

From Python: ``generate(out_dir, documents=N | words=W, seed=S) -> CorpusStats``.
"""
from __future__ import annotations

import argparse
import html
import random
import re
import sys
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path

__all__ = ["generate", "CorpusStats", "load_templates", "FORMATS"]

REPO = Path(__file__).resolve().parents[1]
FORMATS = (".md", ".rst", ".txt", ".etherpad.txt", ".html", ".eml")

# synthetic people: first x last names (none of them quotes the sample notes' people)
_FIRST = """Aiko Alba Amir Anja Arjun Beatriz Bruno Carmen Chen Dalia Dmitri Elif Emeka Eva Farid Freya
Gabriel Hana Hugo Ines Ivan Jana Jonas Kai Kenji Lara Leon Lucia Mads Maya Mateo Mira Nadia Nikolai Noor
Olga Omar Pavel Priya Rafael Rina Sami Sara Sofia Tariq Tomas Uma Vera Viktor Wei Yara Yusuf Zofia""".split()
_LAST = """Abe Almeida Andersen Bauer Becker Castro Costa Dahl Dubois Eriksen Ferreira Fischer Garcia Haas
Hansen Ito Jansen Kaur Keller Kowalski Kumar Lang Lindqvist Lopez Meyer Moreau Murphy Nakamura Novak
Okafor Olsen Park Petrov Quinn Reyes Rossi Santos Sato Schmidt Silva Sousa Tanaka Varga Vogel Walsh
Weber Wong Yilmaz Zhang Ziegler""".split()

_SLOT = re.compile(r"\{(P|J|T|E)(\d*):(\w+)\}")


@dataclass
class Template:
    """One section of a sample note with its entities turned into slots."""

    title: str
    lines: list[str]
    pad: bool  # line-oriented (etherpad / rough notes) rather than prose


@dataclass
class CorpusStats:
    documents: int = 0
    words: int = 0
    bytes: int = 0
    by_format: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------------------- templates
def _people_of(texts: list[str]) -> dict[str, str]:
    """Full name -> IRC nick, as the sample notes introduce people: ``Name (nick)``."""
    found: dict[str, str] = {}
    pattern = re.compile(r"\b([A-Z][\w'\u00c0-\u017f-]+(?: [A-Z][\w'\u00c0-\u017f-]+){1,2})\s*\(\**([A-Za-z][\w-]{1,20})\**\)")
    for text in texts:
        for name, nick in pattern.findall(text):
            if nick.lower() not in {"kolla", "tripleo", "nova", "neutron", "ironic", "qa"}:
                found.setdefault(name, nick)
    return found


def _alternation(forms: list[str]) -> str:
    return "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True) if f)


class _Slotter:
    """Turns one note's sentences into templates, numbering its entities per note."""

    def __init__(self, gz, people: dict[str, str]) -> None:
        from ptgkg.ingest.gazetteer import AMBIGUOUS_WORDS, SAFE_LOWERCASE

        self.project_of: dict[str, str] = {}
        case_forms, any_case_forms = [], []
        for p in gz.projects:
            if p.kind == "external" or not p.is_project:
                continue
            for form in (p.name, *p.aliases):
                if len(form) < 3:
                    continue
                self.project_of[form.lower()] = p.name
                strict = p.match_case or (form.lower() in AMBIGUOUS_WORDS and form.lower() not in SAFE_LOWERCASE)
                (case_forms if strict else any_case_forms).append(form)
        # short aliases ("docs", "CI") are everyday words in notes: only longer forms become slots
        self.topic_of = {f.lower(): t.name for t in gz.topics for f in (t.name, *t.aliases) if len(f) >= 8}
        event_forms = [f for e in gz.events for f in (e.name, *e.aliases)]
        self.cycles = sorted({e.cycle for e in gz.events if e.cycle}, key=len, reverse=True)
        cities = sorted({e.city for e in gz.events if e.city not in ("", "None")}, key=len, reverse=True)
        self.people = people
        self.nick_owner = {nick.lower(): name for name, nick in people.items()}
        firsts = {name.split()[0]: name for name in people}
        self.first_owner = {k: v for k, v in firsts.items()
                            if sum(1 for n in people if n.split()[0] == k) == 1}
        self.patterns = [
            ("E", "name", re.compile(rf"\b(?:{_alternation(event_forms)})\b")),
            ("E", "cycle", re.compile(rf"\b(?:{_alternation(self.cycles)})\b")),
            ("E", "city", re.compile(rf"\b(?:{_alternation(cities)})\b")),
            ("P", "full", re.compile(rf"\b(?:{_alternation(list(people))})\b")),
            ("P", "nick", re.compile(rf"(?<![\w/.-])(?:{_alternation(list(people.values()))})(?![\w-])", re.I)),
            ("P", "first", re.compile(rf"\b(?:{_alternation(list(self.first_owner))})\b")),
            ("T", "name", re.compile(rf"\b(?:{_alternation(list(self.topic_of))})\b", re.I)),
            ("J", "case", re.compile(rf"(?<![\w/.-])(?:{_alternation(case_forms)})(?![\w-])")),
            ("J", "any", re.compile(rf"(?<![\w/.-])(?:{_alternation(any_case_forms)})(?![\w-])", re.I)),
        ]

    def slot(self, text: str, numbering: dict[tuple[str, str], int]) -> str:
        """Replace every known entity by ``{KIND<n>:style}``; placeholders protect what is done."""
        protected: list[str] = []

        def keep(token: str) -> str:
            protected.append(token)
            return f"\x00{len(protected) - 1}\x00"

        def number(kind: str, key: str) -> int:
            return numbering.setdefault((kind, key), sum(1 for k in numbering if k[0] == kind))

        for kind, how, pattern in self.patterns:
            def repl(m: re.Match, kind=kind, how=how) -> str:
                word = m.group(0)
                if kind == "E":
                    return keep(f"{{E:{how}}}")
                if kind == "P":
                    owner = {"full": word, "nick": self.nick_owner.get(word.lower()),
                             "first": self.first_owner.get(word)}[how]
                    if owner is None:
                        return word
                    return keep(f"{{P{number('P', owner)}:{how}}}")
                if kind == "T":
                    return keep(f"{{T{number('T', self.topic_of[word.lower()])}:name}}")
                canonical = self.project_of.get(word.lower())
                if canonical is None:
                    return word
                style = "lower" if word.islower() else "name"
                return keep(f"{{J{number('J', canonical)}:{style}}}")
            text = pattern.sub(repl, text)
        return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], text)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


def load_templates(notes_dir: Path | None = None) -> list[Template]:
    """Section templates from the sample notes (read with ptgkg's readers)."""
    from ptgkg.ingest.gazetteer import Gazetteer
    from ptgkg.ingest.readers import iter_input_files, read_path

    notes_dir = notes_dir or REPO / "data" / "notes"
    docs = [d for f in iter_input_files([notes_dir]) for d in read_path(f, notes_dir)]
    if not docs:
        raise SystemExit(f"no notes to build templates from in {notes_dir}")
    slotter = _Slotter(Gazetteer.load(), _people_of([d.text for d in docs]))
    templates: list[Template] = []
    for doc in docs:
        numbering: dict[tuple[str, str], int] = {}
        pad = doc.kind in ("etherpad", "text")
        for sec in doc.sections:
            body = doc.text[sec.start:sec.end]
            if body.startswith(sec.title):
                body = body[len(sec.title):]
            lines = []
            for line in body.split("\n"):
                line = line.strip()
                if not line:
                    continue
                lines.extend([line] if pad else [s for s in _SENTENCE_END.split(line) if s.strip()])
            lines = [slotter.slot(line, numbering) for line in lines]
            if sum(len(l.split()) for l in lines) >= 12:
                templates.append(Template(slotter.slot(sec.title, numbering) or "Notes", lines, pad))
    return templates


# ---------------------------------------------------------------------------- casting and filling
@dataclass
class _Cast:
    event: object
    projects: list[str]
    topics: list[str]
    people: list[tuple[str, str]]   # (full name, nick)
    slots: dict[tuple[str, int], int] = field(default_factory=dict)

    def fill(self, text: str, source: int) -> str:
        def repl(m: re.Match) -> str:
            kind, index, style = m.group(1), m.group(2), m.group(3)
            if kind == "E":
                e = self.event
                city = e.city if e.city not in ("", "None") else "online"
                return {"name": e.name, "cycle": e.cycle, "city": city}.get(style, e.name)
            pool = {"P": self.people, "J": self.projects, "T": self.topics}[kind]
            # each template's n-th entity maps to one cast member for the whole document
            member = pool[self.slots.setdefault((kind, source * 1000 + int(index)),
                                                len([k for k in self.slots if k[0] == kind])) % len(pool)]
            if kind == "P":
                full, nick = member
                return {"full": full, "nick": nick, "first": full.split()[0]}.get(style, full)
            return member.lower() if style == "lower" else member
        return _SLOT.sub(repl, text)


def _person_pool(rng: random.Random, size: int) -> list[tuple[str, str]]:
    names = [(f, l) for f in _FIRST for l in _LAST]
    rng.shuffle(names)
    return [(f"{f} {l}", (f[0] + l).lower()) for f, l in names[:size]]


# ---------------------------------------------------------------------------- rendering
def _paragraphs(lines: list[str], rng: random.Random) -> list[str]:
    out, current = [], []
    for line in lines:
        current.append(line)
        if len(current) >= rng.randint(2, 4):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def _render(fmt: str, title: str, author: tuple[str, str], when: datetime, team: str,
            sections: list[tuple[str, list[str], bool]], rng: random.Random) -> str:
    full, nick = author
    if fmt == ".md":
        out = ["---", f'title: "{title}"', f"date: {when.date().isoformat()}", f"author: {full}", "---", "",
               f"# {title}", ""]
        for head, lines, pad in sections:
            out += [f"## {head}", ""]
            out += ([f"- {l}" for l in lines] if pad else [p + "\n" for p in _paragraphs(lines, rng)])
            out.append("")
        return "\n".join(out)
    if fmt == ".rst":
        out = [title, "#" * len(title), "", f":date: {when:%Y-%m-%d %H:%M}", f":author: {full}", ""]
        for head, lines, pad in sections:
            out += [head, "=" * max(3, len(head)), ""]
            out += ([f"* {l}" for l in lines] if pad else [p + "\n" for p in _paragraphs(lines, rng)])
            out.append("")
        return "\n".join(out)
    if fmt == ".txt":
        out = [title, "=" * len(title), f"Notes taken by {full} ({nick}).", ""]
        for head, lines, pad in sections:
            out += [head, "-" * max(3, len(head))]
            out += (lines if pad else _paragraphs(lines, rng))
            out.append("")
        return "\n".join(out)
    if fmt == ".etherpad.txt":
        out = [title, f"{when:%A %d %B %Y}", "", "Please add your name and IRC nick:"]
        out += [f"  * {p} ({n})" for p, n in sections[0][3]] if len(sections[0]) > 3 else []
        out.append("")
        for head, lines, pad, *_ in sections:
            out += [f"== {head} ==", ""]
            out += [f"  * {l}" for l in lines]
            out.append("")
        return "\n".join(out)
    if fmt == ".html":
        out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '  <meta charset="utf-8">',
               f"  <title>{html.escape(title)}</title>", f'  <meta name="author" content="{html.escape(full)}">',
               f'  <meta name="date" content="{when.date().isoformat()}">', "</head>", "<body>",
               '  <nav class="site-nav"><a href="/">Home</a> | <a href="/archives.html">Archives</a></nav>',
               "  <article>", f"    <h1>{html.escape(title)}</h1>"]
        for head, lines, pad in sections:
            out.append(f"    <h2>{html.escape(head)}</h2>")
            if pad:
                out += ["    <ul>"] + [f"      <li>{html.escape(l)}</li>" for l in lines] + ["    </ul>"]
            else:
                out += [f"    <p>{html.escape(p)}</p>" for p in _paragraphs(lines, rng)]
        out += ["  </article>", "  <footer>Comments are closed.</footer>", "</body>", "</html>", ""]
        return "\n".join(out)
    if fmt == ".eml":
        addr = f"{full.lower().replace(' ', '.')}@example.org"
        out = [f"Message-ID: <{when:%Y%m%d%H%M%S}.{nick}.{rng.randrange(10**6)}@example.org>",
               f"Date: {format_datetime(when)}", f"From: {full} <{addr}>",
               "To: openstack-discuss@lists.openstack.org", f"Subject: [{team.lower()}] {title}",
               "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
               "Content-Transfer-Encoding: 8bit", "", "Hi,", ""]
        for head, lines, pad in sections:
            out += [head, "-" * max(3, len(head))]
            out += ([f"* {l}" for l in lines] if pad else _paragraphs(lines, rng))
            out.append("")
        out += ["Thanks,", full.split()[0], ""]
        return "\n".join(out)
    raise ValueError(f"unknown format {fmt}")


_TITLES = ("{team} at the {event}", "{event} summary: {team}", "{team} {cycle} PTG notes",
           "{team} and {partner} at the {event}", "My {event} recap", "[{team}] {cycle} PTG etherpad")


def generate(out_dir: Path | str, documents: int | None = None, words: int | None = None,
             seed: int = 0, formats: tuple[str, ...] = FORMATS, doc_words: tuple[int, int] = (300, 1500),
             people: int = 2000, per_folder: int = 1000) -> CorpusStats:
    """Write ``documents`` notes (or notes until ``words`` words) under ``out_dir``."""
    from ptgkg.ingest.gazetteer import Gazetteer

    if (documents is None) == (words is None):
        raise ValueError("give exactly one of documents or words")
    rng = random.Random(seed)
    gz = Gazetteer.load()
    templates = load_templates()
    teams = sorted(p.name for p in gz.projects if p.kind in ("team", "sig") and not p.retired and p.is_project)
    topics = sorted(t.name for t in gz.topics)
    events = sorted(gz.events, key=lambda e: e.start)
    pool = _person_pool(rng, people)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = CorpusStats()
    i = 0
    while (documents is not None and i < documents) or (words is not None and stats.words < words):
        event = rng.choice(events)
        team, partner = rng.sample(teams, 2)
        cast = _Cast(event, [team, partner] + rng.sample(teams, 4), rng.sample(topics, 8), rng.sample(pool, 10))
        fmt = formats[i % len(formats)]
        target = rng.randint(*doc_words)
        chosen: list[tuple[str, list[str], bool]] = []
        count = 0
        while count < target:
            t_index = rng.randrange(len(templates))
            t = templates[t_index]
            lines = [cast.fill(l, t_index) for l in t.lines]
            chosen.append((cast.fill(t.title, t_index), lines, t.pad))
            count += sum(len(l.split()) for l in lines)
        title = rng.choice(_TITLES).format(team=team, partner=partner, event=event.name, cycle=event.cycle)
        when = datetime.combine(event.end + timedelta(days=rng.randint(1, 20)),
                                dtime(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=timezone.utc)
        author = cast.people[0]
        if fmt == ".etherpad.txt":
            chosen[0] = (*chosen[0], cast.people[:rng.randint(3, 8)])
        text = _render(fmt, title, author, when, team, chosen, rng)
        folder = out / f"part-{i // per_folder:04d}"
        folder.mkdir(exist_ok=True)
        path = folder / f"{i:06d}-{event.cycle.lower()}-{re.sub(r'[^a-z0-9]+', '-', team.lower())}{fmt}"
        data = text.encode("utf-8")
        path.write_bytes(data)
        stats.documents += 1
        stats.words += len(text.split())
        stats.bytes += len(data)
        stats.by_format[fmt] = stats.by_format.get(fmt, 0) + 1
        stats.files.append(path)
        i += 1
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write the notes into")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--documents", "-n", type=int, help="number of documents")
    size.add_argument("--words", "-w", type=int, help="stop when the corpus has this many words")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a small corpus (60 documents)")
    args = ap.parse_args(argv)
    documents = args.documents if args.documents or args.words else (60 if args.quick else 1000)
    from _common import table, timed

    with timed() as t:
        stats = generate(args.out, documents=documents if not args.words else None, words=args.words, seed=args.seed)
    table(["documents", "words", "MB", "seconds", "words/doc"],
          [[stats.documents, stats.words, stats.bytes / 1e6, t[0], stats.words // max(1, stats.documents)]],
          title=f"synthetic corpus in {args.out} (seed {args.seed})")
    table(["format", "documents"], sorted(stats.by_format.items()))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
