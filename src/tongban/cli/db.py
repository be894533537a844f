"""``tongban db``: schema migrations."""

from __future__ import annotations

import typer

from tongban.cli._runtime import console, friendly, open_runtime
from tongban.db import migration_state, upgrade

app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@app.command("upgrade")
@friendly
def upgrade_cmd() -> None:
    """Migrate the database to the newest schema. Example: tongban db upgrade"""
    rt = open_runtime(require_head=False)
    upgrade(rt.engine)
    current, _ = migration_state(rt.engine)
    console.print(f"[green]✓[/] {rt._('Database is at revision {rev}', rev=current)}")


@app.command("current")
@friendly
def current_cmd() -> None:
    """Show the database's revision and the newest one. Example: tongban db current"""
    rt = open_runtime(require_head=False)
    current, head = migration_state(rt.engine)
    console.print(f"current: {current or '-'}  head: {head}")
