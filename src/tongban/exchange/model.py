"""Exchange tables: the working-day calendar; sharing requests, grants and masking rules; doubtful-data flags,
change subscriptions and holds on what a data subject sees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UTCDateTime, utcnow


class CalendarYear(Base):
    """A year whose schedule of holidays and make-up working days is loaded: from the chinese-calendar library or
    from the State Council's notice (国务院办公厅关于部分节假日安排的通知) as the operator loaded it."""

    __tablename__ = "exchange_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))  # "chinese-calendar 1.11.0", "国办发明电〔2026〕x号", a file name
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(100))


class SpecialDay(Base):
    """A day that is not what its weekday says: a holiday (节假日, a weekday or weekend day off) or a make-up
    working day (调休上班, a Saturday or Sunday worked). ``year`` is the schedule that set it: a notice may move the
    last days of December before its year (元旦), and the schedule loaded last decides a day."""

    __tablename__ = "exchange_calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("exchange_calendar_years.year"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | makeup_workday
    name: Mapped[str] = mapped_column(String(60), default="")  # 春节, 国庆节 …

    __table_args__ = (CheckConstraint("kind IN ('holiday', 'makeup_workday')", name="kind"),)


# --- on-demand sharing: requests, their history, grants ------------------------------------------------------------

class SharingRequest(Base):
    """A consumer department's application (共享申请) for a catalog resource, for a named application scenario.

    ``route`` is how it is decided: ``unconditional`` (granted at once, still recorded), ``conditional`` (the provider
    answers within ``time_limit`` working days, due on ``due_on``) or ``arbitration`` (a not-shared resource, or an
    escalated request: the platform operator decides with a legal basis). ``status``: submitted → granted | refused |
    withdrawn; ``overdue_at`` and ``escalated_at`` mark a provider that let the time limit pass."""

    __tablename__ = "exchange_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # GX20261127-0001: what people quote
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    scenario: Mapped[str] = mapped_column(String(200))  # 应用场景
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[str]] = mapped_column(JSON)  # item codes asked for: a subset of the resource's
    clear_items: Mapped[list[str]] = mapped_column(JSON, default=list)  # of those, asked for unmasked (with reason)
    expected_volume: Mapped[int | None] = mapped_column(Integer)  # calls per day
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    client_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the consumer's API clients to be granted
    route: Mapped[str] = mapped_column(String(16))  # unconditional | conditional | arbitration
    status: Mapped[str] = mapped_column(String(16), index=True, default="submitted")
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    time_limit: Mapped[int | None] = mapped_column(Integer)  # working days, when the provider must answer
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)  # counted through a year not loaded
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")  # a refusal's reason, an arbitration's basis

    __table_args__ = (
        CheckConstraint("route IN ('unconditional', 'conditional', 'arbitration')", name="route"),
        CheckConstraint("status IN ('submitted', 'granted', 'refused', 'withdrawn')", name="status"),
    )


class RequestEvent(Base):
    """One step in a request's history, as the requester and the provider see it (each is also audited)."""

    __tablename__ = "exchange_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("exchange_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    # submit | grant | refuse | withdraw | remind | overdue | escalate | arbitrate | revoke
    action: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")


class Grant(Base):
    """What a consumer department may fetch of a resource: the items (``clear_items`` unmasked), for what purpose
    and scenario, from when to when, how fast — through the API clients listed in ``exchange_grant_clients``.
    Everything not granted is denied."""

    __tablename__ = "exchange_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_requests.id"), unique=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    items: Mapped[list[str]] = mapped_column(JSON)
    clear_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    rate_limit: Mapped[int] = mapped_column(Integer, default=600)  # calls per minute per client
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")


class GrantClient(Base):
    """An API client of the consumer department that may use a grant."""

    __tablename__ = "exchange_grant_clients"

    grant_id: Mapped[int] = mapped_column(ForeignKey("exchange_grants.id", ondelete="CASCADE"), primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), primary_key=True, index=True)


class MaskingRule(Base):
    """How a personal item leaves the platform when a grant does not say clear: ``id_number`` (310***********1234),
    ``phone`` (138****5678), ``name`` (张*明), ``address`` (up to the road), ``date`` (the year), ``hide`` (nothing).
    An item without a rule that the catalog marks personal is hidden."""

    __tablename__ = "exchange_masking_rules"

    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


# --- doubtful data (疑义), change subscriptions, disclosure holds -----------------------------------------------------

class Dispute(Base):
    """A consumer's flag that a value it received is wrong (疑义): it reaches the provider's data admin, who answers
    within ``due_on``; the answer is visible to the consumer."""

    __tablename__ = "exchange_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"))
    subject: Mapped[str] = mapped_column(String(32))  # the ID number, credit code or address code
    item_code: Mapped[str] = mapped_column(String(64))
    returned_value: Mapped[str | None] = mapped_column(Text)
    claimed_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    call_request_id: Mapped[str | None] = mapped_column(String(64))  # the exchange call that returned the value
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), index=True, default="open")  # open | confirmed | rejected
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Subscription(Base):
    """A consumer's subscription to a base's change log under a grant: events are pulled with a cursor (the last
    change seq seen) or pushed to ``webhook_url`` signed with HMAC-SHA256 (the secret is kept encrypted)."""

    __tablename__ = "exchange_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("exchange_grants.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    base: Mapped[str] = mapped_column(String(20))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # death, move, marriage, deregistration … ([]: all)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)  # the last seq delivered by webhook
    start_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the log's head when subscribed: pulls begin there
    # Who subscribed, why, for which case: what each webhook delivery's audit record names (a pull names its own).
    official: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    case_ref: Mapped[str] = mapped_column(String(100), default="")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(Text)  # encrypted with the platform's key
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """A batch of change events pushed to a subscription's webhook: retried with backoff until delivered or given
    up; what was delivered last moves the subscription's cursor."""

    __tablename__ = "exchange_webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("exchange_subscriptions.id"), index=True)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DisclosureHold(Base):
    """A restricted-visibility flag on one audited access (e.g. an ongoing investigation): hidden from the data
    subject's record until ``hidden_until``, only once the operator approved it (both steps audited)."""

    __tablename__ = "exchange_disclosure_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # the access (audit record) hidden
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    hidden_until: Mapped[dt.date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested | approved | refused
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str] = mapped_column(Text, default="")  # the operator's reason, required to refuse
