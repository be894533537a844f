"""The auditor's view of the log: filter, page through, verify the chain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tongban.audit.queries import AuditFilter
from tongban.identity import oversight
from tongban.identity import service as identity
from tongban.identity.policy import Actor
from tongban.web.deps import Csrf, Db, current_actor
from tongban.web.render import render

router = APIRouter(include_in_schema=False)

ActorDep = Annotated[Actor, Depends(current_actor)]
PAGE = 50


def _date(value: str | None, *, end: bool = False) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return start + dt.timedelta(days=1) if end else start


def _filter(request: Request) -> AuditFilter:
    q = request.query_params
    dept = q.get("department", "")
    return AuditFilter(actor=q.get("actor") or None, action=q.get("action") or None,
                       department_id=int(dept) if dept.isdigit() else None, outcome=q.get("outcome") or None,
                       since=_date(q.get("since")), until=_date(q.get("until"), end=True))


def _page(request: Request, db: Db, actor: Actor, **extra: object) -> HTMLResponse:
    before = request.query_params.get("before", "")
    page = oversight.search_audit(db, actor, _filter(request), before_seq=int(before) if before.isdigit() else None,
                                  limit=PAGE)
    records = page.records
    departments = {d.id: d for d in identity.view_departments(db, actor)}
    more = {k: v for k, v in request.query_params.items() if k != "before"}
    return render(request, "audit.html", {
        "records": records, "actions": page.actions, "last_verification": page.last_verification, "departments": departments, "filters": dict(request.query_params),
        "next_before": records[-1].seq if len(records) == PAGE else None, "query": more, **extra})


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Newest records first, filtered by actor, action, department, outcome and time."""
    return _page(request, db, actor)


@router.post("/audit/verify", response_class=HTMLResponse, dependencies=[Csrf])
def verify(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Verify the whole chain and show the result above the log."""
    result = oversight.verify_audit(db, actor, request.app.state.signer)
    return _page(request, db, actor, verification=result)
