"""``tongban registry``: deliver department feeds to the base databases and list what was delivered."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, fail, friendly, open_runtime
from tongban.errors import TongbanError
from tongban.registry import reads
from tongban.registry import service as registry
from tongban.registry.build import build_base

app = typer.Typer(help="The base databases: deliver feeds, build, look up, lineage, export.",
                  no_args_is_help=True)


@app.command("ingest")
@friendly
def ingest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A CSV (UTF-8 or GB18030), .xlsx or .jsonl."),
    resource: str = typer.Option(..., "--resource", "-r", help="The catalog resource it delivers: code or exact name."),
) -> None:
    """Deliver a feed file for a catalog resource (as its provider department). The file is kept unchanged under
    its checksum; the same file delivered again is recognised and not registered twice.

    Example: tongban registry ingest population_police.csv --resource 户籍人口基本信息
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session, file.open("rb") as source:
        delivery = registry.deliver_feed(session, cli_actor(), resource, file.name, source,
                                         store=rt.settings.feed_store)
        feed = delivery.feed
        line = rt._("Feed #{id}: {file} for {resource} ({department}), {format} {encoding}, SHA-256 {sha}",
                    id=feed.id, file=feed.filename, resource=feed.resource.name, department=feed.department.name,
                    format=feed.format.upper(), encoding=feed.encoding or "", sha=feed.sha256[:16])
        missing = ", ".join(feed.missing)
    if delivery.repeated:
        console.print(f"[yellow]=[/] {rt._('Already delivered; not registered again')} — {line}")
        return
    console.print(f"[green]✓[/] {line}")
    if missing:
        console.print(rt._("Items this file does not have: {items}", items=missing))


@app.command("feeds")
@friendly
def feeds() -> None:
    """List delivered feeds, newest first."""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        table = Table(rt._("Feed"), rt._("File"), rt._("Resource"), rt._("Department"), rt._("Format"),
                      rt._("Bytes"), rt._("Delivered"), rt._("Status"))
        for feed in registry.list_feeds(session, cli_actor()):
            table.add_row(str(feed.id), feed.filename, feed.resource.name, feed.department.short_name,
                          f"{feed.format} {feed.encoding}".strip(), f"{feed.size_bytes:,}",
                          feed.delivered_at.strftime("%Y-%m-%d %H:%M"), rt._(feed.status))
    console.print(table)


BASE_NAMES = ("population", "entity", "address")
KINDS = {"person": "population", "entity": "entity", "address": "address"}  # what `lookup` looks up, in which base


@app.command("build")
@friendly
def build(
    base: str = typer.Argument(..., help="Which base to build: population, entity or address."),
    memory: str = typer.Option("4GB", "--memory", help="DuckDB's memory limit; beyond it the build spills to disk."),
) -> None:
    """Run the pipeline — ingest, standardise, match, golden records, publish — for every delivered feed.

    Restartable: a build that was stopped resumes where it was. Build the address base first: people's and
    entities' addresses link to it. Example: tongban registry build population
    """
    if base not in BASE_NAMES:
        fail(f"base must be one of: {', '.join(BASE_NAMES)}", 2)
    rt = open_runtime()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def tick(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(rt._(STAGES[stage]), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = build_base(rt.sessions, cli_actor(), base, store=rt.settings.feed_store,
                                registry_dir=rt.settings.registry_dir, progress=tick, memory_limit=memory)
        except TongbanError:
            raise
        except Exception as exc:  # a full disk, a failed loader: the build is marked failed, nothing published
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            bar.stop()
            fail(rt._("The {base} build failed: {reason}. Nothing was published; run the build again to resume it.",
                      base=base, reason=reason))
    table = Table(rt._("Feed"), rt._("Rows read"), rt._("Linked"), rt._("Duplicate"), rt._("Quarantined"),
                  rt._("Review"), title=rt._("Build #{id} of the {base} base", id=report.build_id, base=base))
    for feed_id, counts in sorted(report.feeds.items()):
        table.add_row(str(feed_id), *(f"{counts.get(k, 0):,}" for k in
                                      ("read", "linked", "duplicate", "quarantined", "review")))
    console.print(table)
    p = report.published
    console.print(f"[green]✓[/] " + rt._("Published: {created} created, {changed} changed, {retired} retired; "
                                         "{conflicts} doubtful-data notices", created=p.created, changed=p.changed,
                                         retired=p.retired, conflicts=report.conflicts))


STAGES = {"ingest": "Ingest feeds", "standardize": "Standardise", "match": "Match and golden records",
          "publish": "Publish"}


@app.command("lookup")
@friendly
def lookup(
    kind: str = typer.Argument(..., help="What to look up: person, entity or address."),
    key: str = typer.Argument(..., help="The citizen ID number (15 or 18 digits), credit code or address code."),
) -> None:
    """Show a golden record with each field's source department, feed, row and time (the look-up is audited).

    Example: tongban registry lookup person 11010519491231002X
    """
    if kind not in KINDS:
        fail(f"kind must be one of: {', '.join(KINDS)}", 2)
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        found = reads.lookup(session, cli_actor(), KINDS[kind], key)
    table = Table(rt._("Field"), rt._("Value"), rt._("Source department"), rt._("Feed"), rt._("Row"),
                  rt._("Time"), title=found.key + (" " + rt._("(retired)") if found.retired else ""))
    for f in found.fields:
        value = "" if f.value is None else str(f.value)
        if f.name in found.links:
            value += " " + rt._("(in the population base)")
        table.add_row(f.name, value, f.department, f.feed, "" if f.row is None else str(f.row), f.at)
    if found.former_names:
        table.add_row("former_names", "、".join(found.former_names), "", "", "", "")
    console.print(table)


@app.command("lineage")
@friendly
def lineage(
    base: str = typer.Argument(..., help="population, entity or address"),
    format: str = typer.Option("csv", "--format", help="csv (the only format)."),
    out: Path = typer.Option(Path("lineage.csv"), "--out", "-o", help="Where to write it."),
) -> None:
    """Write, for every source row, feed,row,outcome,key,reason (outcome: linked, duplicate, quarantined, review)."""
    if base not in BASE_NAMES or format != "csv":
        fail("usage: tongban registry lineage population|entity|address --format csv", 2)
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        count = reads.write_lineage(reads.lineage(session, cli_actor(), rt.settings.registry_dir, base), out)
    console.print(f"[green]✓[/] {out}: " + rt._("{count} source rows", count=f"{count:,}"))


@app.command("export")
@friendly
def export(
    base: str = typer.Argument(..., help="population, entity or address"),
    format: str = typer.Option("csv", "--format", help="csv or parquet."),
    out: Path = typer.Option(None, "--out", "-o", help="Where to write it (default: <base>.<format>)."),
) -> None:
    """Write the published golden records, key first."""
    if base not in BASE_NAMES:
        fail(f"base must be one of: {', '.join(BASE_NAMES)}", 2)
    rt = open_runtime()
    target = out or Path(f"{base}.{format}")
    with transaction(rt.sessions):
        count = reads.export_base(cli_actor(), rt.settings.registry_dir, base, target, format)
    console.print(f"[green]✓[/] {target}: " + rt._("{count} golden records", count=f"{count:,}"))


@app.command("quality")
@friendly
def quality(
    base: str = typer.Argument(..., help="population"),
    format: str = typer.Option("table", "--format", help="table or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Write the JSON here instead of printing it."),
) -> None:
    """The quality report of the last published build, on the six GB/T 36344 dimensions (per feed and per field
    in JSON). Example: tongban registry quality population --format json -o quality.json"""
    import json

    from tongban.registry.quality_reads import quality_report

    if base not in BASE_NAMES or format not in ("table", "json"):
        fail("usage: tongban registry quality population [--format table|json] [--out FILE]", 2)
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        report = quality_report(session, cli_actor(), base)
    if report is None:
        fail(rt._("No published build has measured the quality of this base yet."), 1)
        return
    if format == "json":
        text = json.dumps(report, ensure_ascii=False, indent=2)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
            console.print(f"[green]✓[/] {out}")
        else:
            typer.echo(text)
        return
    table = Table(rt._("Feed"), *(rt._(d.capitalize()) for d in report["dimensions"]), title=rt._("Quality report"))
    rows = [(f["filename"], f["dimensions"]) for f in report["feeds"]]
    rows += [(rt._("Delivered feeds"), report["overall"]), (rt._("Golden records"), report["golden"]["dimensions"])]
    for label, dims in rows:
        table.add_row(label, *("—" if dims[d]["rate"] is None else f"{100 * dims[d]['rate']:.1f}%"
                               for d in report["dimensions"]))
    console.print(table)
