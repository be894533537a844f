"""Doubtful data (疑义): a consumer department flags a value it received as wrong; the flag reaches the provider
department (the resource's, the authoritative source) with a time limit in working days, whose data admin answers
— confirmed (the value is wrong and will be corrected at source) or rejected — and the answer is visible to the
consumer. A consumer can only flag a value it actually received: the audit log must show an allowed exchange call
of its department that returned that item of that subject from that resource (the call named by its request id,
when given). Raising, answering and reading one flag are audited; the use cases never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.audit.model import AuditRecord, AuditSubject
from tongban.catalog.model import DataItem, Resource
from tongban.db import utcnow
from tongban.errors import Conflict, FieldError, InvalidInput, NotFound
from tongban.exchange.datause import DATA_ACCESS, department_names
from tongban.exchange import numbering
from tongban.exchange.model import Dispute
from tongban.exchange.service import snapshot
from tongban.exchange.workdays import CHINA_TIME, Calendar, today_in_china
from tongban.identity.policy import Action, Actor, Target
from tongban.identity.service import actor_ref, require
from tongban.standards import CodeError, parse_citizen_id

TIME_LIMIT = 5  # working days the provider has to answer (a plain parameter: entrypoints may pass another)
PREFIX = "YY"  # 疑义: numbers read YY20261127-0001
TEXT_MAX = 2000
VALUE_MAX = 500
SUBJECT_MAX = 32
REQUEST_ID_MAX = 64
OUTCOMES = ("confirmed", "rejected")
BOXES = ("raised", "received", "all")


@dataclass(frozen=True)
class DisputeView:
    """A flag as its consumer, its provider and the operator read it, with its clock."""

    dispute: Dispute
    consumer: str
    provider: str
    resource_name: str
    resource_code: str
    item_name: str
    days_left: int | None  # working days until the due date (0: due today); None once answered
    overdue: bool  # open after its due date
    overdue_days: int  # working days past the due date (open ones)
    answered_late: bool

    @property
    def local_raised_at(self) -> dt.datetime:
        return self.dispute.raised_at.astimezone(CHINA_TIME)

    @property
    def local_answered_at(self) -> dt.datetime | None:
        at = self.dispute.answered_at
        return at.astimezone(CHINA_TIME) if at is not None else None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _check_text(problems: list[FieldError], field: str, value: str, limit: int, *, required: bool) -> None:
    if required and not value:
        problems.append(FieldError(field, "is required", code=f"dispute.{field}"))
    elif len(value) > limit:
        problems.append(FieldError(field, "at most {max} characters", {"max": limit}, code=f"dispute.{field}"))


def _received(session: Session, department_id: int, resource_code: str, subject: str, item_code: str,
              request_id: str | None) -> AuditRecord | None:
    """The latest allowed call of the department that returned ``item_code`` of ``subject`` from the resource."""
    stmt = (select(AuditRecord).join(AuditSubject, AuditSubject.seq == AuditRecord.seq)
            .where(AuditSubject.subject == subject, AuditRecord.action.in_(DATA_ACCESS),
                   AuditRecord.outcome == "allowed", AuditRecord.department_id == department_id,
                   AuditRecord.target_id == resource_code)
            .order_by(AuditRecord.seq.desc()))
    for row in session.scalars(stmt):
        details = row.details if isinstance(row.details, dict) else {}
        if request_id and request_id not in (row.request_id, details.get("request_id")):
            continue
        if item_code in (details.get("items") or []) and subject not in (details.get("not_found") or []):
            return row
    return None


def _spellings(subject: str) -> list[str]:
    """The key as typed, then — for an old 15-digit ID number — the 18-digit one the platform indexes."""
    try:
        number = parse_citizen_id(subject).number
    except CodeError:
        return [subject]
    return list(dict.fromkeys([subject, number]))


def _failed(actor: Actor, resource_code: str, exc: InvalidInput) -> AuditEvent:
    return AuditEvent("dispute.raise", actor_ref(actor), "failed", "resource", resource_code[:200],
                      details={"rules": sorted({e.code or exc.code for e in exc.errors}) or [exc.code]})


def raise_dispute(session: Session, actor: Actor, *, resource_code: str, subject: str, item_code: str,
                  returned_value: str | None, claimed_value: str | None, reason: str,
                  call_request_id: str | None = None, time_limit: int = TIME_LIMIT,
                  now: dt.datetime | None = None) -> Dispute:
    """Flag a value the actor's department received as wrong; due ``time_limit`` working days after today (in
    China) on the working-day calendar, estimated where a year is not loaded."""
    require(actor, Action.DISPUTE_RAISE, Target(department_id=actor.department_id), target_id=resource_code[:200],
            event="dispute.raise")
    assert actor.department_id is not None  # the policy lets only a department's admin or system raise one
    resource_code, subject, item_code = _clean(resource_code), _clean(subject).upper(), _clean(item_code)
    returned, claimed = (returned_value or "").strip(), (claimed_value or "").strip()
    reason, request_id = _clean(reason), _clean(call_request_id) or None
    problems: list[FieldError] = []
    resource = session.scalar(select(Resource).where(Resource.code == resource_code)) if resource_code else None
    if resource is None:
        problems.append(FieldError("resource", "No resource with code {code}", {"code": resource_code},
                                   code="dispute.resource"))
    elif resource.department_id == actor.department_id:
        problems.append(FieldError("resource", "Your department provides this resource: correct the value at source",
                                   code="dispute.own_resource"))
    elif not session.scalar(select(DataItem.id).where(DataItem.resource_id == resource.id,
                                                      DataItem.code == item_code)):
        problems.append(FieldError("item", "{resource} has no data item {item}",
                                   {"resource": resource.name, "item": item_code}, code="dispute.item"))
    _check_text(problems, "subject", subject, SUBJECT_MAX, required=True)
    _check_text(problems, "returned_value", returned, VALUE_MAX, required=False)
    _check_text(problems, "claimed_value", claimed, VALUE_MAX, required=False)
    _check_text(problems, "reason", reason, TEXT_MAX, required=True)
    _check_text(problems, "request_id", request_id or "", REQUEST_ID_MAX, required=False)
    if not problems and resource is not None:
        received = None
        for key in _spellings(subject):
            received = _received(session, actor.department_id, resource.code, key, item_code, request_id)
            if received is not None:
                subject = key
                break
        params = {"item": item_code, "resource": resource.name, "request_id": request_id or ""}
        if received is None and request_id:
            problems.append(FieldError("request_id", "Your department's call {request_id} returned no {item} of "
                                       "this subject from {resource}", params, code="dispute.not_received"))
        elif received is None:
            problems.append(FieldError("subject", "Your department received no {item} of this subject from "
                                       "{resource}", params, code="dispute.not_received"))
    if problems:
        exc = InvalidInput("The doubt cannot be raised: {count} problem(s)", code="dispute.invalid",
                           params={"count": len(problems)}, errors=problems)
        exc.audit = _failed(actor, resource_code, exc)
        raise exc
    assert resource is not None
    now = now or utcnow()
    today = today_in_china(now)
    due = snapshot(session).add_working_days(today, time_limit)
    dispute = Dispute(
        consumer_department_id=actor.department_id,
        provider_department_id=resource.department_id, resource_id=resource.id, subject=subject,
        item_code=item_code, returned_value=returned or None, claimed_value=claimed or None, reason=reason,
        call_request_id=request_id, raised_by=actor.name, raised_at=now, due_on=due.due,
        due_estimated=due.estimated, status="open", answer="")
    numbering.add_numbered(session, dispute, Dispute.number, f"{PREFIX}{today:%Y%m%d}-")
    record(session, AuditEvent("dispute.raise", actor_ref(actor), target_type="dispute", target_id=dispute.number,
                               details={"resource": resource.code, "item": item_code,
                                        "provider_department_id": resource.department_id,
                                        "due_on": due.due.isoformat(), "estimated": due.estimated,
                                        "time_limit": time_limit, "call_request_id": request_id}))
    return dispute


def _get(session: Session, number: str) -> Dispute:
    dispute = session.scalar(select(Dispute).where(Dispute.number == number.strip()))
    if dispute is None:
        raise NotFound("There is no doubt numbered {number}", code="dispute.not_found", params={"number": number})
    return dispute


def answer_dispute(session: Session, actor: Actor, number: str, *, outcome: str, answer: str,
                   now: dt.datetime | None = None) -> Dispute:
    """The provider's data admin answers: ``confirmed`` (the value is wrong, it will be corrected at source) or
    ``rejected``, with an answer text either way."""
    dispute = _get(session, number)
    require(actor, Action.DISPUTE_ANSWER, Target(department_id=dispute.provider_department_id),
            target_id=dispute.number, event="dispute.answer")
    if dispute.status != "open":
        raise Conflict("Doubt {number} is already answered", code="dispute.answered",
                       params={"number": dispute.number})
    answer = answer.strip()
    problems: list[FieldError] = []
    if outcome not in OUTCOMES:
        problems.append(FieldError("outcome", "must be confirmed or rejected", code="dispute.outcome"))
    _check_text(problems, "answer", answer, TEXT_MAX, required=True)
    if problems:
        raise InvalidInput("The answer cannot be given: {count} problem(s)", code="dispute.invalid_answer",
                           params={"count": len(problems)}, errors=problems)
    now = now or utcnow()
    dispute.status, dispute.answer, dispute.answered_by, dispute.answered_at = outcome, answer, actor.name, now
    late = today_in_china(now) > dispute.due_on
    record(session, AuditEvent("dispute.answer", actor_ref(actor), target_type="dispute", target_id=dispute.number,
                               details={"outcome": outcome, "due_on": dispute.due_on.isoformat(), "late": late}))
    return dispute


def _views(session: Session, disputes: list[Dispute], today: dt.date, cal: Calendar) -> list[DisputeView]:
    departments = department_names(session, {d.consumer_department_id for d in disputes}
                                   | {d.provider_department_id for d in disputes})
    resources = {r.id: r for r in session.scalars(select(Resource).where(
        Resource.id.in_({d.resource_id for d in disputes})))} if disputes else {}
    items = dict(((rid, code), name) for rid, code, name in session.execute(
        select(DataItem.resource_id, DataItem.code, DataItem.name).where(
            DataItem.resource_id.in_(resources)))) if resources else {}
    views = []
    for d in disputes:
        resource = resources.get(d.resource_id)
        is_open = d.status == "open"
        answered_on = d.answered_at.astimezone(CHINA_TIME).date() if d.answered_at else None
        views.append(DisputeView(
            d, departments.get(d.consumer_department_id, ""), departments.get(d.provider_department_id, ""),
            resource.name if resource else "", resource.code if resource else "",
            items.get((d.resource_id, d.item_code), d.item_code),
            cal.working_days_between(today, d.due_on) if is_open and today <= d.due_on else None,
            is_open and today > d.due_on,
            cal.working_days_between(d.due_on, today) if is_open and today > d.due_on else 0,
            answered_on is not None and answered_on > d.due_on))
    return views


def describe(session: Session, dispute: Dispute, *, today: dt.date | None = None) -> DisputeView:
    """A flag the caller already may see (it just raised it), with its clock; not a read of its own."""
    return _views(session, [dispute], today or today_in_china(), snapshot(session))[0]


def get_dispute(session: Session, actor: Actor, number: str, *, today: dt.date | None = None) -> DisputeView:
    """One flag with its values and answer, for its consumer department, its provider's data admin and the
    operator or auditor; the reading is audited."""
    dispute = _get(session, number)
    if actor.department_id is not None and actor.department_id == dispute.consumer_department_id:
        require(actor, Action.DISPUTE_RAISE, Target(department_id=dispute.consumer_department_id),
                target_id=dispute.number, event="dispute.view")
    elif actor.department_id is not None and actor.department_id == dispute.provider_department_id:
        require(actor, Action.DISPUTE_ANSWER, Target(department_id=dispute.provider_department_id),
                target_id=dispute.number, event="dispute.view")
    else:
        require(actor, Action.EXCHANGE_OVERSEE, target_id=dispute.number, event="dispute.view")
    record(session, AuditEvent("dispute.view", actor_ref(actor), target_type="dispute", target_id=dispute.number))
    return _views(session, [dispute], today or today_in_china(), snapshot(session))[0]


def list_disputes(session: Session, actor: Actor, *, box: str, status: str | None = None,
                  today: dt.date | None = None, limit: int = 500) -> list[DisputeView]:
    """Flags the actor's department ``raised`` or ``received`` (the operator and the auditor: ``all``), open ones
    first by due date, then the newest answered; overdue ones are flagged."""
    stmt = select(Dispute)
    if box == "raised":
        require(actor, Action.DISPUTE_RAISE, Target(department_id=actor.department_id), event="dispute.list")
        stmt = stmt.where(Dispute.consumer_department_id == actor.department_id)
    elif box == "received":
        require(actor, Action.DISPUTE_ANSWER, Target(department_id=actor.department_id), event="dispute.list")
        stmt = stmt.where(Dispute.provider_department_id == actor.department_id)
    else:
        require(actor, Action.EXCHANGE_OVERSEE, event="dispute.list")
    if status:
        stmt = stmt.where(Dispute.status == status)
    disputes = list(session.scalars(stmt.order_by(Dispute.id.desc()).limit(limit)))
    disputes.sort(key=lambda d: (d.status != "open", d.due_on.toordinal() if d.status == "open" else -d.id))
    return _views(session, disputes, today or today_in_china(), snapshot(session))
