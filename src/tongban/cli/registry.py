"""``tongban registry``: deliver department feeds to the base databases and list what was delivered."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, friendly, open_runtime
from tongban.registry import service as registry

app = typer.Typer(help="The base databases: deliver feeds, list deliveries.", no_args_is_help=True)


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
