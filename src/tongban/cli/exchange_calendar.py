"""``tongban calendar``: the working-day calendar behind request time limits — seed it from chinese-calendar, load a
year's schedule when the State Council announces it, show a year, compute a deadline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from babel.dates import format_date
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import Runtime, cli_actor, console, fail, friendly, open_runtime
from tongban.exchange import queries
from tongban.exchange import service as calendar
from tongban.exchange.schedule import parse_date
from tongban.exchange.workdays import today_in_china

app = typer.Typer(help="The working-day calendar: public holidays and make-up working days (调休) for time limits.",
                  no_args_is_help=True)

KIND_LABELS = {"holiday": "Holiday", "makeup_workday": "Make-up working day"}


def _day(rt: Runtime, day: dt.date) -> str:
    """2027-01-11 (Monday), the weekday in the configured language."""
    return f"{day.isoformat()} ({format_date(day, 'EEEE', locale=rt.settings.language.replace('-', '_'))})"


@app.command("seed")
@friendly
def seed(
    year: list[int] = typer.Option(None, "--year", help="Only this year (repeatable); default: every year the "
                                                        "library covers."),
) -> None:
    """Load the chinese-calendar library's schedule for the years it covers that are not loaded yet (a year loaded
    from a notice is never overwritten). Example: tongban calendar seed
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        seeded = calendar.seed_from_library(session, cli_actor(), year or None)
    if not seeded:
        console.print(f"[yellow]=[/] {rt._('Every year the library covers is already loaded')}")
        return
    console.print(f"[green]✓[/] " + rt._("Seeded {count} years from the library: {first}–{last}", count=len(seeded),
                                         first=seeded[0], last=seeded[-1]))


@app.command("load")
@friendly
def load(
    file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="CSV with the columns 日期,类型,名称 (or date,kind,name); 类型 is 节假日 or 调休上班."),
    year: int = typer.Option(..., "--year", help="The year the schedule is for; it replaces what that year had."),
    source: str = typer.Option("", "--source", help="Where the schedule comes from, e.g. 国办发明电〔2026〕x号 "
                                                    "(default: the file's name)."),
) -> None:
    """Load a year's holidays and make-up working days from the State Council's notice, typed into a CSV file. Every
    row is checked first; the whole file is loaded or nothing.

    Example: tongban calendar load 2027.csv --year 2027 --source "国办发明电〔2026〕x号"
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        entry = calendar.load_file(session, cli_actor(), year, file.read_bytes(), file.name, source=source or None)
        view = queries.view_year(session, cli_actor(), year)
        loaded = next(y for y in view.years if y.entry.year == year)
        line = rt._("Loaded {year} from {source}: {holidays} holidays, {makeup} make-up working days", year=year,
                    source=entry.source, holidays=loaded.holidays, makeup=loaded.makeup_workdays)
    console.print(f"[green]✓[/] {line}")


@app.command("show")
@friendly
def show(
    year: int = typer.Option(None, "--year", help="Show this year's special days; default: list the loaded years."),
) -> None:
    """List the loaded years and where each comes from, or one year's holidays and make-up working days.

    Example: tongban calendar show --year 2027
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        view = queries.view_year(session, cli_actor(), year or today_in_china().year)
    if year is None:
        table = Table(rt._("Year"), rt._("Taken from"), rt._("Loaded"), rt._("Loaded by"), rt._("Holidays"),
                      rt._("Make-up working days"), title=rt._("Loaded years"))
        for y in view.years:
            table.add_row(str(y.entry.year), y.entry.source, y.entry.loaded_at.strftime("%Y-%m-%d %H:%M"),
                          y.entry.loaded_by, str(y.holidays), str(y.makeup_workdays))
        console.print(table)
        return
    if view.loaded is None:
        console.print(f"[yellow]![/] " + rt._("{year} is not loaded: deadlines running into it are estimated "
                                              "(估算) by weekends only. Load it: tongban calendar load FILE --year "
                                              "{year}", year=year))
    else:
        console.print(rt._("{year} loaded from {source} on {day} by {who}", year=year, source=view.loaded.source,
                           day=view.loaded.loaded_at.strftime("%Y-%m-%d"), who=view.loaded.loaded_by))
    table = Table(rt._("Date"), rt._("Kind"), rt._("Name"), title=str(year))
    for d in view.days:
        note = "" if d.year == year else " " + rt._("(set by the {year} schedule)", year=d.year)
        table.add_row(_day(rt, d.day), rt._(KIND_LABELS[d.kind]), d.name + note)
    console.print(table)


@app.command("deadline")
@friendly
def deadline(
    start: str = typer.Option("", "--from", help="The day the request was submitted, YYYY-MM-DD (default: today "
                                                 "in China); it does not count."),
    days: int = typer.Option(10, "--days", min=0, help="The time limit in working days."),
) -> None:
    """The due date of a time limit in working days: the end of the n-th working day after the submission day.
    Marked 估算 (estimated) when a year it runs into is not loaded and only weekends were counted there.

    Example: tongban calendar deadline --from 2026-12-25 --days 10
    """
    submitted = parse_date(start) if start else today_in_china()
    rt = open_runtime()
    if submitted is None:
        fail(rt._("{value} is not a date (YYYY-MM-DD)", value=start), 2)
        return
    with rt.sessions() as session:
        cal = calendar.snapshot(session)
    due = cal.add_working_days(submitted, days)
    console.print(rt._("Submitted {start}; {days} working days: due {due}, end of day", start=_day(rt, submitted),
                       days=days, due=_day(rt, due.due)))
    if due.estimated:
        missing = cal.years_not_loaded(submitted, due.due)
        console.print(f"[yellow]{rt._('Estimated (估算)')}[/]: " + rt._(
            "{years} not loaded; counted by weekends only there. Load the State Council's schedule: tongban "
            "calendar load FILE --year {year}", years=", ".join(map(str, missing)), year=missing[0]))
