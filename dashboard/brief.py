"""A project's onboarding brief as one Markdown file (the Project page's download).

Every name and quote from the notes is Markdown-escaped, so the file renders as
text in any Markdown viewer.

>>> from ptgkg.graph.model import Node
>>> from ptgkg.graph.queries import Profile
>>> print(project_brief(Profile(node=Node("project:x", "Project", "X <b>"), label="Project")).splitlines()[0])
# X \\<b\\> — onboarding brief
"""
from __future__ import annotations

from datetime import date

from ptgkg.graph.queries import EvidenceView, Involvement, Profile

from .safe import md_escape, one_line

__all__ = ["project_brief", "topics_by_event", "UNDATED"]

UNDATED = "(no PTG named)"


def topics_by_event(prof: Profile) -> dict[str, list[Involvement]]:
    """PTG name -> the topics the project discussed there, PTGs newest first
    (topics whose evidence names no PTG go under :data:`UNDATED`, last)."""
    order = [e.node.name for e in prof.events]
    for inv in prof.topics:
        order.extend(e for e in inv.events if e not in order)
    out: dict[str, list[Involvement]] = {e: [] for e in order}
    for inv in prof.topics:
        for e in inv.events or [UNDATED]:
            out.setdefault(e, []).append(inv)
    return {e: topics for e, topics in out.items() if topics}


def _where(ev: EvidenceView) -> str:
    return " · ".join(one_line(x, 80) for x in dict.fromkeys(x for x in (ev.event, ev.session, ev.date, ev.doc_title) if x))


def _quote(ev: EvidenceView, indent: str = "  ") -> list[str]:
    lines = [f"{indent}> {md_escape(ev.quote, 400)}"]
    where = _where(ev)
    if where:
        lines.append(f"{indent}> — {md_escape(where)}")
    return lines


def project_brief(prof: Profile, today: date | None = None, quotes: int = 1) -> str:
    """The Markdown brief: what the project works on (by PTG), key people, decision log,
    collaborators and on what (with quotes), notes to read first."""
    n = prof.node
    out = [f"# {md_escape(n.name)} — onboarding brief", ""]
    facts = [f"Generated {(today or date.today()).isoformat()} by ptgkg from PTG notes."]
    if prof.kind:
        facts.append(f"Kind: {md_escape(prof.kind)}.")
    if n.aliases:
        facts.append("Also called: " + ", ".join(md_escape(a) for a in sorted(set(n.aliases))[:8]) + ".")
    out += [" ".join(facts), ""]
    about = n.props.get("description") or n.props.get("mission")
    if about:
        out += [md_escape(about), ""]

    out += ["## What it works on", ""]
    grouped = topics_by_event(prof)
    if not grouped:
        out.append("No topics recorded yet.")
    for event, topics in grouped.items():
        out.append(f"- **{md_escape(event)}**: " + ", ".join(md_escape(t.node.name) for t in topics))
    out.append("")

    out += ["## Key people", ""]
    if not prof.people:
        out.append("No people recorded yet.")
    for inv in prof.people[:15]:
        roles = f" ({md_escape(', '.join(inv.roles))})" if inv.roles else ""
        last = f", last seen {inv.last_date}" if inv.last_date else ""
        out.append(f"- {md_escape(inv.node.name)}{roles}: {inv.mentions} mention(s){last}")
    out.append("")

    out += ["## Decision log", ""]
    if not prof.decisions:
        out.append("No decisions recorded yet.")
    for d in prof.decisions:
        meta = ", ".join(x for x in [", ".join(d.events), d.date or "",
                                     ("owners: " + ", ".join(d.owners)) if d.owners else ""] if x)
        out.append(f"- **{md_escape(d.status)}**: {md_escape(d.text)}" + (f" ({md_escape(meta)})" if meta else ""))
        for ev in d.evidence[:quotes]:
            out += _quote(ev)
    out.append("")

    out += ["## Works with", ""]
    if not prof.collaborators:
        out.append("No collaborations recorded yet.")
    for c in prof.collaborators:
        on = ", ".join(c.topics) or "unnamed topics"
        when = f" ({md_escape(', '.join(c.events))})" if c.events else ""
        out.append(f"- **{md_escape(c.partner.name)}** on {md_escape(on)}{when}")
        for ev in c.evidence[:quotes + 1]:
            out += _quote(ev)
    out.append("")

    out += ["## Notes to read first", ""]
    if not prof.documents:
        out.append("No notes recorded yet.")
    for doc in prof.documents:
        title = doc.node.props.get("title") or doc.node.name
        source = doc.node.props.get("source") or doc.node.props.get("url") or ""
        out.append(f"- {md_escape(title)}" + (f" — {md_escape(source)}" if source else "")
                   + f" ({doc.mentions} mention(s))")
    out.append("")
    return "\n".join(out)
