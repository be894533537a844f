"""``tongban demo``: the synthetic demo city."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import Runtime, cli_actor, console, friendly, open_runtime
from tongban.exchange.demo import seed_sharing_demo
from tongban.exchange.masking_rules import seed_masking_rules
from tongban.exchange.service import seed_from_library
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.catalog_scale import SCALE_DEPARTMENTS, generate_catalog
from tongban.registry.build import build_base
from tongban.registry.service import deliver_feed, list_feeds
from tongban.synth.demo import DemoAccount, seed_accounts, seed_catalog, seed_departments, seed_generated
from tongban.synth.generate import PEOPLE_PER_ENTITY, CityRequest, write_city

app = typer.Typer(help="The synthetic demo city.", no_args_is_help=True)

CREDENTIALS_FILE = "demo-accounts.json"
STAGE_LABELS = {"generate": "Generating the city's feeds", "ingest": "Ingest feeds", "standardize": "Standardise",
                "match": "Match and golden records", "publish": "Publish"}


DEMO_PEOPLE = 20_000
DEMO_SEED = 2026
PEOPLE_FEEDS = {"address_library.csv": "标准地址库",
                "population_police.csv": "户籍人口基本信息", "population_hrss.csv": "社会保险参保信息",
                "population_civil.csv": "婚姻登记信息", "population_health.csv": "居民健康档案",
                "entity_samr.csv": "企业登记信息", "entity_tax.csv": "纳税人登记信息"}
# In this order: people's and entities' addresses link to the address library; legal representatives to people.
DEMO_BASES = ("address", "population", "entity")


def seed_people(rt: Runtime, people: int, tick: Callable[[str, int, int | None], None]) -> bool:
    """Generate the city's addresses, people and companies as the departments' feeds, deliver them and build the
    three base databases — unless feeds were delivered before (then nothing happens). Returns whether it ran."""
    actor = cli_actor()
    with transaction(rt.sessions) as session:
        if people <= 0 or list_feeds(session, actor):
            return False
    out = rt.settings.data_dir / "demo-feeds"
    write_city(out, CityRequest(people=people, entities=max(1, round(people / PEOPLE_PER_ENTITY)), seed=DEMO_SEED),
               lambda what, n: tick("generate", n, people) if what == "people" else None)
    for filename, resource in PEOPLE_FEEDS.items():
        if not (out / filename).exists():
            continue
        with transaction(rt.sessions) as session, (out / filename).open("rb") as source:
            deliver_feed(session, actor, resource, filename, source, store=rt.settings.feed_store)
    for base in DEMO_BASES:
        build_base(rt.sessions, actor, base, store=rt.settings.feed_store, registry_dir=rt.settings.registry_dir,
                   progress=tick)
    return True


def seed(rt: Runtime, catalog_size: int = 0) -> tuple[int, list[DemoAccount]]:
    """Seed what is missing and remember new demo passwords in the data directory (mode 0600)."""
    actor = cli_actor()
    with transaction(rt.sessions) as session:
        departments = seed_departments(session, actor)
        accounts = seed_accounts(session, actor)
    with transaction(rt.sessions) as session:
        seed_catalog(session, actor, DEMO_CATALOG)
        seed_masking_rules(session, actor)  # how personal items leave the exchange API
        seed_from_library(session, actor)  # the working-day calendar, for the years chinese-calendar covers
        seed_sharing_demo(session, actor, time_limit=rt.settings.exchange_time_limit_days)
    if catalog_size > len(DEMO_CATALOG):
        extra = catalog_size - len(DEMO_CATALOG)
        with transaction(rt.sessions) as session, Progress(console=console, transient=True) as bar:
            departments += seed_departments(session, actor, SCALE_DEPARTMENTS)
            task = bar.add_task(rt._("Generating catalog resources"), total=extra)
            seed_generated(session, actor, generate_catalog(extra), lambda n: bar.advance(task, n))
    if accounts:
        known = {a.username: a for a in stored_accounts(rt)}
        known.update({a.username: a for a in accounts})
        path = rt.settings.data_dir / CREDENTIALS_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump([asdict(a) for a in known.values()], fh, ensure_ascii=False, indent=1)
        tmp.replace(path)
    return departments, accounts


def stored_accounts(rt: Runtime) -> list[DemoAccount]:
    """Demo accounts remembered from an earlier seed."""
    path = rt.settings.data_dir / CREDENTIALS_FILE
    if not path.exists():
        return []
    return [DemoAccount(**row) for row in json.loads(path.read_text())]


def print_accounts(rt: Runtime, accounts: list[DemoAccount]) -> None:
    """A table of demo logins."""
    table = Table(title=rt._("Demo accounts"))
    table.add_column(rt._("Role"), no_wrap=True)
    table.add_column(rt._("Username"), no_wrap=True)
    table.add_column(rt._("Password"), no_wrap=True)
    table.add_column(rt._("Department"), overflow="fold")
    for a in accounts:
        table.add_row(a.role, a.username, a.password, a.department or a.display_name)
    console.print(table)


@app.command("seed")
@friendly
def seed_cmd(
    catalog: int = typer.Option(0, "--catalog", min=0,
                                help="Also generate this many catalog resources in all (e.g. 11000, the seed's scale)."),
    people: int = typer.Option(DEMO_PEOPLE, "--people", min=0,
                               help="People in the synthetic city whose feeds are delivered and built (0: none)."),
) -> None:
    """Create the demo city: departments, one account per role, a realistic catalog (idempotent).

    Example: tongban demo seed --catalog 11000
    """
    rt = open_runtime()
    departments, accounts = seed(rt, catalog)
    with Progress(console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def tick(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(rt._(STAGE_LABELS.get(stage, stage)), total=total)
            if stage == "generate":
                bar.advance(tasks[stage], done)
            else:
                bar.update(tasks[stage], completed=done, total=total)

        built = seed_people(rt, people, tick)
    if built:
        built_msg = rt._("Base databases built from the feeds of {people} people", people=f"{people:,}")
        console.print(f"[green]✓[/] {built_msg}")
    console.print(f"[green]✓[/] {rt._('{departments} departments and {accounts} accounts created', departments=departments, accounts=len(accounts))}")
    print_accounts(rt, stored_accounts(rt))
