"""我的数据使用记录: a citizen's or company's record of every access to their data; holds on disclosure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TongbanError
from tongban.exchange import datause
from tongban.exchange.workdays import today_in_china
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


HOLD_STATUS = {"requested": _("Awaiting the operator"), "approved": _("Approved"), "refused": _("Refused")}
LABELS = {"reason": _("Reason"), "legal_basis": _("Legal basis"), "hidden_until": _("Disclosure date"),
          "comment": _("Comment"), "audit_seq": _("Record number")}


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def failure(request: Request, exc: TongbanError, labels: dict[str, str]) -> dict[str, Any]:
    """The error banner for one of these forms: the message, and each field's problem under its label."""
    lang = request.state.lang
    return {"error": gettext(lang, exc.message, **exc.params),
            "field_errors": {gettext(lang, labels.get(e.field, e.field)): gettext(lang, e.message, **e.params)
                             for e in exc.errors}}


def refused(request: Request, exc: TongbanError) -> HTMLResponse:
    """The error page for a refusal inside ``attempt``: its audit record is in this request's transaction, which
    re-raising would roll back."""
    return render(request, "error.html", {"status": exc.status, "code": exc.code, "errors": [],
                                          "detail": gettext(request.state.lang, exc.message, **exc.params)},
                  status=exc.status)


@router.get("/me/data-use", response_class=HTMLResponse)
def data_use(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Every access to the citizen's (the company's) data, newest first, by year and department, 20 a page."""
    q = request.query_params
    page = datause.list_data_use(db, actor, year=_int(q.get("year")), department_id=_int(q.get("department")),
                                 page=_int(q.get("page")) or 1)
    filters = {k: v for k, v in (("year", page.year), ("department", page.department_id)) if v is not None}
    return render(request, "datause.html", {"record": page, "filters": filters})


# Disclosure holds ---------------------------------------------------------------------------------------------

def _holds(request: Request, db: Session, actor: Actor, *, status: int = 200, **extra: Any) -> HTMLResponse:
    q = request.query_params
    deciding = allowed(actor, Action.DATAUSE_HOLD_APPROVE)
    case = (q.get("case") or "").strip()[:200]
    accesses = ([] if deciding else
                datause.list_department_accesses(db, actor, case_ref=case or None, before_seq=_int(q.get("before"))))
    form = {"seq": q.get("seq", ""), "reason": "", "legal_basis": "", "hidden_until": ""}
    return render(request, "datause_holds.html", {
        "holds": datause.list_holds(db, actor), "accesses": accesses, "deciding": deciding, "case": case,
        "status_labels": HOLD_STATUS, "form": {**form, **extra.pop("form", {})}, "max_days": datause.HOLD_MAX_DAYS,
        "today": today_in_china(), **extra}, status=status)


@router.get("/exchange/holds", response_class=HTMLResponse)
def holds(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """A data admin: the department's accesses and holds, with the request form; the operator: holds to decide."""
    return _holds(request, db, actor)


@router.post("/exchange/holds", response_class=HTMLResponse, dependencies=[Csrf])
def request_hold(
    request: Request, db: Db, actor: ActorDep, seq: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "", legal_basis: Annotated[str, Form(max_length=1000)] = "",
    hidden_until: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse:
    """Ask the operator to keep one access out of its subjects' sight until a date."""
    form = {"seq": seq, "reason": reason, "legal_basis": legal_basis, "hidden_until": hidden_until}
    lang = request.state.lang
    number, until = _int(seq), None
    try:
        until = dt.date.fromisoformat(hidden_until.strip()) if hidden_until.strip() else None
    except ValueError:
        error = gettext(lang, "{value} is not a date (YYYY-MM-DD)", value=hidden_until)
        return _holds(request, db, actor, status=422, form=form, error=error)
    if number is None:
        error = gettext(lang, "Give the record number of the access to hold")
        return _holds(request, db, actor, status=422, form=form, error=error)
    try:
        hold = attempt(db, datause.request_hold, actor, number, reason, legal_basis, until)
    except PermissionDenied as exc:
        return refused(request, exc)
    except (InvalidInput, Conflict, NotFound) as exc:
        return _holds(request, db, actor, status=exc.status, form=form, **failure(request, exc, LABELS))
    notice = gettext(lang, "Hold on record {seq} requested: the operator decides", seq=hold.audit_seq)
    return _holds(request, db, actor, notice=notice)


@router.post("/exchange/holds/{hold_id}/decide", response_class=HTMLResponse, dependencies=[Csrf])
def decide_hold(
    request: Request, db: Db, actor: ActorDep, hold_id: int, decision: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    """The operator approves or refuses a requested hold (refusing needs a comment)."""
    if decision not in ("approve", "refuse"):
        error = gettext(request.state.lang, "Choose to approve or refuse the hold")
        return _holds(request, db, actor, status=422, error=error)
    try:
        hold = attempt(db, datause.decide_hold, actor, hold_id, decision == "approve", comment)
    except PermissionDenied as exc:
        return refused(request, exc)
    except (InvalidInput, Conflict, NotFound) as exc:
        return _holds(request, db, actor, status=exc.status, **failure(request, exc, LABELS))
    if hold.status == "approved":
        message = "Hold {id} approved: record {seq} is hidden until {date}"
    else:
        message = "Hold {id} refused: record {seq} stays visible"
    notice = gettext(request.state.lang, message, id=hold.id, seq=hold.audit_seq,
                     date=hold.hidden_until.isoformat())
    return _holds(request, db, actor, notice=notice)
