"""Doubtful-data flags (疑义): raised by the consumer, answered by the provider within the time limit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tongban.exchange import disputes
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, Target, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.pages.datause import failure, refused
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


STATUS = {"open": _("Open"), "confirmed": _("Confirmed: will be corrected"), "rejected": _("Rejected")}
LABELS = {"resource": _("Resource code"), "subject": _("Data subject"), "item": _("Data item code"),
          "returned_value": _("Value received"), "claimed_value": _("Correct value"), "reason": _("Reason"),
          "request_id": _("Request id of the call"), "outcome": _("Answer"), "answer": _("Answer text")}
FIELDS = ("resource", "subject", "item", "returned_value", "claimed_value", "reason", "request_id")


def _index(request: Request, db: Session, actor: Actor, *, status: int = 200, **extra: Any) -> HTMLResponse:
    overseeing = allowed(actor, Action.EXCHANGE_OVERSEE)
    own = Target(department_id=actor.department_id)
    raising, answering = allowed(actor, Action.DISPUTE_RAISE, own), allowed(actor, Action.DISPUTE_ANSWER, own)
    if not (overseeing or raising or answering):
        disputes.list_disputes(db, actor, box="raised")  # refused (and audited) by the use case
    q = request.query_params
    form = {name: q.get(name, "")[:200] for name in FIELDS}
    return render(request, "exchange_disputes.html", {
        "raised": disputes.list_disputes(db, actor, box="raised") if raising else [],
        "received": disputes.list_disputes(db, actor, box="received") if answering else [],
        "everything": disputes.list_disputes(db, actor, box="all") if overseeing else [],
        "raising": raising, "answering": answering, "overseeing": overseeing, "status_labels": STATUS,
        "time_limit": disputes.TIME_LIMIT, "form": {**form, **extra.pop("form", {})}, **extra}, status=status)


@router.get("/exchange/disputes", response_class=HTMLResponse)
def index(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """A data admin: the doubts the department raised, those about its data (with days left), the raise form;
    the operator and the auditor: every doubt."""
    return _index(request, db, actor)


@router.post("/exchange/disputes", response_class=HTMLResponse, dependencies=[Csrf])
def raise_dispute(
    request: Request, db: Db, actor: ActorDep, resource: Short = "", subject: Short = "", item: Short = "",
    returned_value: Text = "", claimed_value: Text = "", reason: Text = "", request_id: Short = "",
) -> Any:
    """Flag a value the department received as wrong; it goes to the provider's inbox."""
    form = {"resource": resource, "subject": subject, "item": item, "returned_value": returned_value,
            "claimed_value": claimed_value, "reason": reason, "request_id": request_id}
    try:
        dispute = attempt(db, disputes.raise_dispute, actor, resource_code=resource, subject=subject, item_code=item,
                          returned_value=returned_value, claimed_value=claimed_value, reason=reason,
                          call_request_id=request_id or None)
    except PermissionDenied as exc:
        return refused(request, exc)
    except (InvalidInput, NotFound) as exc:
        return _index(request, db, actor, status=exc.status, form=form, **failure(request, exc, LABELS))
    return RedirectResponse(f"/exchange/disputes/{dispute.number}?raised=1", status_code=303)


def _detail(request: Request, db: Session, actor: Actor, number: str, *, status: int = 200,
            **extra: Any) -> HTMLResponse:
    view = disputes.get_dispute(db, actor, number)
    may_answer = view.dispute.status == "open" and allowed(
        actor, Action.DISPUTE_ANSWER, Target(department_id=view.dispute.provider_department_id))
    if request.query_params.get("raised") and "notice" not in extra:
        extra["notice"] = gettext(request.state.lang, "Doubt {number} raised: {provider} answers by {due}",
                                  number=view.dispute.number, provider=view.provider,
                                  due=view.dispute.due_on.isoformat())
    return render(request, "exchange_disputes_detail.html", {
        "v": view, "d": view.dispute, "may_answer": may_answer, "status_labels": STATUS, "answer_form": extra.pop("answer_form", {}),
        **extra}, status=status)


@router.get("/exchange/disputes/{number}", response_class=HTMLResponse)
def detail(request: Request, db: Db, actor: ActorDep, number: str) -> HTMLResponse:
    """One doubt: the values, the reason, the clock and the answer; the provider's answer form."""
    return _detail(request, db, actor, number)


@router.post("/exchange/disputes/{number}/answer", response_class=HTMLResponse, dependencies=[Csrf])
def answer(request: Request, db: Db, actor: ActorDep, number: str, outcome: Short = "",
           answer: Text = "") -> HTMLResponse:
    """The provider's data admin confirms or rejects the doubt, with an answer."""
    try:
        dispute = attempt(db, disputes.answer_dispute, actor, number, outcome=outcome, answer=answer)
    except PermissionDenied as exc:
        return refused(request, exc)
    except (InvalidInput, Conflict) as exc:
        return _detail(request, db, actor, number, status=exc.status, answer_form={"outcome": outcome,
                                                                                  "answer": answer},
                       **failure(request, exc, LABELS))
    return _detail(request, db, actor, dispute.number, notice=gettext(
        request.state.lang, "Doubt {number} answered", number=dispute.number))
