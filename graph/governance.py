"""Seed projects and people from OpenStack governance's ``projects.yaml`` (or ``legacy.yaml``).

Each team becomes a Project (canonical gazetteer name where known, deliverables as
aliases); each PTL and liaison a Person with the IRC nick as alias and a MEMBER_OF
edge whose evidence is the YAML block that names them. The file is one Document,
so importing a newer version replaces what the older one said.

>>> text = "kolla:\\n  ptl:\\n    name: Mark Goddard\\n    irc: mgoddard\\n  deliverables:\\n    kolla-ansible: {}\\n"
>>> g = governance_graph("projects.yaml", text)
>>> sorted(n.name for n in g.nodes if n.label == "Person")
['Mark Goddard']
"""
from __future__ import annotations

import yaml

from ..ingest.document import Document, RejectedInput
from ..ingest.gazetteer import Gazetteer
from .model import DocumentGraph, Edge, Evidence, Node, node_id, normalize

__all__ = ["governance_graph", "read_governance"]


def _scalar(node) -> str | None:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) and node.value not in (None, "null", "") else None


def _mapping(node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _person_block(text: str, doc_id: str, node) -> tuple[str, str | None, Evidence] | None:
    fields = _mapping(node)
    name = _scalar(fields.get("name"))
    if not name:
        return None
    irc = _scalar(fields.get("irc"))
    start = node.start_mark.index
    last = fields.get("irc") if irc else fields.get("name")
    end = text.find("\n", last.end_mark.index)
    end = last.end_mark.index if end < 0 else end
    return name, irc, Evidence(doc_id, text[start:end], start, end)


def governance_graph(source: str, text: str, gazetteer: Gazetteer | None = None) -> DocumentGraph:
    """Parse a governance YAML file into the graph it contributes."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise RejectedInput(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    teams = _mapping(root)
    if not teams or not any("deliverables" in _mapping(v) or "ptl" in _mapping(v) for v in teams.values()):
        raise RejectedInput("not an OpenStack governance projects.yaml (no teams with deliverables)")
    document = Document.from_text(source, "governance", f"OpenStack governance: {source}", text)
    doc_id = document.id
    nodes: dict[str, Node] = {doc_id: Node(doc_id, "Document", document.title,
                                           props={"source": source, "kind": "governance", "title": document.title})}
    edges: dict[tuple, Edge] = {}

    for key, team_node in teams.items():
        team = _mapping(team_node)
        entry = gazetteer.project(key) if gazetteer else None
        name = entry.name if entry else key
        pid = node_id("Project", name)
        deliverables = list(_mapping(team.get("deliverables")))
        props = {"kind": "team", "mission": " ".join((_scalar(team.get("mission")) or "").split()) or None,
                 "retired_on": _scalar(team.get("retired-on"))}
        aliases = sorted({d for d in deliverables if normalize(d) != normalize(name)} |
                         ({key} if normalize(key) != normalize(name) else set()))
        nodes[pid] = Node(pid, "Project", name, aliases, {k: v for k, v in props.items() if v})
        blocks = []
        if "ptl" in team:
            blocks.append(("PTL", team["ptl"]))
        for liaison_kind, people in _mapping(team.get("liaisons")).items():
            if isinstance(people, yaml.SequenceNode):
                blocks += [(f"{liaison_kind} liaison", p) for p in people.value]
        for role, block in blocks:
            got = _person_block(text, doc_id, block)
            if not got:
                continue
            pname, irc, ev = got
            person_id = node_id("Person", pname)
            person = nodes.setdefault(person_id, Node(person_id, "Person", pname, [], {}))
            if irc and irc not in person.aliases:
                person.aliases.append(irc)
            edge = edges.setdefault((person_id, pid), Edge(person_id, pid, "MEMBER_OF", [], {"role": role}))
            if role == "PTL":
                edge.props["role"] = "PTL"
            if ev not in edge.evidence:
                edge.evidence.append(ev)
    graph = DocumentGraph(doc_id, document.hash, list(nodes.values()), list(edges.values()))
    graph.check()
    return graph


def read_governance(path, gazetteer: Gazetteer | None = None, max_bytes: int = 10_000_000) -> DocumentGraph:
    from pathlib import Path

    p = Path(path)
    if p.stat().st_size > max_bytes:
        raise RejectedInput(f"too large: {p.stat().st_size} bytes > limit {max_bytes}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RejectedInput("not UTF-8 text") from None
    return governance_graph(p.name, text, gazetteer)
