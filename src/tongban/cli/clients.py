"""``tongban clients``: API clients of department systems."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, fail, friendly, open_runtime
from tongban.db import utcnow
from tongban.identity import queries, service

app = typer.Typer(help="API clients (bearer tokens) for department systems.", no_args_is_help=True)


@app.command("create")
@friendly
def create(
    department: str = typer.Option(..., help="The department the system belongs to (short or full name)."),
    name: str = typer.Option(..., help="What the system is, e.g. 人口信息比对系统."),
    expires_days: int = typer.Option(None, min=1, help="Days until the token expires (default: never)."),
) -> None:
    """Create a client and print its token once. Example: tongban clients create --department 人社局 --name 社保核验"""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        dept = queries.find_department_by_short_name(session, department)
        if dept is None:
            fail(rt._("No department named {name}", name=department))
        expires = utcnow() + dt.timedelta(days=expires_days) if expires_days else None
        client, token = service.create_api_client(session, cli_actor(), name=name, department_id=dept.id,
                                                  expires_at=expires)
    console.print(f"[green]✓[/] {rt._('Created API client {key_id}', key_id=client.key_id)}")
    console.print(rt._("Token (shown once, store it now):"))
    console.print(token, highlight=False, soft_wrap=True)


@app.command("revoke")
@friendly
def revoke(key_id: str = typer.Argument(..., help="The client's key id (the part after tbk_).")) -> None:
    """Revoke a client's token at once. Example: tongban clients revoke 3f9a0c1b2d4e"""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        service.revoke_api_client(session, cli_actor(), key_id=key_id)
    console.print(f"[green]✓[/] {rt._('Revoked API client {key_id}', key_id=key_id)}")


@app.command("list")
@friendly
def list_() -> None:
    """List API clients. Example: tongban clients list"""
    rt = open_runtime()
    with rt.sessions() as session:
        table = Table(rt._("Key id"), rt._("Name"), rt._("Department"), rt._("Expires"), rt._("Status"))
        for c in queries.list_clients(session):
            status = rt._("Revoked") if c.revoked_at else rt._("Active")
            table.add_row(c.key_id, c.name, c.department.name, c.expires_at.date().isoformat() if c.expires_at else "-",
                          status)
    console.print(table)
