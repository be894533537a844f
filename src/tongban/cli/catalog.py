"""``tongban catalog``: the fill-in template, importing workbooks and exporting the catalog."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.catalog.exporting import export_file
from tongban.catalog.importing import import_catalog
from tongban.catalog.workbook import read_workbook, template_workbook
from tongban.cli._runtime import cli_actor, console, fail, friendly, open_runtime

app = typer.Typer(help="The shared data-resource catalog: template, import, export.", no_args_is_help=True)

FORMATS = ("xlsx", "csv", "json")


@app.command("template")
@friendly
def template(
    out: Path = typer.Option(Path("catalog-template.xlsx"), "--out", "-o", help="Where to write the workbook."),
    vocabulary: str = typer.Option("national", help="Sharing-type labels: national or shanghai."),
) -> None:
    """Write the Excel workbook departments fill in. Example: tongban catalog template -o 目录模板.xlsx"""
    out.write_bytes(template_workbook(vocabulary=vocabulary))
    console.print(f"[green]✓[/] {out}")


@app.command("import")
@friendly
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An .xlsx workbook or a CSV file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and report only; change nothing."),
    submit: bool = typer.Option(False, "--submit", help="Send every imported resource for review."),
) -> None:
    """Validate every row, then apply all of it in one transaction, or nothing.

    Example: tongban catalog import 公安局目录.xlsx --dry-run
    """
    rt = open_runtime()
    with console.status(rt._("Reading {file}…", file=file.name)):
        result = read_workbook(file.read_bytes(), filename=file.name)
    with transaction(rt.sessions) as session:
        report = import_catalog(session, cli_actor(), result, filename=file.name, dry_run=dry_run, submit=submit)
    if report.problems:
        table = Table(rt._("Sheet"), rt._("Row"), rt._("Column"), rt._("Problem"), rt._("Rule"),
                      title=rt._("{count} problem(s) in {file}; nothing was imported", count=len(report.problems),
                                 file=file.name))
        for p in report.problems:
            table.add_row(p.sheet or "", str(p.row or ""), p.column or "", rt._(p.message, **p.params), p.rule)
        console.print(table)
        raise typer.Exit(2)
    summary = rt._("{resources} resources with {items} data items", resources=report.resources, items=report.items)
    if report.dry_run:
        console.print(f"[green]✓[/] {rt._('Dry run: no problems found')} — {summary}")
    else:
        console.print(f"[green]✓[/] {rt._('Imported')} {summary}: "
                      f"{rt._('{created} new, {updated} updated', created=len(report.created), updated=len(report.updated))}")


@app.command("export")
@friendly
def export(
    out: Path = typer.Option(..., "--out", "-o", help="The file to write; its format comes from --format."),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx, csv (UTF-8 with BOM) or json."),
    encoding: str = typer.Option("utf-8-sig", help="CSV only: utf-8-sig or gb18030."),
    all_statuses: bool = typer.Option(False, "--all", help="Include drafts, submissions and retired resources."),
) -> None:
    """Export the published catalog. Example: tongban catalog export -o catalog.csv --format csv"""
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}")
    rt = open_runtime()
    statuses = ("draft", "submitted", "returned", "published", "retired") if all_statuses else ("published",)
    with rt.sessions() as session:
        data = export_file(session, cli_actor(), fmt, vocabulary=rt.settings.sharing_vocabulary, encoding=encoding,
                           statuses=statuses)
    out.write_bytes(data)
    console.print(f"[green]✓[/] {out} ({len(data):,} bytes)")
