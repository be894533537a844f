"""``tongban synth``: a synthetic city's department feeds, with the ground truth to score matching against.

A thin wrapper over :func:`tongban.synth.generate.write_city`: it parses counts and fault rates, shows progress and
prints what was written. Generating feeds needs no database and no settings.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tongban.cli._runtime import console, fail
from tongban.synth.address_library import library_size
from tongban.synth.faults import FaultRates
from tongban.synth.feeds import ALL_FEEDS
from tongban.synth.generate import DEFAULT_CHUNK, TRUTH_DIR, CityRequest, WrittenFile, entities_for, write_city

app = typer.Typer(help="Synthetic department feeds (people and entities) with ground truth.", no_args_is_help=True)

MAX_COUNT = 100_000_000
_COUNT = re.compile(r"(\d+(?:[_,]\d{3})*)([kKmM]?)")
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}

_OUT_HELP = "Directory for the feed files and truth/ (created if missing; existing files are overwritten)."
_SEED_HELP = "Random seed: the same seed, counts and chunk size give byte-identical files."
_FAULT_HELP = "Change one fault rate, e.g. --fault duplicate=0.05 (repeatable; names as in docs/feeds.md)."
_CLEAN_HELP = "Inject no faults at all (people still die at the usual rate)."
_ENTITIES_HELP = "How many entities (default: one per 7.3 people, Shanghai's ratio)."
_CHUNK_HELP = "People (or entities) generated and written at a time; bounds memory."
_LIBRARY_HELP = ("Also write address_library.csv, the standard address library every address is drawn from "
                 "(one address per 6.15 people).")


def parse_count(text: str, option: str, *, minimum: int = 1) -> int:
    """``2000``, ``2_000``, ``2,000``, ``2k`` or ``24M`` as an integer within range, or one clear error line."""
    match = _COUNT.fullmatch(text.strip())
    value = int(match.group(1).replace("_", "").replace(",", "")) * _SUFFIX[match.group(2).lower()] if match else -1
    if not minimum <= value <= MAX_COUNT:
        fail(f"{option} must be a whole number from {minimum} to {MAX_COUNT:,} (like 2000, 50k or 1M), not {text!r}")
    return value


def parse_rates(overrides: list[str] | None, clean: bool) -> FaultRates:
    """The default fault rates (or none, with --clean) with the --fault overrides applied."""
    rates = FaultRates.clean() if clean else FaultRates()
    changes: dict[str, float] = {}
    for item in overrides or []:
        name, _, value = item.partition("=")
        try:
            changes[name.strip()] = float(value)
        except ValueError:
            fail(f"--fault takes NAME=RATE with a rate between 0 and 1, not {item!r}")
    try:
        return rates.replace(**changes)
    except ValueError as exc:
        fail(f"--fault: {exc}")
    raise AssertionError("unreachable")


def writable_dir(out: Path) -> Path:
    """Create ``out`` if needed and prove a file can be written there, or exit with one line saying why not."""
    try:
        (out / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    return out


def _check_seed(seed: int) -> int:
    if seed < 0:
        fail(f"--seed must be zero or positive, not {seed}")
    return seed


def _generate(out: Path, request: CityRequest) -> None:
    """Run the generator under progress bars, then print what was written and how fast."""
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=False) as bars:
            tasks: dict[str, TaskID] = {}
            if request.address_library:
                tasks["addresses"] = bars.add_task("addresses", total=library_size(request.people))
            if request.people_feeds:
                tasks["people"] = bars.add_task("people", total=request.people)
            tasks["entities"] = bars.add_task("entities", total=request.entities)
            files = write_city(out, request, lambda what, n: bars.advance(tasks[what], n))
    except OSError as exc:
        fail(f"cannot write to {out}: {exc.strerror or exc}")
    _summary(out, files, time.perf_counter() - started, request)


def _summary(out: Path, files: list[WrittenFile], seconds: float, request: CityRequest) -> None:
    specs = {spec.filename: spec for spec in ALL_FEEDS}
    table = Table(title=f"Written to {out}")
    table.add_column("File", overflow="fold")
    table.add_column("Feed", overflow="fold")
    table.add_column("Encoding", no_wrap=True)
    table.add_column("Rows", no_wrap=True, justify="right")
    for f in sorted(files, key=lambda f: (f.path.startswith(TRUTH_DIR), f.path)):
        spec = specs.get(Path(f.path).name)
        feed = f"{spec.department} {spec.title}" if spec and not f.path.startswith(TRUTH_DIR) else "ground truth"
        table.add_row(f.path, feed, f.encoding, f"{f.rows:,}")
    console.print(table)
    subject, count = ("people", request.people) if request.people_feeds else ("entities", request.entities)
    rows = sum(f.rows for f in files)
    console.print(f"[green]✓[/] {count:,} {subject} in {seconds:.1f} s: {count / seconds:,.0f} {subject}/s, "
                  f"{rows / seconds:,.0f} rows/s written")


@app.command()
def people(
    count: str = typer.Option(..., "--count", "-n", metavar="N", help="How many people, e.g. 2000, 50k or 1M."),
    out: Path = typer.Option(..., "--out", "-o", help=_OUT_HELP),
    seed: int = typer.Option(0, "--seed", help=_SEED_HELP),
    entities: str | None = typer.Option(None, "--entities", metavar="N", help=_ENTITIES_HELP),
    fault: list[str] | None = typer.Option(None, "--fault", metavar="NAME=RATE", help=_FAULT_HELP),
    clean: bool = typer.Option(False, "--clean", help=_CLEAN_HELP),
    chunk_size: int = typer.Option(DEFAULT_CHUNK, "--chunk-size", metavar="N", help=_CHUNK_HELP),
    address_library: bool = typer.Option(False, "--address-library", help=_LIBRARY_HELP),
) -> None:
    """Write the four population feeds, the two entity feeds and their ground truth (and the address library).

    Example: tongban synth people --count 1M --out feeds/ --seed 42 --address-library
    """
    people_count = parse_count(count, "--count")
    entity_count = entities_for(people_count) if entities is None else parse_count(entities, "--entities", minimum=0)
    request = CityRequest(people_count, entity_count, _check_seed(seed), parse_rates(fault, clean),
                          parse_count(str(chunk_size), "--chunk-size"), address_library=address_library)
    _generate(writable_dir(out), request)


@app.command()
def entities(
    count: str = typer.Option(..., "--count", "-n", metavar="N", help="How many entities, e.g. 500, 10k or 1M."),
    out: Path = typer.Option(..., "--out", "-o", help=_OUT_HELP),
    seed: int = typer.Option(0, "--seed", help=_SEED_HELP),
    fault: list[str] | None = typer.Option(None, "--fault", metavar="NAME=RATE", help=_FAULT_HELP),
    clean: bool = typer.Option(False, "--clean", help=_CLEAN_HELP),
    chunk_size: int = typer.Option(DEFAULT_CHUNK, "--chunk-size", metavar="N", help=_CHUNK_HELP),
    address_library: bool = typer.Option(False, "--address-library", help=_LIBRARY_HELP),
) -> None:
    """Write the registry and tax feeds of market entities and their ground truth (no population feeds).

    Example: tongban synth entities --count 100k --out feeds/ --seed 42
    """
    entity_count = parse_count(count, "--count")
    request = CityRequest(entity_count, entity_count, _check_seed(seed), parse_rates(fault, clean),
                          parse_count(str(chunk_size), "--chunk-size"), people_feeds=False,
                          address_library=address_library)
    _generate(writable_dir(out), request)
