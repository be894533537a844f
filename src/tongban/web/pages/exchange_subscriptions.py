"""A department's change subscriptions and their webhook deliveries: what each follows, how far it got, the last
batches pushed (failed ones in red); the data admin subscribes one of the department's API clients under a grant,
unsubscribes, and retries a webhook that was given up. The operator and the auditor see every department's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from tongban.errors import TongbanError
from tongban.exchange import deliveries
from tongban.exchange import subscriptions as subs
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


TYPE_LABELS = {"death": _("Death"), "move": _("Move"), "marriage": _("Marriage"),
               "deregistration": _("Deregistration"), "created": _("Record created"), "changed": _("Record changed")}
TYPE_HINTS = {"death": _("death date"), "move": _("household, residence, domicile or business address"),
              "marriage": _("marital status"), "deregistration": _("registration status 注销 or 吊销, or retired"),
              "created": _("a record appeared"), "changed": _("any granted item changed")}
WEBHOOK_LABELS = {"none": _("Pull only"), "idle": _("Nothing sent yet"), "pending": _("Waiting to be sent"),
                  "delivered": _("Acknowledged"), "failed": _("Delivery failed")}
FIELD_LABELS = {"events": _("Event types"), "webhook_url": _("Webhook address"), "grant_id": _("Grant number"),
                "target": _("Grant and API client"), "X-Tongban-Purpose": _("Purpose"), "X-Tongban-Case": _("Case number"),
                "X-Tongban-Official": _("Official")}
BASE_LABELS = {"population": _("Population base"), "entity": _("Legal-entity base"), "address": _("Spatial base")}


async def _posted_form(request: Request) -> FormData:
    """The posted form (the CSRF check has already parsed it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_posted_form)]


def _page(request: Request, db: Session, actor: Actor, *, status: int = 200, **context: Any) -> HTMLResponse:
    may_subscribe = allowed(actor, Action.EXCHANGE_SUBSCRIBE)
    return render(request, "exchange_subscriptions.html", {
        "views": deliveries.list_subscriptions(db, actor), "may_subscribe": may_subscribe,
        "options": deliveries.subscription_options(db, actor) if may_subscribe else [],
        "type_labels": TYPE_LABELS, "type_hints": TYPE_HINTS, "webhook_labels": WEBHOOK_LABELS,
        "base_labels": BASE_LABELS, "event_types": subs.EVENT_TYPES, "form": {}, "problems": [],
        "notice": _notice(request), **context,
    }, status=status)


def _notice(request: Request) -> str | None:
    lang, done = request.state.lang, request.query_params.get("done", "")
    kind, _sep, number = done.partition("-")
    if not number.isdigit():
        return None
    if kind == "ended":
        return gettext(lang, "Subscription {id} ended", id=number)
    if kind == "retry":
        return gettext(lang, "The webhook of subscription {id} will be tried again", id=number)
    return None


def _problems(request: Request, exc: TongbanError) -> list[tuple[str, str]]:
    lang = request.state.lang
    return [(gettext(lang, FIELD_LABELS.get(e.field, e.field)), gettext(lang, e.message, **e.params))
            for e in exc.errors]


@router.get("/exchange/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """The subscriptions of the data admin's department (every department's for the operator and auditor)."""
    return _page(request, db, actor)


@router.post("/exchange/subscriptions", response_class=HTMLResponse, dependencies=[Csrf])
def subscribe(request: Request, db: Db, actor: ActorDep, form: FormDep) -> HTMLResponse:
    """Subscribe one of the department's API clients under a grant; a webhook's secret is shown this once."""
    lang = request.state.lang
    sent = {"target": str(form.get("target", "")), "events": [str(e) for e in form.getlist("events")],
            "webhook_url": str(form.get("webhook_url", ""))[:600], "purpose": str(form.get("purpose", ""))[:600],
            "case": str(form.get("case", ""))[:200]}
    grant, _sep, client = sent["target"].partition(":")
    if not (grant.isdigit() and client.isdigit()):
        return _page(request, db, actor, status=422, form=sent,
                     error=gettext(lang, "Choose a grant and one of its API clients."))
    try:
        made = attempt(db, subs.subscribe, actor, grant_id=int(grant), client_id=int(client), events=sent["events"],
                       webhook_url=sent["webhook_url"] or None, platform_key=request.app.state.secret,
                       context=subs.CallContext(actor.name, sent["purpose"].strip(), sent["case"].strip()))
    except TongbanError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        return _page(request, db, actor, status=422, form=sent, problems=_problems(request, exc),
                     error=gettext(lang, exc.message, **exc.params))
    return _page(request, db, actor, created=made.subscription, secret=made.secret,
                 notice=gettext(lang, "Subscription {id} created", id=made.subscription.id))


@router.post("/exchange/subscriptions/{subscription_id}/end", dependencies=[Csrf])
def unsubscribe(db: Db, actor: ActorDep, subscription_id: int) -> RedirectResponse:
    """End a subscription of the department."""
    subs.unsubscribe(db, actor, subscription_id)
    return RedirectResponse(f"/exchange/subscriptions?done=ended-{subscription_id}", status_code=303)


@router.post("/exchange/subscriptions/{subscription_id}/retry", dependencies=[Csrf])
def retry(db: Db, actor: ActorDep, subscription_id: int) -> RedirectResponse:
    """Try a given-up webhook batch again."""
    deliveries.retry_webhook(db, actor, subscription_id)
    return RedirectResponse(f"/exchange/subscriptions?done=retry-{subscription_id}", status_code=303)
