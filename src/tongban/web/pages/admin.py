"""Administration pages: departments and users (operator), API clients (department data admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from tongban.db import utcnow
from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.identity import service as identity
from tongban.identity.policy import ROLE_LABELS, Action, Actor, Role, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import form_failure, render

router = APIRouter(include_in_schema=False)

ActorDep = Annotated[Actor, Depends(current_actor)]
OptionalInt = Annotated[str, Form()]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _role(request: Request, role: str) -> str:
    return gettext(request.state.lang, ROLE_LABELS[Role(role)])


# Departments --------------------------------------------------------------------------------------------------

def _departments(request: Request, db: Db, actor: Actor, status: int = 200, **extra: object) -> HTMLResponse:
    departments = identity.manage_departments(db, actor)
    return render(request, "admin_departments.html", {"departments": departments, "form": {}, **extra},
                  status=status)


@router.get("/admin/departments", response_class=HTMLResponse)
def departments(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """All departments, with a form to add one."""
    return _departments(request, db, actor)


@router.post("/admin/departments", response_class=HTMLResponse, dependencies=[Csrf])
def create_department(
    request: Request, db: Db, actor: ActorDep, name: Annotated[str, Form(max_length=120)],
    short_name: Annotated[str, Form(max_length=40)], credit_code: Annotated[str, Form(max_length=40)],
    division_code: Annotated[str, Form(max_length=20)], parent_id: OptionalInt = "",
) -> HTMLResponse:
    """Register a department."""
    form = {"name": name, "short_name": short_name, "credit_code": credit_code, "division_code": division_code,
            "parent_id": parent_id}
    try:
        dept = attempt(db, identity.create_department, actor, name=name, short_name=short_name,
                       credit_code=credit_code, division_code=division_code, parent_id=_int_or_none(parent_id))
    except TongbanError as exc:
        return _departments(request, db, actor, status=exc.status, form=form, **form_failure(request, exc))
    notice = gettext(request.state.lang, "Department {name} created", name=dept.name)
    return _departments(request, db, actor, notice=notice)


# Users --------------------------------------------------------------------------------------------------------

def _users(request: Request, db: Db, actor: Actor, status: int = 200, **extra: object) -> HTMLResponse:
    params = request.query_params
    users = identity.view_users(db, actor, role=params.get("role") or None,
                                department_id=_int_or_none(params.get("department")), query=params.get("q") or None)
    return render(request, "admin_users.html", {
        "users": users, "departments": identity.view_departments(db, actor), "roles": list(Role),
        "can_manage": allowed(actor, Action.USER_CREATE), "form": {},
        "filters": dict(params), **extra}, status=status)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Accounts, filterable by role, department and name."""
    return _users(request, db, actor)


@router.post("/admin/users", response_class=HTMLResponse, dependencies=[Csrf])
def create_user(
    request: Request, db: Db, actor: ActorDep, role: Annotated[str, Form()],
    display_name: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=256)],
    username: Annotated[str, Form(max_length=64)] = "", department_id: OptionalInt = "",
    id_number: Annotated[str, Form(max_length=40)] = "", company_credit_code: Annotated[str, Form(max_length=40)] = "",
    company_name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Create an account."""
    form = {"role": role, "display_name": display_name, "username": username, "department_id": department_id,
            "id_number": id_number, "company_credit_code": company_credit_code, "company_name": company_name}
    try:
        user = attempt(db, identity.create_user, actor, username=username or None, display_name=display_name,
                       role=role, password=password, department_id=_int_or_none(department_id),
                       id_number=id_number or None, company_credit_code=company_credit_code or None,
                       company_name=company_name or None)
    except TongbanError as exc:
        return _users(request, db, actor, status=exc.status, form=form, **form_failure(request, exc))
    return _users(request, db, actor, notice=gettext(request.state.lang, "Created {username} ({role})",
                                                     username=user.username, role=_role(request, user.role)))


@router.post("/admin/users/{username}/role", response_class=HTMLResponse, dependencies=[Csrf])
def set_role(
    request: Request, db: Db, actor: ActorDep, username: str, role: Annotated[str, Form()],
    department_id: OptionalInt = "",
) -> HTMLResponse:
    """Change an account's role."""
    try:
        user = attempt(db, identity.set_role, actor, username=username, role=role,
                       department_id=_int_or_none(department_id))
    except TongbanError as exc:
        return _users(request, db, actor, status=exc.status, **form_failure(request, exc))
    return _users(request, db, actor, notice=gettext(request.state.lang, "{username} is now {role}",
                                                     username=user.username, role=_role(request, user.role)))


# API clients --------------------------------------------------------------------------------------------------

def _clients(request: Request, db: Db, actor: Actor, status: int = 200, **extra: object) -> HTMLResponse:
    return render(request, "clients.html", {
        "clients": identity.view_clients(db, actor), "now": utcnow(),
        "can_create": allowed(actor, Action.CLIENT_CREATE), **extra}, status=status)


@router.get("/clients", response_class=HTMLResponse)
def clients(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """The department's API clients."""
    return _clients(request, db, actor)


@router.post("/clients", response_class=HTMLResponse, dependencies=[Csrf])
def create_client(
    request: Request, db: Db, actor: ActorDep, name: Annotated[str, Form(max_length=120)],
    expires_days: OptionalInt = "",
) -> HTMLResponse:
    """Create a client; its token is shown on this page once."""
    days = _int_or_none(expires_days)
    expires = utcnow() + dt.timedelta(days=days) if days else None
    try:
        client, token = attempt(db, identity.create_api_client, actor, name=name, expires_at=expires)
    except TongbanError as exc:
        return _clients(request, db, actor, status=exc.status, **form_failure(request, exc))
    return _clients(request, db, actor, new_token=token, new_client=client)


@router.post("/clients/{key_id}/revoke", response_class=HTMLResponse, dependencies=[Csrf])
def revoke_client(request: Request, db: Db, actor: ActorDep, key_id: str) -> HTMLResponse:
    """Revoke a client at once."""
    try:
        attempt(db, identity.revoke_api_client, actor, key_id=key_id)
    except TongbanError as exc:
        return _clients(request, db, actor, status=exc.status, **form_failure(request, exc))
    return _clients(request, db, actor, notice=gettext(request.state.lang, "Revoked API client {key_id}",
                                                       key_id=key_id))
