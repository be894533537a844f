"""``tongban demo``: the synthetic demo city."""

from __future__ import annotations

import json
import os
from dataclasses import asdict

import typer
from rich.progress import Progress
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import Runtime, cli_actor, console, friendly, open_runtime
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.catalog_scale import SCALE_DEPARTMENTS, generate_catalog
from tongban.synth.demo import DemoAccount, seed_accounts, seed_catalog, seed_departments, seed_generated

app = typer.Typer(help="The synthetic demo city.", no_args_is_help=True)

CREDENTIALS_FILE = "demo-accounts.json"


def seed(rt: Runtime, catalog_size: int = 0) -> tuple[int, list[DemoAccount]]:
    """Seed what is missing and remember new demo passwords in the data directory (mode 0600)."""
    actor = cli_actor()
    with transaction(rt.sessions) as session:
        departments = seed_departments(session, actor)
        accounts = seed_accounts(session, actor)
    with transaction(rt.sessions) as session:
        seed_catalog(session, actor, DEMO_CATALOG)
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
) -> None:
    """Create the demo city: departments, one account per role, a realistic catalog (idempotent).

    Example: tongban demo seed --catalog 11000
    """
    rt = open_runtime()
    departments, accounts = seed(rt, catalog)
    console.print(f"[green]✓[/] {rt._('{departments} departments and {accounts} accounts created', departments=departments, accounts=len(accounts))}")
    print_accounts(rt, stored_accounts(rt))
