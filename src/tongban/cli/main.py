"""The ``tongban`` command: ``up`` for newcomers, ``serve`` for production, and one sub-command per context."""

from __future__ import annotations

import errno
import os
import socket
import sys

import typer
from pydantic import ValidationError
from sqlalchemy import select

from tongban.cli import audit, catalog, clients, db, demo, exchange, exchange_calendar, registry, users
from tongban.cli import synth
from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import Runtime, cli_actor, console, err_console, fail, friendly, open_runtime
from tongban.config import Settings
from tongban.db import upgrade
from tongban.exchange.service import seed_from_library
from tongban.identity.model import Department

app = typer.Typer(
    help="Tongban (通办): the data-sharing backbone of one-stop government services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(clients.app, name="clients")
app.add_typer(audit.app, name="audit")
app.add_typer(demo.app, name="demo")
app.add_typer(catalog.app, name="catalog")
app.add_typer(synth.app, name="synth")
app.add_typer(registry.app, name="registry")
app.add_typer(exchange_calendar.app, name="calendar")
app.add_typer(exchange.app, name="exchange")


def _check_port(settings: Settings, rt: Runtime) -> None:
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(rt._("Port {port} is already in use. Stop the other program or set TONGBAN_PORT to a free port.",
                          port=settings.port))
            fail(rt._("Cannot listen on {host}:{port} ({reason}). Check TONGBAN_HOST and TONGBAN_PORT.",
                      host=settings.host, port=settings.port, reason=exc.strerror))


def _serve(rt: Runtime) -> None:
    import uvicorn

    from tongban.web.app import create_app, settle_heap

    s = rt.settings
    app = create_app(s)
    settle_heap()
    uvicorn.run(app, host=s.host, port=s.port, log_level="info", proxy_headers=True)


@app.command()
@friendly
def up() -> None:
    """Set up and run everything: migrate, seed the demo city on first run, serve the portal.

    Example: tongban up   (then open http://127.0.0.1:8000)
    """
    rt = open_runtime(require_head=False)
    _check_port(rt.settings, rt)
    with console.status(rt._("Migrating the database…")):
        upgrade(rt.engine)
    with rt.sessions() as session:
        fresh = session.scalar(select(Department.id).limit(1)) is None
    if fresh:
        with console.status(rt._("Seeding the demo city…")) as status:
            demo.seed(rt)

            def tick(stage: str, done: int, total: int | None) -> None:
                label = rt._(demo.STAGE_LABELS.get(stage, stage))
                status.update(f"{rt._('Seeding the demo city…')} {label}")

            demo.seed_people(rt, demo.DEMO_PEOPLE, tick)
    else:  # a data directory from before the working-day calendar: seed the years it lacks (never overwrites)
        with transaction(rt.sessions) as session:
            seed_from_library(session, cli_actor())
    rt.signer  # create the audit signing key before serving  # noqa: B018
    accounts = demo.stored_accounts(rt)
    if accounts:
        demo.print_accounts(rt, accounts)
    url = f"http://{rt.settings.host}:{rt.settings.port}"
    console.print(f"\n[bold green]{rt._('Tongban is running at')} {url}[/]  ({rt._('Ctrl+C to stop')})\n")
    _serve(rt)


@app.command()
@friendly
def serve() -> None:
    """Serve the portal and API on a migrated database (production). Example: TONGBAN_PORT=8080 tongban serve"""
    rt = open_runtime()
    _check_port(rt.settings, rt)
    _serve(rt)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "TONGBAN_" + str(first["loc"][0]).upper() if first.get("loc") else "TONGBAN_*"
        err_console.print(f"[bold red]✗[/] {field}: {first['msg']}", highlight=False)
        sys.exit(1)
    except Exception as exc:  # the last line of defence: one line, never a traceback, unless asked for
        if os.environ.get("TONGBAN_DEBUG"):
            raise
        err_console.print(f"[bold red]✗[/] unexpected error: {type(exc).__name__}: {exc} (set TONGBAN_DEBUG=1 for details)",
                      highlight=False)
        sys.exit(1)
