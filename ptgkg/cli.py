"""The ``ptgkg`` command line (typer + rich).

Every failure the user can cause (bad input, unreachable store, unknown name) is one
line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="ptgkg: a knowledge graph of who discussed what at OpenStack PTGs.")
ask_app = typer.Typer(no_args_is_help=True, help="Answer a question from the graph.")
app.add_typer(ask_app, name="ask")

# The neo4j driver logs its retries as warnings; the user gets one line from us instead.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
logging.getLogger("neo4j").propagate = False

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOpt = typer.Option(None, "--store", "-s", help="Store folder or bolt:// / neo4j:// URI "
                        "(default: $PTGKG_STORE, else .ptgkg). Credentials: NEO4J_USERNAME / NEO4J_PASSWORD.")
JsonOpt = typer.Option(False, "--json", help="Machine-readable output.")


def fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _settings(store: Optional[str]) -> Settings:
    s = get_settings()
    return s.model_copy(update={"store": store}) if store else s


def _open(store: Optional[str], read_only: bool = False):
    from .graph.stores import open_store
    from .graph.stores.base import StoreError

    s = _settings(store)
    try:
        return open_store(s.store, settings=s, read_only=read_only)
    except StoreError as exc:
        fail(str(exc))


@contextmanager
def _reading(store: Optional[str]):
    """A read-only handle for one command, closed afterwards."""
    st = _open(store, read_only=True)
    try:
        yield st
    finally:
        st.close()


def _emit_json(data) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=str))


# --------------------------------------------------------------------------- ingest
@app.command()
def ingest(
    paths: list[str] = typer.Argument(..., help="Files, folders (recursive) or http(s) URLs."),
    store: Optional[str] = StoreOpt,
    event: Optional[str] = typer.Option(None, "--event", help="PTG for notes whose text does not say (e.g. 'Queens PTG')."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Processes for the NLP."),
    shard: Optional[str] = typer.Option(None, "--shard", help="K/N: ingest only this machine's share of the corpus."),
    materialize_answers: bool = typer.Option(False, "--materialize", help=(
        "End by computing the busiest nodes' answers (as `ptgkg materialize`): fast pages for large graphs.")),
    json_out: bool = JsonOpt,
) -> None:
    """Ingest PTG notes; unchanged documents are skipped, changed ones replace their facts."""
    from .graph.stores.base import StoreError
    from .ingest.pipeline import ModelMissing
    from .pipeline import Ingestor

    shard_pair = None
    if shard:
        try:
            k, n = (int(x) for x in shard.split("/"))
            assert 1 <= k <= n
            shard_pair = (k, n)
        except (ValueError, AssertionError):
            fail(f"--shard must be K/N with 1 <= K <= N, got {shard!r}")
    s = _settings(store)
    if event:
        from .ingest.gazetteer import Gazetteer

        ev = Gazetteer.load(s).event(event)
        if ev is None:
            fail(f"unknown event {event!r}; known: " + ", ".join(e.name for e in Gazetteer.load(s).events))
        event = ev.name
    st = _open(store)
    ingestor = Ingestor(st, s, workers=workers, shard=shard_pair, materialize=materialize_answers)
    show_bar = sys.stderr.isatty() and not json_out
    try:
        if show_bar:
            with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), TextColumn("{task.fields[last]}"), console=err, transient=True) as bar:
                task = bar.add_task("ingesting", total=None, last="")

                def progress(source: str, outcome: str) -> None:
                    bar.update(task, advance=1, last=escape(f"{outcome}: {Path(source).name}"[:60]))

                def answering(name: str) -> None:  # the busiest nodes' answers, once the notes are in
                    bar.update(task, description="answering", last=escape(name[:60]))

                summary = ingestor.run(paths, event=event, progress=progress, answering=answering)
        else:
            summary = ingestor.run(paths, event=event)
    except (StoreError, ModelMissing) as exc:
        fail(str(exc))
    finally:
        st.close()
    if json_out:
        _emit_json(summary.to_dict())
    else:
        out.print(f"ingested {len(summary.ingested)}, unchanged {len(summary.unchanged)}, "
                  f"rejected {len(summary.rejected)}; nodes +{summary.nodes_added} -{summary.nodes_removed}, "
                  f"edges +{summary.edges_added} -{summary.edges_removed}")
        if summary.documents_rewritten:
            out.print(f"people named by nick or first name alone: {summary.people_joined} joined, "
                      f"{summary.people_parted} parted across documents ({summary.documents_rewritten} rewritten)")
        for r in summary.rejected:
            out.print(f"  rejected {escape(r.source)}: {escape(r.reason)}")
        if summary.answers is not None:  # --materialize: what it did, or why not
            out.print(escape(str(summary.answers)))
    if shard_pair and summary.ingested:
        err.print(f"shard {shard}: once every shard has finished, run `ptgkg resolve` on the store once, "
                  "to join people named by nick alone across the shards")
    if not summary.ingested and not summary.unchanged and summary.rejected:
        raise typer.Exit(2)


@app.command()
def resolve(store: Optional[str] = StoreOpt, json_out: bool = JsonOpt) -> None:
    """Join people that notes name only by nick or first name across all stored documents
    (ingest does this itself; run it once after the shards of a sharded ingest)."""
    from .graph.reconcile import reconcile_people
    from .graph.stores.base import StoreError

    st = _open(store)
    try:
        done = reconcile_people(st)
    except StoreError as exc:
        fail(str(exc))
    finally:
        st.close()
    if json_out:
        _emit_json({"people_joined": done.joined, "people_parted": done.parted,
                    "documents_rewritten": done.documents})
    else:
        out.print(str(done))


@app.command()
def materialize(store: Optional[str] = StoreOpt,
                min_degree: Optional[int] = typer.Option(None, "--min-degree", min=0, help=(
                    "Nodes with at least this many relationships (default: PTGKG_ANSWERS_MIN_DEGREE, 1000)."))
                ) -> None:
    """Compute the busiest nodes' profiles, partners and decisions and the collaboration
    network once, to serve them until the graph changes: run it after an ingest (or use
    `ingest --materialize`). Minutes on a corpus of 10,000 notes; a small graph needs none."""
    from .graph.materialize import materialize as compute_answers
    from .graph.stores.base import StoreError

    threshold = _settings(store).answers_min_degree if min_degree is None else min_degree
    st = _open(store)
    try:
        if sys.stderr.isatty():  # minutes on a large graph: say which node it is at
            with Progress(TextColumn("computing answers"), MofNCompleteColumn(), TimeElapsedColumn(),
                          TextColumn("{task.fields[last]}"), console=err, transient=True) as bar:
                task = bar.add_task("answers", total=None, last="")
                done = compute_answers(st, threshold, progress=lambda node: bar.update(
                    task, advance=1, last=escape(node.name[:60])))
        else:
            done = compute_answers(st, threshold)
    except StoreError as exc:
        fail(str(exc))
    finally:
        st.close()
    out.print(escape(str(done)))


@app.command("import-governance")
def import_governance(path: Path = typer.Argument(..., help="governance reference/projects.yaml or legacy.yaml"),
                      store: Optional[str] = StoreOpt) -> None:
    """Seed projects (teams, deliverables) and people (PTLs, liaisons, IRC nicks)."""
    from .graph.governance import read_governance
    from .ingest.document import RejectedInput
    from .ingest.gazetteer import Gazetteer

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        graph = read_governance(path, Gazetteer.load(_settings(store)))
    except RejectedInput as exc:
        fail(f"{path}: {exc}")
    from .graph.reconcile import reconcile_people

    st = _open(store)
    try:
        result = st.write_document(graph)
        reconcile_people(st)  # notes stored before may name these people by their nicks
    finally:
        st.close()
    teams = sum(1 for n in graph.nodes if n.label == "Project")
    people = sum(1 for n in graph.nodes if n.label == "Person")
    state = "unchanged" if result.unchanged else f"nodes +{result.nodes_added}, edges +{result.edges_added}"
    out.print(f"imported {teams} teams and {people} people from {escape(path.name)} ({state})")


# --------------------------------------------------------------------------- export / stats / copy
@app.command()
def export(store: Optional[str] = StoreOpt,
           format: str = typer.Option("json", "--format", "-f", help="json or graphml"),
           output: Optional[Path] = typer.Option(None, "-o", "--output", help="File (default: stdout).")) -> None:
    """Write the whole graph as JSON (SPEC.md format) or GraphML."""
    from .graph.export import write_graphml, write_json

    if format not in ("json", "graphml"):
        fail("--format must be json or graphml")
    with _reading(store) as st:
        target = output if output else sys.stdout
        (write_json if format == "json" else write_graphml)(st, target)


@app.command()
def stats(store: Optional[str] = StoreOpt, json_out: bool = JsonOpt) -> None:
    """Counts of nodes per label and edges per type."""
    with _reading(store) as st:
        counts = st.counts()
    if json_out:
        _emit_json(counts)
        return
    table = Table("kind", "name", "count")
    for kind in ("nodes", "edges"):
        for name, n in counts[kind].items():
            table.add_row(kind, name, str(n))
    out.print(table)


@app.command()
def copy(from_store: str = typer.Option(..., "--from", help="Source store"),
         to_store: str = typer.Option(..., "--to", help="Target store")) -> None:
    """Copy a whole graph between stores, document by document."""
    src, dst = _open(from_store, read_only=True), _open(to_store)
    n = 0
    try:
        for graph in src.document_graphs():
            dst.write_document(graph)
            n += 1
    finally:
        src.close()
        dst.close()
    out.print(f"copied {n} documents")


# --------------------------------------------------------------------------- ask
def _evidence_lines(evidence, limit: int = 3) -> None:
    for ev in evidence[:limit]:
        where = " · ".join(x for x in (ev.event, ev.session, ev.date, ev.doc_title) if x)
        out.print(f"      “{escape(ev.quote)}”")
        if where:
            out.print(f"        [dim]{escape(where)}[/]")


def _resolve_or_fail(st, name: str, label: Optional[str] = None):
    nodes = st.find_nodes(name, label)
    if not nodes:
        fail(f"nothing called {name!r}" + (f" ({label})" if label else "") + " in the graph; try `ptgkg ask search`")
    return nodes[0]


@ask_app.command("who-discussed")
def ask_who_discussed(topic: str, store: Optional[str] = StoreOpt, json_out: bool = JsonOpt,
                      limit: int = typer.Option(10, "--limit")) -> None:
    """People and projects who discussed a topic, most recent and involved first."""
    from .graph import queries

    with _reading(store) as st:
        answer = queries.who_discussed(st, topic, limit=limit)
    if answer is None:
        fail(f"no topic called {topic!r}; try `ptgkg ask search {topic!r}`")
    if json_out:
        _emit_json(answer.to_dict())
        return
    out.print(f"[bold]{escape(answer.topic.name)}[/]")
    for title, rows in (("People", answer.people), ("Projects", answer.projects)):
        out.print(f"  [bold]{title}[/]" + ("" if rows else " (none)"))
        for inv in rows:
            out.print(f"    {escape(inv.node.name)}  [dim]{inv.mentions} mention(s), last {inv.last_date or '?'}; "
                      f"{escape(', '.join(inv.events[:3]))}[/]")
            _evidence_lines(inv.evidence, 2)
    if answer.decisions:
        out.print("  [bold]Decisions[/]")
        for d in answer.decisions[:limit]:
            out.print(f"    {escape(f'[{d.status}]')} {escape(d.text)}")


@ask_app.command("collaborators")
def ask_collaborators(project: str, store: Optional[str] = StoreOpt, json_out: bool = JsonOpt,
                      limit: int = typer.Option(50, "--limit", min=0,
                                                help="the best N partners (0: all of them)")) -> None:
    """Projects that work with PROJECT, on what, with the sentences that show it."""
    from .graph import queries

    with _reading(store) as st:
        node = _resolve_or_fail(st, project, "Project")
        found = queries.collaborations(st, node.name, limit=limit or None)
    rows = found.partners
    if json_out:
        _emit_json({"project": node.name, "total": found.total, "collaborators": [r.to_dict() for r in rows]})
        return
    shown = f", the closest {len(rows)} below" if len(rows) < found.total else ""
    out.print(f"[bold]{escape(node.name)}[/] works with {found.total} project(s){shown}")
    for r in rows:
        topics = ", ".join(r.topics) or "unnamed topics"
        out.print(f"  [bold]{escape(r.partner.name)}[/] on {escape(topics)}  [dim]{escape(', '.join(r.events))}[/]")
        _evidence_lines(r.evidence, 2)
        for d in r.decisions[:3]:
            out.print(f"      decision {escape(f'[{d.status}]')}: {escape(d.text)}")


@ask_app.command("profile")
def ask_profile(name: str, store: Optional[str] = StoreOpt, json_out: bool = JsonOpt) -> None:
    """What a newcomer should know: people, topics, decisions, neighbours, notes to read."""
    from .graph import queries

    with _reading(store) as st:
        prof = queries.profile(st, name)
    if prof is None:
        fail(f"nothing called {name!r} in the graph; try `ptgkg ask search {name!r}`")
    if json_out:
        _emit_json(prof.to_dict())
        return
    kind = f" ({prof.kind})" if prof.kind else ""
    out.print(f"[bold]{escape(prof.node.name)}[/] — {prof.label}{escape(kind)}")
    if prof.node.props.get("description") or prof.node.props.get("mission"):
        out.print(f"  {escape(prof.node.props.get('description') or prof.node.props.get('mission'))}")
    if prof.people:
        out.print("  [bold]Key people[/]")
        for inv in prof.people[:8]:
            out.print(f"    {escape(inv.node.name)}  [dim]{inv.mentions} mention(s), last {inv.last_date or '?'}[/]")
    if prof.projects:
        out.print("  [bold]Projects[/]: " + escape(", ".join(p.node.name for p in prof.projects[:10])))
    if prof.topics:
        out.print("  [bold]Live topics[/]")
        for inv in prof.topics[:10]:
            out.print(f"    {escape(inv.node.name)}  [dim]{escape(', '.join(inv.events[:2]))}[/]")
            _evidence_lines(inv.evidence, 1)
    if prof.decisions:
        out.print(f"  [bold]Decisions[/] [dim]({prof.totals.get('decisions', len(prof.decisions))} in all, newest first)[/]")
        for d in prof.decisions[:10]:
            out.print(f"    {escape(f'[{d.status}]')} {escape(d.text)}  [dim]{escape(', '.join(d.events))}[/]")
    if prof.collaborators:
        out.print("  [bold]Works with[/]")
        for c in prof.collaborators[:10]:
            out.print(f"    {escape(c.partner.name)} on {escape(', '.join(c.topics) or 'unnamed topics')}")
            _evidence_lines(c.evidence, 1)
    if prof.documents:
        out.print("  [bold]Notes to read first[/]")
        for inv in prof.documents[:5]:
            out.print(f"    {escape(inv.node.name)}  [dim]{escape(str(inv.node.props.get('source', '')))}[/]")


@ask_app.command("decisions")
def ask_decisions(project: Optional[str] = typer.Option(None, "--project"),
                  topic: Optional[str] = typer.Option(None, "--topic"),
                  status: Optional[str] = typer.Option(None, "--status", help="agreed, action, proposed or open"),
                  limit: int = typer.Option(0, "--limit", min=0, help="only the newest N (default 0: all of them)"),
                  store: Optional[str] = StoreOpt, json_out: bool = JsonOpt) -> None:
    """The decision log, newest first: every decision unless --limit is given."""
    from .graph import queries

    # all by default, as the log has always listed (unlike queries.decisions, which
    # answers with the newest DECISION_LIMIT for pages that show them)
    with _reading(store) as st:
        found = queries.decisions_answer(st, project=project, topic=topic, status=status, limit=limit or None)
    rows = found.decisions
    more = f"the newest {len(rows)} of {found.total} decisions; --limit 0 for all"
    if json_out:
        _emit_json([r.to_dict() for r in rows])  # a list, as before; the note goes to stderr
        if len(rows) < found.total:
            err.print(f"note: {more}")
        return
    if not rows:
        out.print("no decisions found")
    elif len(rows) < found.total:
        out.print(f"[dim]{escape(more)}[/]")
    for d in rows:
        who = f" → {', '.join(d.owners)}" if d.owners else ""
        out.print(f"{escape(f'[{d.status}]')} {escape(d.text)}{escape(who)}")
        out.print(f"  [dim]{escape(' · '.join(x for x in (', '.join(d.events), ', '.join(d.sessions), d.date or '') if x))}[/]")


@ask_app.command("path")
def ask_path(a: str, b: str, store: Optional[str] = StoreOpt, json_out: bool = JsonOpt) -> None:
    """How two entities are connected (shortest path, documents excluded)."""
    from .graph import queries

    with _reading(store) as st:
        result = queries.path(st, a, b)
    if result is None:
        fail(f"no path between {a!r} and {b!r}")
    if json_out:
        _emit_json(result.to_dict())
        return
    parts = [f"{escape(result.nodes[0].name)} ({result.nodes[0].label})"]
    for rel, node in zip(result.types, result.nodes[1:]):
        parts.append(f" -[{rel}]- {escape(node.name)} ({node.label})")
    out.print("".join(parts))


@ask_app.command("search")
def ask_search(text: str, store: Optional[str] = StoreOpt, json_out: bool = JsonOpt,
               limit: int = typer.Option(20, "--limit")) -> None:
    """Find entities by name, alias, decision text or quote."""
    from .graph import queries

    with _reading(store) as st:
        hits = queries.search(st, text, limit=limit)
    if json_out:
        _emit_json([{"id": n.id, "label": n.label, "name": n.name, "match": m} for n, m in hits])
        return
    for n, m in hits:
        out.print(f"{n.label:9} {escape(n.name)}  [dim]{escape(m[:100])}[/]")


# --------------------------------------------------------------------------- dashboard
@app.command()
def dashboard(store: Optional[str] = StoreOpt, port: int = typer.Option(8501, "--port"),
              read_only: bool = typer.Option(True, "--read-only/--allow-ingest",
                                             help="Shared deployments keep the ingest page off.")) -> None:
    """Serve the Streamlit dashboard headless."""
    import ptgkg.dashboard as dash

    app_path = Path(dash.__file__).with_name("app.py")
    env = dict(os.environ)
    if store:
        env["PTGKG_STORE"] = store
    env["PTGKG_DASHBOARD_ALLOW_INGEST"] = "false" if read_only else "true"
    upload_mb = max(1, get_settings().max_file_bytes // 1_000_000)
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.headless", "true",
           "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "minimal", "--server.maxUploadSize", str(upload_mb)]
    out.print(f"serving the ptgkg dashboard on http://localhost:{port}/")
    try:
        raise typer.Exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
