"""Sharing request pages: the consumer's form and its requests with their history, the provider's inbox with
deadlines and the answer form, grants held and given (revoke), the operator's oversight with arbitration, and the
exchange statistics per department. The use cases in ``exchange.sharing`` decide and check everything."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tongban.catalog import vocab
from tongban.errors import Conflict, InvalidInput, TongbanError
from tongban.exchange import sharing, sharing_queries, sharing_stats
from tongban.exchange.policy import GrantDraft, RequestDraft
from tongban.exchange.workdays import CHINA_TIME, today_in_china
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


async def _posted_form(request: Request) -> FormData:
    """The posted form (the CSRF check has already parsed it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_posted_form)]


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


STATUS_LABELS = {"submitted": _("Waiting for an answer"), "granted": _("Granted"), "refused": _("Refused"),
                 "withdrawn": _("Withdrawn")}
ROUTE_LABELS = {"unconditional": _("Granted at once (unconditional sharing)"),
                "conditional": _("Answered by the provider within the time limit"),
                "arbitration": _("Decided by the platform operator (not shared)")}
EVENT_LABELS = {"submit": _("Submitted"), "grant_at_once": _("Granted at once (unconditional sharing)"),
                "grant": _("Granted by the provider"), "refuse": _("Refused by the provider"),
                "withdraw": _("Withdrawn"), "remind": _("Provider reminded of the due date"),
                "overdue": _("Time limit passed"), "escalate": _("Escalated to the platform operator"),
                "arbitrate": _("Decided by the platform operator"), "revoke": _("Grant revoked"),
                "deadline": _("Due date recounted on the loaded calendar")}
STATE_LABELS = {"active": _("Active"), "revoked": _("Revoked"), "expired": _("Expired"),
                "future": _("Not yet valid")}
FIELD_LABELS = {"resource": _("Resource"), "scenario": _("Application scenario"), "purpose": _("Purpose"),
                "legal_basis": _("Legal basis"), "items": _("Data items"), "clear_items": _("Unmasked items"),
                "expected_volume": _("Expected calls per day"), "period_from": _("From"), "period_to": _("To"),
                "client_ids": _("API clients"), "reason": _("Reason"), "rate_limit": _("Rate limit (calls/minute)"),
                "decision": _("Decision")}


def _failure(request: Request, exc: TongbanError) -> dict[str, Any]:
    """The error banner of a form and each field's problem, keyed by the form's field name."""
    lang = request.state.lang
    return {"error": gettext(lang, exc.message, **exc.params),
            "problems": {e.field: gettext(lang, e.message, **e.params) for e in exc.errors}}


# The exchange's pages, each shown to whoever may take one of its actions.
TABS = (("/exchange/requests", _("Sharing requests"), (Action.EXCHANGE_READ,)),
        ("/exchange/inbox", _("Sharing inbox"), (Action.EXCHANGE_ANSWER,)),
        ("/exchange/grants", _("Grants"), (Action.EXCHANGE_READ,)),
        ("/exchange/oversight", _("Sharing oversight"), (Action.EXCHANGE_OVERSEE,)),
        ("/exchange/stats", _("Exchange statistics"), (Action.EXCHANGE_READ,)),
        ("/exchange/disputes", _("Doubtful data"), (Action.DISPUTE_RAISE, Action.EXCHANGE_OVERSEE)),
        ("/exchange/subscriptions", _("Change subscriptions"), (Action.EXCHANGE_SUBSCRIBE, Action.EXCHANGE_OVERSEE)),
        ("/exchange/holds", _("Disclosure holds"), (Action.DATAUSE_HOLD, Action.DATAUSE_HOLD_APPROVE)),
        ("/exchange/masking", _("Masking rules"), (Action.EXCHANGE_MASKING,)),
        ("/exchange/calendar", _("Working-day calendar"), (Action.CALENDAR_READ,)))


def page(request: Request, actor: Actor, template: str, context: dict[str, Any], *,
         status: int = 200) -> HTMLResponse:
    """Render a sharing page with the tabs ``actor`` may open and the labels and helpers every sharing template
    uses."""
    chosen = getattr(request.app.state.settings, "sharing_vocabulary", "national")
    return render(request, template, {
        "tabs": [(href, label) for href, label, actions in TABS if any(allowed(actor, a) for a in actions)],
        "status_labels": STATUS_LABELS, "route_labels": ROUTE_LABELS, "event_labels": EVENT_LABELS,
        "state_labels": STATE_LABELS, "labels": FIELD_LABELS, "problems": {},
        "sharing": vocab.SHARING_TYPES.get(chosen, vocab.SHARING_TYPES["national"]),
        "local": lambda moment: moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if moment else "",
        "done": request.query_params.get("done"), **context}, status=status)


def _ints(values: list[Any]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


# The consumer: form, list, one request ------------------------------------------------------------------------------

def _form_page(request: Request, db: Session, actor: Actor, *, resource: str, query: str = "", status: int = 200,
               values: dict[str, Any] | None = None, **extra: Any) -> HTMLResponse:
    form = sharing_queries.open_request_form(db, actor, resource=resource, query=query)
    today = today_in_china()
    defaults = {"items": [], "clear_items": [], "client_ids": [c.id for c in form.clients[:1]],
                "period_from": today.isoformat(), "period_to": (today + dt.timedelta(days=364)).isoformat()}
    return page(request, actor, "exchange_request_form.html", {"form": form, "values": {**defaults, **(values or {})},
                                                        **extra}, status=status)


@router.get("/exchange/requests/new", response_class=HTMLResponse)
def new_request(request: Request, db: Db, actor: ActorDep, resource: str = "", q: str = "") -> HTMLResponse:
    """Pick another department's resource from the catalog, then fill in the request."""
    return _form_page(request, db, actor, resource=resource[:200], query=q[:200])


@router.post("/exchange/requests", response_class=HTMLResponse, dependencies=[Csrf])
def submit(request: Request, db: Db, actor: ActorDep, form: FormDep) -> Any:
    """Submit a request; every problem is shown in the form, named by field."""
    values = {name: str(form.get(name, ""))[:4000] for name in (
        "resource", "scenario", "purpose", "legal_basis", "expected_volume", "period_from", "period_to")}
    values.update(items=form.getlist("items"), clear_items=form.getlist("clear_items"),
                  client_ids=_ints(form.getlist("client_ids")))
    draft = RequestDraft(scenario=values["scenario"], purpose=values["purpose"], legal_basis=values["legal_basis"],
                         items=[str(i) for i in values["items"]], clear_items=[str(i) for i in values["clear_items"]],
                         expected_volume=values["expected_volume"], period_from=values["period_from"],
                         period_to=values["period_to"], client_ids=values["client_ids"])
    try:
        req = attempt(db, sharing.submit_request, actor, values["resource"], draft,
                       time_limit=request.app.state.settings.exchange_time_limit_days)
    except InvalidInput as exc:
        return _form_page(request, db, actor, resource=values["resource"], status=422, values=values,
                          **_failure(request, exc))
    return RedirectResponse(f"/exchange/requests/{req.number}?done=submitted", status_code=303)


@router.get("/exchange/requests", response_class=HTMLResponse)
def requests_page(request: Request, db: Db, actor: ActorDep, status: str = "") -> HTMLResponse:
    """The department's requests (every department's for the operator and the auditor), newest first."""
    rows = sharing_queries.list_requests(db, actor, status=status or None)
    return page(request, actor, "exchange_requests.html", {"rows": rows, "status": status,
                                                    "may_request": sharing_queries.may_request(actor)})


def _request_page(request: Request, db: Session, actor: Actor, number: str, *, status: int = 200,
                  **extra: Any) -> HTMLResponse:
    view = sharing_queries.view_request(db, actor, number)
    return page(request, actor, "exchange_request.html", {"view": view, "req": view.request, "row": view.row,
                                                   "values": {}, **extra}, status=status)


@router.get("/exchange/requests/{number}", response_class=HTMLResponse)
def request_page(request: Request, db: Db, actor: ActorDep, number: str) -> HTMLResponse:
    """A request's status and history; the answer, withdrawal or arbitration form for who may use it."""
    return _request_page(request, db, actor, number[:24])


def _grant_draft(form: FormData) -> GrantDraft:
    """The provider's narrowing: the checked items and clear items, the period and the rate limit as typed."""
    if "narrow" not in form:  # a bare post grants what was asked
        return GrantDraft(rate_limit=str(form.get("rate_limit", "")) or None)
    return GrantDraft(items=[str(i) for i in form.getlist("items")],
                      clear_items=[str(i) for i in form.getlist("clear_items")],
                      period_from=str(form.get("period_from", "")), period_to=str(form.get("period_to", "")),
                      rate_limit=str(form.get("rate_limit", "")) or None)


def _decide(request: Request, db: Session, actor: Actor, number: str, form: FormData, kind: str) -> Any:
    decision = str(form.get("decision", ""))
    text = str(form.get("reason" if kind == "answer" else "legal_basis", ""))[:4000]
    terms = _grant_draft(form) if decision == "grant" else None
    try:
        if kind == "answer":
            done = attempt(db, sharing.answer_request, actor, number, decision=decision, reason=text, terms=terms)
        else:
            done = attempt(db, sharing.arbitrate_request, actor, number, decision=decision, legal_basis=text,
                            terms=terms)
    except (InvalidInput, Conflict) as exc:
        values = {"reason": text, "decision": decision, "items": form.getlist("items"),
                  "clear_items": form.getlist("clear_items"), "period_from": form.get("period_from", ""),
                  "period_to": form.get("period_to", ""), "rate_limit": form.get("rate_limit", ""), "form": kind}
        return _request_page(request, db, actor, number, status=exc.status, values=values, **_failure(request, exc))
    said = decision if kind == "answer" else "arbitrated"
    return RedirectResponse(f"/exchange/requests/{done.request.number}?done={said}", status_code=303)


@router.post("/exchange/requests/{number}/answer", response_class=HTMLResponse, dependencies=[Csrf])
def answer(request: Request, db: Db, actor: ActorDep, form: FormDep, number: str) -> Any:
    """The provider grants (as asked or narrowed) or refuses with a reason."""
    return _decide(request, db, actor, number[:24], form, "answer")


@router.post("/exchange/requests/{number}/arbitrate", response_class=HTMLResponse, dependencies=[Csrf])
def arbitrate(request: Request, db: Db, actor: ActorDep, form: FormDep, number: str) -> Any:
    """The operator grants or refuses an escalated or not-shared request, on a legal basis."""
    return _decide(request, db, actor, number[:24], form, "arbitrate")


@router.post("/exchange/requests/{number}/withdraw", response_class=HTMLResponse, dependencies=[Csrf])
def withdraw(request: Request, db: Db, actor: ActorDep, form: FormDep, number: str) -> Any:
    """The consumer withdraws a request not decided yet."""
    try:
        req = attempt(db, sharing.withdraw_request, actor, number[:24], reason=str(form.get("reason", ""))[:2000])
    except Conflict as exc:
        return _request_page(request, db, actor, number[:24], status=exc.status, **_failure(request, exc))
    return RedirectResponse(f"/exchange/requests/{req.number}?done=withdrawn", status_code=303)


# The provider's inbox, grants -------------------------------------------------------------------------------------

@router.get("/exchange/inbox", response_class=HTMLResponse)
def inbox(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Requests for the department's resources: waiting ones by due date (overdue in red), then decided ones."""
    return page(request, actor, "exchange_inbox.html", {"inbox": sharing_queries.provider_inbox(db, actor)})


def _grants_page(request: Request, db: Session, actor: Actor, *, status: int = 200, **extra: Any) -> HTMLResponse:
    return page(request, actor, "exchange_grants.html", {"view": sharing_queries.list_grants(db, actor), "values": {},
                                                  **extra}, status=status)


@router.get("/exchange/grants", response_class=HTMLResponse)
def grants(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Grants the department holds and gives (every grant for the operator and the auditor)."""
    return _grants_page(request, db, actor)


@router.post("/exchange/grants/{grant_id}/revoke", response_class=HTMLResponse, dependencies=[Csrf])
def revoke(request: Request, db: Db, actor: ActorDep, form: FormDep, grant_id: int) -> Any:
    """Revoke a grant with a reason (the provider's data admin or the operator)."""
    reason = str(form.get("reason", ""))[:4000]
    try:
        attempt(db, sharing.revoke_grant, actor, grant_id, reason=reason)
    except (InvalidInput, Conflict) as exc:
        return _grants_page(request, db, actor, status=exc.status, failed_grant=grant_id, **_failure(request, exc))
    return RedirectResponse("/exchange/grants?done=revoked", status_code=303)


# The operator: oversight; everyone concerned: statistics ----------------------------------------------------------

@router.get("/exchange/oversight", response_class=HTMLResponse)
def oversight_page(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Overdue and escalated requests, requests for not-shared resources, the latest arbitrations."""
    return page(request, actor, "exchange_oversight.html", {"view": sharing_queries.oversight(db, actor)})


@router.get("/exchange/stats", response_class=HTMLResponse)
def stats_page(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Requests, time to answer, grants, calls, denials and latency per department, as charts and a table."""
    return page(request, actor, "exchange_sharing_stats.html", {
        "stats": sharing_stats.exchange_statistics(db, actor),
        "time_limit": request.app.state.settings.exchange_time_limit_days})
