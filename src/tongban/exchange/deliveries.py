"""Webhook deliveries of change subscriptions: batches of events POSTed to the subscriber, signed, retried with
backoff, the subscription's cursor moving only when a batch is acknowledged (2xx). See ``webhooks.py`` for what the
receiver gets and how it checks the signature.

A job, not a use case: :func:`deliver_due` owns its transactions, because a POST must not hold the database. For each
webhook subscription it settles one batch at a time:

1. (transaction) take the subscription's pending batch — or cut a new one from the events after its cursor: at most
   ``batch`` events, its range ending at the last seq read — and, when its next attempt is due, count the attempt,
   set the next one as if this one will fail, and audit what leaves (``exchange.changes``, ``via: webhook``).
   Committed before anything is sent, so every batch that left has its audit record.
2. POST it (the sender is injected: httpx in production, a fake in tests).
3. (transaction) 2xx: the batch is delivered and the cursor moves to its end. Otherwise the error is kept and the
   next attempt waits 1, 2, 4 … minutes; after ``max_attempts`` the batch is failed and the webhook stops until a
   data admin retries it (the client can still pull).

A batch keeps its range across retries and is re-read at each attempt (values as they are then), so the receiver may
see one batch more than once — ``X-Tongban-Delivery`` says so — but never an event outside it, and never an event
skipped. The subscription row is locked (a no-op UPDATE) while a batch is cut or settled, so two delivery processes
do not cut overlapping batches or send one attempt twice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.unit_of_work import transaction
from tongban.catalog.model import Resource
from tongban.db import utcnow
from tongban.errors import Conflict, TongbanError
from tongban.exchange import subscriptions as subs
from tongban.exchange import webhooks
from tongban.exchange.model import Grant, GrantClient, Subscription, WebhookDelivery
from tongban.exchange.workdays import today_in_china
from tongban.identity.model import ApiClient
from tongban.identity.policy import Action, Actor, Role, Target
from tongban.identity.service import actor_ref, require
from tongban.registry import serving

BATCH = 100
SKIP_READS = 50  # reads of changes of no interest (each up to change_feed.SCAN) before a run moves on
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
Clock = Callable[[], dt.datetime]


@dataclass
class DeliveryReport:
    """What one run did."""

    sent: int = 0  # attempts made
    delivered: int = 0  # batches acknowledged
    retrying: int = 0  # attempts that failed and will be retried
    failed: int = 0  # batches given up
    errors: list[str] = field(default_factory=list)  # "subscription 3: HTTP 500"


@dataclass(frozen=True)
class _Attempt:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


def deliver_due(sessions: sessionmaker[Session], sender: webhooks.Sender, *, platform_key: str,
                clock: Clock = utcnow, batch: int = BATCH, max_attempts: int = webhooks.MAX_ATTEMPTS,
                rounds: int = 10) -> DeliveryReport:
    """Send every webhook batch that is due, up to ``rounds`` batches per subscription."""
    report = DeliveryReport()
    with transaction(sessions) as session:
        ids = list(session.scalars(select(Subscription.id).where(
            Subscription.ended_at.is_(None), Subscription.webhook_url.is_not(None)).order_by(Subscription.id)))
    for sub_id in ids:
        for _ in range(rounds):
            with transaction(sessions) as session:
                attempt = _prepare(session, sub_id, platform_key=platform_key, now=clock(), batch=batch,
                                   report=report)
            if attempt is None:
                break
            error = _send(sender, attempt)
            with transaction(sessions) as session:
                delivered = _settle(session, sub_id, attempt, error, now=clock(), max_attempts=max_attempts,
                                    report=report)
            if not delivered:
                break
    return report


def _lock(session: Session, sub_id: int) -> Subscription | None:
    """The subscription, locked for this transaction (on SQLite: the database's write lock)."""
    session.execute(update(Subscription).where(Subscription.id == sub_id).values(cursor=Subscription.cursor))
    return session.get(Subscription, sub_id, populate_existing=True)


def _client_ref(session: Session, client_id: int) -> tuple[Actor, ActorRef]:
    client = session.get(ApiClient, client_id)
    assert client is not None
    actor = Actor("client", client.id, f"client:{client.key_id}", None, client.department_id)
    return actor, actor_ref(actor)


def _pending(session: Session, sub_id: int) -> WebhookDelivery | None:
    return session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id,
                                                         WebhookDelivery.status == PENDING)
                           .order_by(WebhookDelivery.id).limit(1)).first()


def _last(session: Session, sub_id: int) -> WebhookDelivery | None:
    return session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
                           .order_by(WebhookDelivery.id.desc()).limit(1)).first()


def _prepare(session: Session, sub_id: int, *, platform_key: str, now: dt.datetime, batch: int,
             report: DeliveryReport) -> _Attempt | None:
    """Cut or take the subscription's batch and, when due, make the attempt's body and audit it."""
    sub = _lock(session, sub_id)
    if sub is None or sub.ended_at is not None or not sub.webhook_url or not sub.webhook_secret:
        return None
    actor, who = _client_ref(session, sub.client_id)
    grant = subs.get_grant(session, sub.grant_id)
    try:
        subs.check_usable(session, actor, grant, sub.client_id, target=str(sub.id), today=today_in_china(now))
        scope = subs.scope_of(session, grant)
    except TongbanError as exc:  # the grant ended: nothing more leaves
        subs.give_up(session, sub, str(exc))
        return None
    delivery = _pending(session, sub.id)
    if delivery is None:
        last = _last(session, sub.id)
        if last is not None and last.status == FAILED:
            return None  # stopped until a data admin retries
        page = subs.read(session, sub, scope, after=sub.cursor, limit=batch)
        for _ in range(SKIP_READS):
            if page.events or not page.more:
                break
            page = subs.read(session, sub, scope, after=page.last_seq, limit=batch)
        if not page.events:
            sub.cursor = max(sub.cursor, page.last_seq)  # nothing of interest: read past it
            return None
        delivery = WebhookDelivery(subscription_id=sub.id, first_seq=page.events[0].seq, last_seq=page.last_seq,
                                   status=PENDING, attempts=0, next_attempt_at=now, last_error="")
        session.add(delivery)
        session.flush()
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    span = delivery.last_seq - delivery.first_seq + 1
    page = subs.read(session, sub, scope, after=delivery.first_seq - 1, limit=span, until=delivery.last_seq)
    if not page.events:  # nothing in the range is of interest any more
        _delivered(sub, delivery, now)
        return None
    try:
        secret = webhooks.unseal(platform_key, sub.webhook_secret)
    except webhooks.SecretUnreadable as exc:
        delivery.status, delivery.next_attempt_at, delivery.last_error = FAILED, None, str(exc)
        report.failed += 1
        report.errors.append(f"subscription {sub.id}: {exc}")
        return None
    delivery.attempts += 1
    delivery.next_attempt_at = now + webhooks.wait_after(delivery.attempts)  # in case this process dies sending
    events = [subs.as_json(e, scope, sub.events) for e in page.events]
    body = json.dumps({"subscription": sub.id, "delivery": delivery.id, "cursor": delivery.last_seq,
                       "events": events}, ensure_ascii=False, default=str).encode()
    subs.audit(session, who, sub, scope, page, context=subs.CallContext(sub.official, sub.purpose, sub.case_ref),
               after=delivery.first_seq - 1, via="webhook", delivery=delivery.id)
    report.sent += 1
    return _Attempt(delivery.id, sub.webhook_url, body, webhooks.headers_for(secret, delivery.id, body, now))


def _send(sender: webhooks.Sender, attempt: _Attempt) -> str | None:
    """None when acknowledged, else what went wrong."""
    try:
        status = sender(attempt.url, attempt.body, attempt.headers)
    except Exception as exc:  # the receiver's side: refused, timed out, reset — kept as the error, retried
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if webhooks.acknowledged(status) else f"HTTP {status}"


def _delivered(sub: Subscription, delivery: WebhookDelivery, now: dt.datetime) -> None:
    delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
    sub.cursor = max(sub.cursor, delivery.last_seq)


def _settle(session: Session, sub_id: int, attempt: _Attempt, error: str | None, *, now: dt.datetime,
            max_attempts: int, report: DeliveryReport) -> bool:
    """Record the attempt's outcome; True when the batch was delivered (the cursor moved)."""
    sub = _lock(session, sub_id)
    delivery = session.get(WebhookDelivery, attempt.delivery_id, populate_existing=True)
    if sub is None or delivery is None or delivery.status != PENDING:
        return False  # unsubscribed (or the grant ended) meanwhile
    if error is None:
        delivery.last_error = ""
        _delivered(sub, delivery, now)
        report.delivered += 1
        return True
    delivery.last_error = error
    report.errors.append(f"subscription {sub.id}: {error}")
    if delivery.attempts >= max_attempts:
        delivery.status, delivery.next_attempt_at = FAILED, None
        report.failed += 1
    else:
        delivery.next_attempt_at = now + webhooks.wait_after(delivery.attempts)
        report.retrying += 1
    return False


def retry_webhook(session: Session, actor: Actor, subscription_id: int, *, now: dt.datetime | None = None
                  ) -> WebhookDelivery:
    """Start a given-up batch again from its first attempt (a data admin, once the receiver is fixed)."""
    sub = subs.get_subscription(session, actor, subscription_id, action=Action.EXCHANGE_SUBSCRIBE,
                                event="exchange.webhook_retry")
    last = _last(session, sub.id)
    if last is None or last.status != FAILED:
        raise Conflict("The webhook has no failed batch to retry", code="exchange.webhook_not_failed")
    again = WebhookDelivery(subscription_id=sub.id, first_seq=last.first_seq, last_seq=last.last_seq, status=PENDING,
                            attempts=0, next_attempt_at=now or utcnow(), last_error="")
    session.add(again)
    session.flush()
    record(session, AuditEvent("exchange.webhook_retry", actor_ref(actor), target_type="subscription",
                               target_id=str(sub.id), details={"delivery": again.id, "failed": last.id}))
    return again


# What the subscriptions page shows --------------------------------------------------------------------------------

RECENT = 5


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as its department reads it: what it follows, how far it got, and its webhook's last batches."""

    subscription: Subscription
    department_id: int
    resource_code: str
    resource_name: str
    client_name: str
    grant_active: bool
    webhook: str  # none | idle | pending | delivered | failed
    deliveries: list[WebhookDelivery]


def list_subscriptions(session: Session, actor: Actor, *, today: dt.date | None = None) -> list[SubscriptionView]:
    """Current subscriptions, newest first: a data admin's department's, or every department's (operator, auditor)."""
    require(actor, Action.EXCHANGE_READ, Target(department_id=actor.department_id), event="exchange.subscriptions")
    query = (select(Subscription, Grant, Resource.code, Resource.name, ApiClient.name)
             .join(Grant, Grant.id == Subscription.grant_id).join(Resource, Resource.id == Grant.resource_id)
             .join(ApiClient, ApiClient.id == Subscription.client_id)
             .where(Subscription.ended_at.is_(None)).order_by(Subscription.id.desc()))
    if actor.role is Role.DATA_ADMIN:
        query = query.where(Grant.consumer_department_id == actor.department_id)
    today = today or today_in_china()
    views = []
    for sub, grant, code, name, client in session.execute(query):
        recent = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                                      .order_by(WebhookDelivery.id.desc()).limit(RECENT)))
        webhook = "none" if not sub.webhook_url else (recent[0].status if recent else "idle")
        active = grant.revoked_at is None and grant.valid_from <= today <= grant.valid_to
        views.append(SubscriptionView(sub, grant.consumer_department_id, code, name, client, active, webhook, recent))
    return views


@dataclass(frozen=True)
class Option:
    """A grant (and base) a data admin may subscribe under: the event types it allows and the API clients on it."""

    grant_id: int
    resource_name: str
    base: str
    types: list[str]
    clients: list[tuple[int, str]]


def subscription_options(session: Session, actor: Actor, *, today: dt.date | None = None) -> list[Option]:
    """The department's grants that are valid now, for resources served from a base whose key they grant."""
    require(actor, Action.EXCHANGE_SUBSCRIBE, Target(department_id=actor.department_id), event="exchange.subscribe")
    today = today or today_in_china()
    grants = session.scalars(select(Grant).where(Grant.consumer_department_id == actor.department_id,
                                                 Grant.revoked_at.is_(None), Grant.valid_from <= today,
                                                 Grant.valid_to >= today).order_by(Grant.id))
    options = []
    for grant in grants:
        clients = [(c.id, c.name) for c in session.scalars(
            select(ApiClient).join(GrantClient, GrantClient.client_id == ApiClient.id)
            .where(GrantClient.grant_id == grant.id, ApiClient.revoked_at.is_(None)).order_by(ApiClient.id))]
        resource = session.get(Resource, grant.resource_id)
        assert resource is not None
        spec = serving.base_serving(i.code for i in resource.items)
        if clients and spec is not None and spec.key in grant.items:
            options.append(Option(grant.id, resource.name, spec.name, subs.allowed_types(spec.name, grant.items),
                                  clients))
    return options
