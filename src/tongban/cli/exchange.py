"""`tongban exchange`: sharing requests and grants, masking rules, webhook deliveries.

The sharing commands: ``requests`` (list), ``request`` (apply on behalf of a department), ``sweep`` (run from cron:
reminders, overdue flags and escalation), ``grants`` (list) and ``revoke``."""

from __future__ import annotations

import typer
from rich.table import Table

from tongban.audit.unit_of_work import transaction
from tongban.cli import exchange_masking, exchange_webhooks
from tongban.cli._runtime import Runtime, cli_actor, console, fail, friendly, open_runtime
from tongban.exchange import sharing, sharing_queries
from tongban.exchange.policy import RequestDraft
from tongban.identity import queries as identity_queries

app = typer.Typer(help="On-demand sharing (按需共享): requests, grants, masking rules, change deliveries.",
                  no_args_is_help=True)
app.add_typer(exchange_masking.app, name="masking")
app.add_typer(exchange_webhooks.app, name="webhooks")

STATUS_LABELS = {"submitted": "Waiting", "granted": "Granted", "refused": "Refused", "withdrawn": "Withdrawn"}
STATE_LABELS = {"active": "Active", "revoked": "Revoked", "expired": "Expired", "future": "Not yet valid"}


def _department_id(rt: Runtime, session, name: str) -> int | None:  # type: ignore[no-untyped-def]
    if not name:
        return None
    dept = identity_queries.find_department_by_short_name(session, name)
    if dept is None:
        fail(rt._("No department named {name}", name=name), 2)
    return dept.id  # type: ignore[union-attr]


@app.command("requests")
@friendly
def requests_(
    department: str = typer.Option("", "--department", help="Only this department's (short name); default: all."),
    status: str = typer.Option("", "--status", help="Only this status: submitted, granted, refused or withdrawn."),
    inbox: bool = typer.Option(False, "--inbox", help="Requests for the department's resources (as provider) "
                                                      "instead of those it made."),
) -> None:
    """List sharing requests, newest first, with their due dates (估算: estimated) and days left.

    Example: tongban exchange requests --department 公安局 --inbox
    """
    rt = open_runtime()
    if status and status not in STATUS_LABELS:
        fail(rt._("{value} is not a status: use one of {choices}", value=status, choices=", ".join(STATUS_LABELS)), 2)
    with transaction(rt.sessions) as session:
        dept = _department_id(rt, session, department)
        if inbox:
            box = sharing_queries.provider_inbox(session, cli_actor(), department_id=dept)
            rows = box.pending + box.decided
        else:
            rows = sharing_queries.list_requests(session, cli_actor(), department_id=dept, status=status or None)
        table = Table(rt._("Request number"), rt._("Resource"), rt._("Consumer"), rt._("Provider"), rt._("Status"),
                      rt._("Due"), rt._("Working days left"), title=rt._("Sharing requests"))
        for r in rows:
            q = r.request
            due = "" if q.due_on is None else q.due_on.isoformat() + (" 估算" if q.due_estimated else "")
            left = "" if r.days_left is None else (rt._("Overdue") if r.overdue else str(r.days_left))
            table.add_row(q.number, r.resource_name, r.consumer, r.provider, rt._(STATUS_LABELS[q.status]), due, left)
    console.print(table)


@app.command("request")
@friendly
def request_(
    resource: str = typer.Argument(..., help="The catalog resource: its code or exact name."),
    department: str = typer.Option(..., "--department", help="The consumer department applying (short name)."),
    scenario: str = typer.Option(..., "--scenario", help="The application scenario (应用场景)."),
    purpose: str = typer.Option(..., "--purpose", help="What the data is used for."),
    item: list[str] = typer.Option(..., "--item", help="A data item code asked for (repeatable)."),
    client: list[str] = typer.Option(..., "--client", help="Key id of the department's API client to be granted "
                                                           "(repeatable)."),
    start: str = typer.Option(..., "--from", help="First day of the period, YYYY-MM-DD."),
    end: str = typer.Option(..., "--to", help="Last day of the period, YYYY-MM-DD."),
    legal_basis: str = typer.Option("", "--legal-basis", help="Required for conditional and not-shared resources."),
    clear: list[str] = typer.Option([], "--clear", help="An item asked for unmasked (repeatable)."),
    volume: int = typer.Option(None, "--volume", min=0, help="Expected calls per day."),
) -> None:
    """Apply for a resource on behalf of a department: unconditional resources are granted at once, conditional
    ones wait for the provider (due in TONGBAN_EXCHANGE_TIME_LIMIT_DAYS working days), not-shared ones for the
    operator's arbitration.

    Example: tongban exchange request 户籍人口基本信息 --department 人社局 --scenario 社保待遇资格认证
    --purpose 核验参保人身份 --item id_number --item name --client 3f9a0c1b2d4e --from 2026-12-01 --to 2027-11-30
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        dept = _department_id(rt, session, department)
        keys = {c.key_id: c.id for c in identity_queries.list_clients(session, department_id=dept)}
        unknown = [k for k in client if k not in keys]
        if unknown:
            fail(rt._("{department} has no API client {key_id}", department=department, key_id=", ".join(unknown)), 2)
        draft = RequestDraft(scenario=scenario, purpose=purpose, items=item, period_from=start, period_to=end,
                             legal_basis=legal_basis, clear_items=clear, expected_volume=volume,
                             client_ids=[keys[k] for k in client])
        req = sharing.submit_request(session, cli_actor(), resource, draft, consumer_department_id=dept,
                                     time_limit=rt.settings.exchange_time_limit_days)
        number, status, due, estimated = req.number, req.status, req.due_on, req.due_estimated
    console.print(f"[green]✓[/] " + rt._("Request {number}: {status}", number=number,
                                         status=rt._(STATUS_LABELS[status])))
    if due is not None:
        console.print(rt._("The provider answers by {due}", due=due.isoformat()) + (" (估算)" if estimated else ""))


@app.command("sweep")
@friendly
def sweep() -> None:
    """Remind providers before their requests' due dates, flag overdue requests and escalate them to the operator;
    recount estimated deadlines once their year is loaded. Run it from cron, e.g. every hour; a second run does
    nothing new. The reminder point is TONGBAN_EXCHANGE_REMIND_DAYS_BEFORE working days.

    Example: tongban exchange sweep
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        report = sharing.sweep(session, cli_actor(), remind_days_before=rt.settings.exchange_remind_days_before)
    if report.nothing:
        console.print(f"[yellow]=[/] {rt._('Nothing to do: no request needs a reminder, and none is newly overdue')}")
        return
    for label, numbers in (("Deadline recounted", report.redated), ("Reminded", report.reminded),
                           ("Overdue", report.overdue), ("Escalated to the operator", report.escalated)):
        if numbers:
            console.print(f"[green]✓[/] {rt._(label)} ({len(numbers)}): {', '.join(numbers)}")


@app.command("grants")
@friendly
def grants(
    department: str = typer.Option("", "--department", help="Grants held or given by this department (short "
                                                            "name); default: all."),
) -> None:
    """List grants: resource, consumer, items, validity, rate limit, clients and state.

    Example: tongban exchange grants --department 人社局
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        view = sharing_queries.list_grants(session, cli_actor(), department_id=_department_id(rt, session, department))
        table = Table(rt._("Grant"), rt._("Resource"), rt._("Consumer"), rt._("Provider"), rt._("Data items"),
                      rt._("Valid"), rt._("Rate limit"), rt._("API clients"), rt._("State"), title=rt._("Grants"))
        seen: set[int] = set()
        for row in view.held + view.given:
            g = row.grant
            if g.id in seen:
                continue
            seen.add(g.id)
            items = ", ".join(i + ("*" if i in g.clear_items else "") for i in g.items)
            table.add_row(str(g.id), row.resource_name, row.consumer, row.provider, items,
                          f"{g.valid_from.isoformat()} – {g.valid_to.isoformat()}", f"{g.rate_limit}/min",
                          ", ".join(row.clients), rt._(STATE_LABELS[row.state]))
    console.print(table)
    console.print(rt._("* unmasked (granted in clear)"))


@app.command("revoke")
@friendly
def revoke(
    grant_id: int = typer.Argument(..., help="The grant's number (see tongban exchange grants)."),
    reason: str = typer.Option(..., "--reason", help="Why it is revoked; kept in the request's history."),
) -> None:
    """Revoke a grant at once: every later call under it is denied.

    Example: tongban exchange revoke 12 --reason "使用部门超出申请场景使用"
    """
    rt = open_runtime()
    with transaction(rt.sessions) as session:
        sharing.revoke_grant(session, cli_actor(), grant_id, reason=reason)
    console.print(f"[green]✓[/] {rt._('Revoked grant {id}', id=grant_id)}")
