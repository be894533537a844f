"""Change subscriptions (订阅): under a grant for a resource served from a base, a consumer department subscribes to
the base's change log and pulls events with a cursor — or has them pushed to its webhook (``deliveries.py``).

**Event types**, and the fields of each base whose change raises them. A type may be subscribed to only when the
grant covers at least one of its fields, and only those granted fields raise it:

    death            population: death_date
    move             population: household_address, residence_address · entity: domicile, business_address
    marriage         population: marital_status
    deregistration   entity: registration_status, when it is now 注销 or 吊销 · any base: a record retired
                     (no source holds it any more: needs no field)
    created          a record that appeared (its first appearance is never a death, move or marriage)
    changed          any granted field changed

The base's key item must be granted (an event names its record by it). One log entry is one event however many types
it matches (``types`` lists those subscribed to), so nothing comes twice. An event names only the granted fields
that changed and carries the record's granted fields as they are *now* (see registry/change_feed.py), masked as the
grant says: an item not granted never leaves; a personal item leaves masked unless the grant lists it in clear.

**The cursor** is the last seq the client saw. A pull returns the events after it (never before the subscription
began) and ``next_cursor``, the last seq read — filtered-out changes included. The subscription stores nothing for
pulls: pulling again with the same cursor returns the same events, passing each ``next_cursor`` on returns every
event exactly once. A grant expired or revoked refuses pulls. Each pull is audited like an exchange call
(``exchange.changes``, the keys returned as subjects) so it shows in the data subjects' data-use record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongban.audit import ActorRef, AuditEvent, record
from tongban.catalog.model import Resource
from tongban.db import utcnow
from tongban.errors import FieldError, InvalidInput, NotFound, PermissionDenied
from tongban.exchange import call_rules, masking, webhooks
from tongban.exchange.model import Grant, GrantClient, MaskingRule, Subscription, WebhookDelivery
from tongban.exchange.workdays import today_in_china
from tongban.identity.model import ApiClient
from tongban.identity.policy import Action, Actor, Target
from tongban.identity.service import actor_ref, require
from tongban.registry import change_feed, serving
from tongban.registry.change_feed import ChangeEvent, ChangePage

EVENT_TYPES = ("death", "move", "marriage", "deregistration", "created", "changed")
TRIGGERS: dict[str, dict[str, tuple[str, ...]]] = {  # event type → base → the fields whose change raises it
    "death": {"population": ("death_date",)},
    "move": {"population": ("household_address", "residence_address"), "entity": ("domicile", "business_address")},
    "marriage": {"population": ("marital_status",)},
    "deregistration": {"entity": ("registration_status",)},
}
DEREGISTERED = frozenset({"注销", "吊销"})  # registration statuses that end an entity (standardised by the registry)
MAX_LIMIT, DEFAULT_LIMIT = 1000, 100
ACTION = "exchange.changes"
_UNKNOWN = object()


# The rules (pure) ----------------------------------------------------------------------------------------------

def allowed_types(base: str, granted: Collection[str]) -> list[str]:
    """The event types a grant of ``granted`` items allows on ``base``."""
    return [t for t in EVENT_TYPES if t not in TRIGGERS or t == "deregistration"
            or set(TRIGGERS[t].get(base, ())) & set(granted)]


def classify(base: str, change: str, fields: Iterable[str], granted: Collection[str],
             status: object = _UNKNOWN) -> frozenset[str]:
    """The types one log entry is, seen through a grant; ``status`` is the entity's registration status now (left
    out: the entry may be a deregistration, to be decided once the record is read)."""
    if change == "created":
        return frozenset({"created"})
    if change == "retired":
        return frozenset({"deregistration"})
    seen = set(fields) & set(granted)
    if not seen:
        return frozenset()
    types = {"changed"} | {t for t, by_base in TRIGGERS.items() if seen & set(by_base.get(base, ()))}
    if "deregistration" in types and status is not _UNKNOWN and status not in DEREGISTERED:
        types.discard("deregistration")
    return frozenset(types)


# What a grant lets through --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallContext:
    """Who asks and why, as an exchange call carries it: the calling official, the purpose, the case number."""

    official: str = ""
    purpose: str = ""
    case: str = ""


@dataclass(frozen=True)
class Scope:
    """A grant as a change feed sees it: the base, the granted fields of the base, and how each leaves (a masking
    rule, or None for clear)."""

    grant: Grant
    resource: Resource
    base: str
    key: str
    columns: tuple[str, ...]  # granted fields of the base, the key excluded
    masks: dict[str, str | None]  # item → rule (None: leaves clear; "hide" when personal without a rule)
    personal_items: frozenset[str] = frozenset()  # of the key and columns, those the catalog marks personal

    @property
    def personal(self) -> bool:
        """Whether personal data leaves — masked or, as the grant allows, in clear: either way the calling official,
        the purpose and the case are required."""
        return bool(self.personal_items)

    def leave(self, item: str, value: object) -> object:
        """``value`` of ``item`` as it leaves the platform."""
        rule = self.masks.get(item)
        return _plain(value) if rule is None else masking.apply(rule, value)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def scope_of(session: Session, grant: Grant) -> Scope:
    """The base serving the grant's resource (as the exchange API serves it), checked to include its key."""
    resource = session.get(Resource, grant.resource_id)
    assert resource is not None
    spec = serving.base_serving(i.code for i in resource.items)
    if spec is None:
        raise InvalidInput("{resource} is not served from a base database: it has no change log",
                           code="exchange.subscription_base", params={"resource": resource.name},
                           errors=[FieldError("grant_id", "must be a grant for a resource served from a base",
                                              code="exchange.subscription_base")])
    granted = set(grant.items)
    if spec.key not in granted:
        raise InvalidInput("The grant does not include {item}, which names each record of the base",
                           code="exchange.subscription_key", params={"item": spec.key},
                           errors=[FieldError("grant_id", "must grant {item}", {"item": spec.key},
                                              code="exchange.subscription_key")])
    personal = {i.code for i in resource.items if i.personal}
    rules = dict(session.execute(select(MaskingRule.item_code, MaskingRule.rule)
                                 .where(MaskingRule.item_code.in_(personal))).all()) if personal else {}
    shown = (spec.key, *(c for c in spec.columns if c in granted))
    masks = {item: None if item not in personal or item in grant.clear_items else rules.get(item, "hide")
             for item in shown}
    return Scope(grant, resource, spec.name, spec.key, shown[1:], masks, frozenset(personal & set(shown)))


def get_grant(session: Session, grant_id: int) -> Grant:
    """The grant, or NotFound."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No grant {id}", code="exchange.grant_not_found", params={"id": grant_id})
    return grant


def _refused(actor: Actor, message: str, code: str, target: str, event: str = ACTION,
             **params: Any) -> PermissionDenied:
    return PermissionDenied(message, code=code, params=params, audit=AuditEvent(
        event, actor_ref(actor), "denied", "subscription", target, details={"reason": code}))


def check_usable(session: Session, actor: Actor, grant: Grant, client_id: int | None, *, target: str,
                 today: dt.date | None = None, event: str = ACTION) -> None:
    """Refuse (audited) a grant revoked, not yet or no longer valid, or not usable by the API client."""
    today = today or today_in_china()
    if grant.revoked_at is not None:
        raise _refused(actor, "The grant was revoked on {day}", "exchange.grant_revoked", target, event,
                       day=grant.revoked_at.date().isoformat())
    if grant.valid_to < today:
        raise _refused(actor, "The grant ended on {day}", "exchange.grant_expired", target, event,
                       day=grant.valid_to.isoformat())
    if grant.valid_from > today:
        raise _refused(actor, "The grant begins on {day}", "exchange.grant_not_yet_valid", target, event,
                       day=grant.valid_from.isoformat())
    client = None if client_id is None else session.get(ApiClient, client_id)
    if client is None or session.get(GrantClient, (grant.id, client.id)) is None:
        raise _refused(actor, "The grant does not list this API client", "exchange.client_not_listed", target, event)
    if client.revoked_at is not None:
        raise _refused(actor, "The API client was revoked", "exchange.client_revoked", target, event)
    if client.expires_at is not None and client.expires_at <= utcnow():
        raise _refused(actor, "The API client expired on {day}", "exchange.client_expired", target, event,
                       day=client.expires_at.date().isoformat())


def _check_context(actor: Actor, scope: Scope, context: CallContext, target: str, event: str = ACTION) -> None:
    """Personal data needs the calling official, the purpose and the case — checked as the exchange API checks them."""
    refusal = call_rules.check_headers({"official": context.official or None, "purpose": context.purpose or None,
                                        "case": context.case or None}, personal=scope.personal)
    if refusal is not None:
        raise InvalidInput(refusal.message, code=refusal.code, params=refusal.params, errors=list(refusal.errors),
                           audit=AuditEvent(event, actor_ref(actor), "denied", "subscription", target,
                                            details={"reason": refusal.code}))


# Use cases --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subscribed:
    """A new subscription, and its webhook's secret — shown this once, kept only encrypted."""

    subscription: Subscription
    secret: str | None


def subscribe(session: Session, actor: Actor, *, grant_id: int, events: Collection[str], platform_key: str,
              context: CallContext = CallContext(), client_id: int | None = None, webhook_url: str | None = None,
              today: dt.date | None = None) -> Subscribed:
    """Subscribe an API client of the grant's department (the client itself, through the API) to the changes of
    the base serving the grant's resource, from now on; with a webhook, its secret is made here."""
    grant = get_grant(session, grant_id)
    require(actor, Action.EXCHANGE_SUBSCRIBE, Target(department_id=grant.consumer_department_id),
            target_id=str(grant_id), event="exchange.subscribe")
    client_id = actor.id if actor.kind == "client" else client_id
    check_usable(session, actor, grant, client_id, target=f"grant {grant_id}", today=today, event="exchange.subscribe")
    scope = scope_of(session, grant)
    _check_context(actor, scope, context, f"grant {grant_id}", event="exchange.subscribe")
    allowed = allowed_types(scope.base, grant.items)
    wanted = list(dict.fromkeys(events)) or allowed
    problems = [FieldError("events", "{type} is not an event type: {types}", {"type": t, "types": ", ".join(
        EVENT_TYPES)}, code="exchange.event_type") for t in wanted if t not in EVENT_TYPES]
    problems += [FieldError("events", "{type} needs an item the grant does not cover", {"type": t},
                            code="exchange.event_not_granted") for t in wanted if t in EVENT_TYPES and t not in allowed]
    if problems:
        raise InvalidInput("The subscription cannot be made: {count} problem(s)", code="exchange.invalid_subscription",
                           params={"count": len(problems)}, errors=problems)
    url = webhooks.check_url(webhook_url)
    secret = webhooks.new_secret() if url else None
    start = change_feed.head(session, scope.base)
    sub = Subscription(grant_id=grant.id, client_id=client_id, base=scope.base,
                       events=[t for t in EVENT_TYPES if t in wanted], cursor=start, start_seq=start,
                       official=(context.official.strip() or actor.name)[:100],
                       purpose=context.purpose.strip() or grant.purpose, case_ref=context.case.strip()[:100],
                       webhook_url=url, webhook_secret=webhooks.seal(platform_key, secret) if secret else None)
    session.add(sub)
    session.flush()
    record(session, AuditEvent("exchange.subscribe", actor_ref(actor), target_type="subscription",
                               target_id=str(sub.id), purpose=sub.purpose, case_ref=sub.case_ref or None,
                               details={"grant": grant.id, "client": client_id, "base": sub.base, "events": sub.events,
                                        "start": start, "webhook": bool(url), "official": sub.official}))
    return Subscribed(sub, secret)


def get_subscription(session: Session, actor: Actor, subscription_id: int, *, action: Action,
                     event: str) -> Subscription:
    """A subscription the actor may act on: its client, or (``exchange.subscribe``) its department's data admin."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.ended_at is not None:
        raise NotFound("No subscription {id}", code="exchange.subscription_not_found", params={"id": subscription_id})
    grant = get_grant(session, sub.grant_id)
    require(actor, action, Target(department_id=grant.consumer_department_id), target_id=str(sub.id), event=event)
    if actor.kind == "client" and actor.id != sub.client_id:
        raise _refused(actor, "The subscription belongs to another API client", "exchange.subscription_client",
                       str(sub.id), event)
    return sub


def unsubscribe(session: Session, actor: Actor, subscription_id: int, *,
                now: dt.datetime | None = None) -> Subscription:
    """End a subscription: nothing more is pulled or delivered (a batch being retried is given up)."""
    sub = get_subscription(session, actor, subscription_id, action=Action.EXCHANGE_SUBSCRIBE,
                           event="exchange.unsubscribe")
    sub.ended_at = now or utcnow()
    give_up(session, sub, "unsubscribed")
    record(session, AuditEvent("exchange.unsubscribe", actor_ref(actor), target_type="subscription",
                               target_id=str(sub.id), details={"cursor": sub.cursor}))
    return sub


def give_up(session: Session, sub: Subscription, reason: str) -> None:
    """Stop retrying the subscription's pending webhook batch, saying why."""
    session.execute(update(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id,
                                                  WebhookDelivery.status == "pending")
                    .values(status="failed", next_attempt_at=None, last_error=reason))


@dataclass(frozen=True)
class Pulled:
    """Events after the cursor, and the cursor to pull from next; ``more``: pull again at once. ``body`` is the
    answer as canonical JSON and ``response_hash`` what binds it to its request (when the caller binds it)."""

    events: list[dict[str, Any]]
    next_cursor: int
    more: bool
    body: str = ""
    response_hash: str | None = None


def _whole(value: int | str) -> int | None:
    """A query parameter as a whole number, or None when it is not one."""
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) <= 20 else None


def pull(session: Session, actor: Actor, subscription_id: int, *, cursor: int | str, context: CallContext,
         limit: int | str = DEFAULT_LIMIT, today: dt.date | None = None,
         bind: Callable[[str], str] | None = None) -> Pulled:
    """The subscription's events with a seq above ``cursor``, filtered and masked by its grant; audited — with the
    hash ``bind`` makes of the answer's body, so that the record names exactly what left."""
    sub = get_subscription(session, actor, subscription_id, action=Action.EXCHANGE_CALL, event=ACTION)
    grant = get_grant(session, sub.grant_id)
    check_usable(session, actor, grant, sub.client_id, target=str(sub.id), today=today)
    scope = scope_of(session, grant)
    _check_context(actor, scope, context, str(sub.id))
    problems = []
    given_cursor, given_limit = cursor, limit  # as sent, for the record of a refusal
    cursor, limit = _whole(cursor), _whole(limit)  # type: ignore[assignment]
    if cursor is None:
        problems.append(FieldError("cursor", "must be a whole number", code="exchange.cursor"))
        cursor = 0
    elif cursor < 0:
        problems.append(FieldError("cursor", "must be 0 or more", code="exchange.cursor"))
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        problems.append(FieldError("limit", "is a whole number from {min} to {max}", {"min": 1, "max": MAX_LIMIT},
                                   code="exchange.limit"))
    head = change_feed.head(session, sub.base)
    if cursor > max(head, sub.start_seq):
        problems.append(FieldError("cursor", "is past the end of the change log ({head})", {"head": head},
                                   code="exchange.cursor"))
    if problems:
        raise InvalidInput("The cursor or the limit is not valid", code="exchange.cursor", errors=problems,
                           audit=AuditEvent(ACTION, actor_ref(actor), "denied", "subscription", str(sub.id),
                                            purpose=context.purpose or None, case_ref=context.case or None,
                                            details={"reason": "exchange.cursor", "official": context.official,
                                                     "cursor": str(given_cursor)[:40],
                                                     "limit": str(given_limit)[:40]}))
    after = max(cursor, sub.start_seq)
    page = read(session, sub, scope, after=after, limit=limit)
    events = [as_json(e, scope, sub.events) for e in page.events]
    body = call_rules.canonical({"subscription": sub.id, "events": events, "next_cursor": page.last_seq,
                                 "more": page.more})
    digest = bind(body) if bind is not None else None
    audit(session, actor_ref(actor), sub, scope, page, context=context, after=after, via="pull",
          response_hash=digest)
    return Pulled(events, page.last_seq, page.more, body, digest)


def read(session: Session, sub: Subscription, scope: Scope, *, after: int, limit: int,
         until: int | None = None) -> ChangePage:
    """The subscription's events after ``after``: the log through its grant and its event types."""
    wanted, granted = set(sub.events), set(scope.grant.items)

    def match(change: str, fields: tuple[str, ...]) -> bool:
        return bool(classify(sub.base, change, fields, granted) & wanted)

    def keep(event: ChangeEvent) -> bool:
        status = event.values["registration_status"].value if "registration_status" in event.values else None
        return bool(classify(sub.base, event.change, event.fields, granted, status) & wanted)

    return change_feed.changes_after(session, sub.base, after, limit=limit, columns=scope.columns, until=until,
                                     match=match, keep=keep)


def as_json(event: ChangeEvent, scope: Scope, wanted: Collection[str]) -> dict[str, Any]:
    """An event as it leaves: granted fields only, masked as the grant says, each with its source."""
    status = event.values["registration_status"].value if "registration_status" in event.values else None
    types = classify(scope.base, event.change, event.fields, scope.grant.items, status) & set(wanted)
    values = {}
    for c, v in event.values.items():  # the shape of the exchange API's fields
        value = scope.leave(c, v.value)
        source = v.source if value is not None else None
        values[c] = {"value": value, "masked": scope.masks.get(c), "source": None if source is None else {
            "department_id": source.department_id, "department": source.department, "at": source.at}}
    return {"seq": event.seq, "key": scope.leave(scope.key, event.key), "change": event.change,
            "types": [t for t in EVENT_TYPES if t in types], "fields": [f for f in event.fields if f in scope.columns],
            "at": event.at.isoformat(), "retired": event.retired, "values": values}


def audit(session: Session, who: ActorRef, sub: Subscription, scope: Scope, page: ChangePage, *,
          context: CallContext, after: int, via: str, **extra: Any) -> None:
    """Record what left, as an exchange call is recorded: whose data (subjects), which items, why."""
    items = [scope.key, *scope.columns] if page.events else []
    details: dict[str, Any] = {"official": context.official, "items": items, "subscription": sub.id,
                               "grant": sub.grant_id, "cursor": after, "next_cursor": page.last_seq,
                               "events": len(page.events), "via": via}
    details.update({k: v for k, v in extra.items() if v is not None})  # the delivery, the response hash
    record(session, AuditEvent(ACTION, who, target_type="resource", target_id=scope.resource.code,
                               purpose=context.purpose or None, case_ref=context.case or None, details=details,
                               subjects=tuple(dict.fromkeys(s for e in page.events for s in _subjects(e)))))


def _subjects(event: ChangeEvent) -> list[str]:
    """Whose data an event carries: its record's key, and the citizen ID numbers among its values (an entity's
    legal representative) — as the exchange API counts them."""
    people = [str(v.value) for c, v in event.values.items()
              if (c == "id_number" or c.endswith("_id_number")) and v.value and str(v.value) != event.key]
    return [event.key, *people]
