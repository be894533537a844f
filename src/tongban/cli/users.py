"""``tongban users``: create, list and change the role of accounts."""

from __future__ import annotations

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli._runtime import cli_actor, console, fail, friendly, open_runtime
from tongban.identity import queries, service
from tongban.identity.policy import ROLE_LABELS, Role

app = typer.Typer(help="User accounts and roles.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


def _department_id(rt, name: str | None) -> int | None:  # type: ignore[no-untyped-def]
    if not name:
        return None
    with rt.sessions() as session:
        dept = queries.find_department_by_short_name(session, name)
    if dept is None:
        fail(rt._("No department named {name}", name=name))
    return dept.id


@app.command("create")
@friendly
def create(
    role: str = typer.Option(..., help=f"One of: {ROLES}."),
    display_name: str = typer.Option(..., "--name", help="The person's name as shown in the portal."),
    username: str = typer.Option(None, help="Login name; a citizen logs in with the ID number."),
    department: str = typer.Option(None, help="Department short or full name (staff roles)."),
    id_number: str = typer.Option(None, help="Citizen ID number (GB 11643; 15 digits are upgraded)."),
    company_code: str = typer.Option(None, help="Enterprise users: the company's unified social credit code."),
    company_name: str = typer.Option(None, help="Enterprise users: the company's name."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="Initial password (prompted when omitted)."),
) -> None:
    """Create an account. Example: tongban users create --role clerk --name 王芳 --username wangfang --department 浦东服务中心"""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        user = service.create_user(session, cli_actor(), username=username, display_name=display_name, role=role,
                                   password=password, department_id=_department_id(rt, department),
                                   id_number=id_number, company_credit_code=company_code, company_name=company_name)
        console.print(f"[green]✓[/] {rt._('Created {username} ({role})', username=user.username, role=rt._(ROLE_LABELS[Role(user.role)]))}")


@app.command("list")
@friendly
def list_(
    role: str = typer.Option(None, help=f"Only this role: {ROLES}."),
    department: str = typer.Option(None, help="Only this department (short or full name)."),
) -> None:
    """List accounts. Example: tongban users list --role data_admin"""
    rt = open_runtime()
    dept_id = _department_id(rt, department)
    with rt.sessions() as session:
        users = queries.list_users(session, role=role, department_id=dept_id, limit=10_000)
        table = Table(rt._("Username"), rt._("Name"), rt._("Role"), rt._("Department"), rt._("Active"))
        for u in users:
            table.add_row(u.username, u.display_name, rt._(ROLE_LABELS[Role(u.role)]),
                          u.department.name if u.department else "", "✓" if u.active else "✗")
    console.print(table)


@app.command("set-role")
@friendly
def set_role(
    username: str = typer.Argument(..., help="The account to change."),
    role: str = typer.Argument(..., help=f"The new role: {ROLES}."),
    department: str = typer.Option(None, help="New department (short or full name), for staff roles."),
) -> None:
    """Change an account's role. Example: tongban users set-role wangfang approver --department 市场监管局"""
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        user = service.set_role(session, cli_actor(), username=username, role=role,
                                department_id=_department_id(rt, department))
        console.print(f"[green]✓[/] {rt._('{username} is now {role}', username=user.username, role=rt._(ROLE_LABELS[Role(user.role)]))}")
