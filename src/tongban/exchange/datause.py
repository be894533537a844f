"""我的数据使用记录: every access to a citizen's (or a company's) data, read from the audit log through its subject
index — and the disclosure holds that may keep one access out of sight until a date.

What is shown: every ``exchange.call`` record (and ``exchange.changes``: change events pulled or pushed) that names
the person's ID number (the company's credit code) among its subjects, was allowed, and returned data — that is, data that left the platform. A call that returned no item,
or a batch call whose ``details["not_found"]`` lists the key, is not an access to the person's data and is left
out. Refused attempts are not shown either: no data left, and the auditor sees them in the audit log. Because the
gateway writes the record (with its subjects) before a response leaves, nothing can be accessed without appearing
here — except an access under a disclosure hold (e.g. an ongoing investigation) that the platform operator approved,
and only until its disclosure date (China date): from that day it appears. A hold that is requested but not
approved, or refused, hides nothing. A hold covers one audit record, so all subjects of that record.

Reading the record is itself audited (``datause.view``); requesting and deciding a hold are audited too
(``datause.hold``, ``datause.hold_decide``). The use cases never commit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.audit.model import AuditRecord, AuditSubject
from tongban.catalog.model import DataItem, Resource
from tongban.db import utcnow
from tongban.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from tongban.exchange.model import DisclosureHold
from tongban.exchange.workdays import CHINA_TIME, today_in_china
from tongban.identity.model import Department, User
from tongban.identity.policy import Action, Actor, Role, Target, allowed
from tongban.identity.service import actor_ref, require

DATA_ACCESS = ("exchange.call", "exchange.changes")  # audited actions whose allowed records are accesses: a call, a
# pulled or pushed change event
PER_PAGE = 20
HOLD_MAX_DAYS = 365  # the longest a hold may keep an access out of sight, counted from the day it is requested
REASON_MAX = 2000
BASIS_MAX = 500


@dataclass(frozen=True)
class DataUseEntry:
    """One access as the data subject reads it."""

    seq: int  # the audit record's number: what a doubt quotes
    at: dt.datetime  # UTC
    department: str
    official: str  # the calling official's id, as the department's system sent it
    system: str  # the API client that called
    resource_code: str
    resource_name: str
    items: list[str]  # the data items returned, by their catalog names
    purpose: str
    case_ref: str

    @property
    def local_at(self) -> dt.datetime:
        """The time in China."""
        return self.at.astimezone(CHINA_TIME)


@dataclass(frozen=True)
class DataUsePage:
    """A page of a subject's record, newest first, with the years and departments to filter by."""

    kind: str  # person | company
    subject: str
    entries: list[DataUseEntry]
    total: int  # entries matching the filter
    page: int
    pages: int
    year: int | None
    department_id: int | None
    years: list[tuple[int, int]]  # (year, accesses), every year with an access, newest first
    departments: list[tuple[int, str, int]]  # (id, name, accesses), most accesses first


def _returned_data(details: Any, subject: str) -> bool:
    details = details if isinstance(details, dict) else {}
    items, not_found = details.get("items"), details.get("not_found") or []
    if isinstance(items, list) and not items:
        return False
    return subject not in not_found


def _visible(session: Session, subject: str, today: dt.date) -> list[Any]:
    """The subject's accesses that are not under an approved hold, newest first."""
    held = select(DisclosureHold.audit_seq).where(DisclosureHold.status == "approved",
                                                 DisclosureHold.hidden_until > today)
    stmt = (select(AuditRecord.seq, AuditRecord.occurred_at, AuditRecord.department_id, AuditRecord.actor_name,
                   AuditRecord.target_id, AuditRecord.purpose, AuditRecord.case_ref, AuditRecord.details)
            .join(AuditSubject, AuditSubject.seq == AuditRecord.seq)
            .where(AuditSubject.subject == subject, AuditRecord.action.in_(DATA_ACCESS),
                   AuditRecord.outcome == "allowed", AuditRecord.seq.not_in(held))
            .order_by(AuditRecord.seq.desc()))
    return [row for row in session.execute(stmt) if _returned_data(row.details, subject)]


def department_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Full names of the given departments."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {i: name for i, name in session.execute(select(Department.id, Department.name)
                                                   .where(Department.id.in_(wanted)))}


def resource_names(session: Session, codes: Iterable[str | None]) -> dict[str, tuple[str, dict[str, str]]]:
    """Resource code → (its name, item code → item name) from the catalog."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    resources = {rid: (code, name) for rid, code, name in session.execute(
        select(Resource.id, Resource.code, Resource.name).where(Resource.code.in_(wanted)))}
    found: dict[str, tuple[str, dict[str, str]]] = {code: (name, {}) for code, name in resources.values()}
    if resources:
        for resource_id, code, name in session.execute(
                select(DataItem.resource_id, DataItem.code, DataItem.name)
                .where(DataItem.resource_id.in_(resources))):
            found[resources[resource_id][0]][1][code] = name
    return found


def _year(at: dt.datetime) -> int:
    return at.astimezone(CHINA_TIME).year


def _subject_of(session: Session, actor: Actor) -> tuple[str, str]:
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is not None and actor.role is Role.CITIZEN and user.id_number:
        return "person", user.id_number
    if user is not None and actor.role is Role.ENTERPRISE and user.company_credit_code:
        return "company", user.company_credit_code
    raise NotFound("Your account names no ID number or company credit code", code="datause.no_subject")


def list_data_use(session: Session, actor: Actor, *, year: int | None = None, department_id: int | None = None,
                  page: int = 1, per_page: int = PER_PAGE, today: dt.date | None = None) -> DataUsePage:
    """The logged-in citizen's (enterprise user's: their company's) accesses, newest first, filtered by year (in
    China) and department; reading it is audited."""
    require(actor, Action.DATAUSE_VIEW, event="datause.view")
    kind, subject = _subject_of(session, actor)
    rows = _visible(session, subject, today or today_in_china())
    years = Counter(_year(r.occurred_at) for r in rows)
    by_department = Counter(r.department_id for r in rows)
    chosen = [r for r in rows if (year is None or _year(r.occurred_at) == year)
              and (department_id is None or r.department_id == department_id)]
    pages = max(1, math.ceil(len(chosen) / per_page))
    page = min(max(1, page), pages)
    shown = chosen[(page - 1) * per_page:page * per_page]
    departments = department_names(session, by_department)
    resources = resource_names(session, (r.target_id for r in shown))
    entries = []
    for r in shown:
        details = r.details if isinstance(r.details, dict) else {}
        name, item_names = resources.get(r.target_id or "", (r.target_id or "", {}))
        entries.append(DataUseEntry(
            r.seq, r.occurred_at, departments.get(r.department_id, ""), str(details.get("official") or ""),
            r.actor_name or "", r.target_id or "", name,
            [item_names.get(code, code) for code in details.get("items") or []], r.purpose or "", r.case_ref or ""))
    record(session, AuditEvent("datause.view", actor_ref(actor), target_type=kind, target_id=subject,
                               details={"year": year, "department_id": department_id, "page": page,
                                        "shown": [e.seq for e in entries]}))
    return DataUsePage(
        kind, subject, entries, len(chosen), page, pages, year, department_id,
        sorted(years.items(), reverse=True),
        sorted(((i, departments.get(i, ""), n) for i, n in by_department.items() if i is not None),
               key=lambda d: (-d[2], d[1])))


# Disclosure holds ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccessView:
    """One of a department's accesses, as its data admin picks one to hold."""

    seq: int
    at: dt.datetime
    resource: str
    official: str
    purpose: str
    case_ref: str
    subjects: int
    hold: DisclosureHold | None

    @property
    def local_at(self) -> dt.datetime:
        return self.at.astimezone(CHINA_TIME)


@dataclass(frozen=True)
class HoldView:
    """A hold with the access it covers, for its department and the operator."""

    hold: DisclosureHold
    department: str
    access: AccessView | None
    active: bool  # approved and its disclosure date not reached


def _text(value: str | None, field: str, limit: int, problems: list[FieldError]) -> str:
    text = " ".join((value or "").split())
    if not text:
        problems.append(FieldError(field, "is required", code=f"datause.{field}"))
    elif len(text) > limit:
        problems.append(FieldError(field, "at most {max} characters", {"max": limit}, code=f"datause.{field}"))
    return text


def _access(session: Session, seq: int) -> AuditRecord | None:
    row = session.scalar(select(AuditRecord).where(AuditRecord.seq == seq))
    return row if row is not None and row.action in DATA_ACCESS and row.outcome == "allowed" else None


def _access_views(session: Session, rows: list[AuditRecord],
                  holds: dict[int, DisclosureHold]) -> dict[int, AccessView]:
    names = resource_names(session, (r.target_id for r in rows))
    views = {}
    for row in rows:
        details = row.details if isinstance(row.details, dict) else {}
        name = names.get(row.target_id or "", (row.target_id or "", {}))[0]
        views[row.seq] = AccessView(row.seq, row.occurred_at, name, str(details.get("official") or ""),
                                    row.purpose or "", row.case_ref or "", len(details.get("subjects") or []),
                                    holds.get(row.seq))
    return views


def request_hold(session: Session, actor: Actor, audit_seq: int, reason: str, legal_basis: str,
                 hidden_until: dt.date | None, *, max_days: int = HOLD_MAX_DAYS,
                 today: dt.date | None = None) -> DisclosureHold:
    """A data admin asks to keep one of their department's accesses out of its subjects' sight until
    ``hidden_until`` (at most ``max_days`` from today), with a reason and legal basis; the operator decides."""
    require(actor, Action.DATAUSE_HOLD, Target(department_id=actor.department_id), target_id=str(audit_seq),
            event="datause.hold")
    row = _access(session, audit_seq)
    if row is None:
        raise NotFound("There is no access with record number {seq}", code="datause.no_access",
                       params={"seq": audit_seq})
    require(actor, Action.DATAUSE_HOLD, Target(department_id=row.department_id if row.department_id else -1),
            target_id=str(audit_seq), event="datause.hold")
    today = today or today_in_china()
    problems: list[FieldError] = []
    reason = _text(reason, "reason", REASON_MAX, problems)
    legal_basis = _text(legal_basis, "legal_basis", BASIS_MAX, problems)
    latest = today + dt.timedelta(days=max_days)
    if hidden_until is None:
        problems.append(FieldError("hidden_until", "is required", code="datause.hidden_until"))
    elif hidden_until <= today:
        problems.append(FieldError("hidden_until", "must be after today ({today})", {"today": today.isoformat()},
                                   code="datause.hidden_until"))
    elif hidden_until > latest:
        problems.append(FieldError("hidden_until", "may be at most {days} days away (until {latest})",
                                   {"days": max_days, "latest": latest.isoformat()}, code="datause.hold_too_long"))
    if problems:
        raise InvalidInput("The hold cannot be requested: {count} problem(s)", code="datause.invalid_hold",
                           params={"count": len(problems)}, errors=problems)
    assert hidden_until is not None
    hold = session.scalar(select(DisclosureHold).where(DisclosureHold.audit_seq == audit_seq))
    if hold is not None and hold.status != "refused":
        raise Conflict("Access {seq} already has a hold ({status})", code="datause.hold_exists",
                       params={"seq": audit_seq, "status": hold.status})
    if hold is None:  # one hold per access: a refused one is asked for again in place (its history is audited)
        hold = DisclosureHold(audit_seq=audit_seq)
        session.add(hold)
    hold.reason, hold.legal_basis, hold.hidden_until = reason, legal_basis, hidden_until
    hold.requested_by, hold.requested_department_id, hold.requested_at = actor.name, row.department_id, utcnow()
    hold.status, hold.decided_by, hold.decided_at, hold.decision_comment = "requested", None, None, ""
    session.flush()
    record(session, AuditEvent("datause.hold", actor_ref(actor), target_type="audit_record", target_id=str(audit_seq),
                               details={"hold": hold.id, "hidden_until": hidden_until.isoformat(), "reason": reason,
                                        "legal_basis": legal_basis}))
    return hold


def decide_hold(session: Session, actor: Actor, hold_id: int, approve: bool, comment: str, *,
                today: dt.date | None = None) -> DisclosureHold:
    """The operator approves a requested hold (the access is hidden until its date) or refuses it (with a
    reason; the access stays visible)."""
    require(actor, Action.DATAUSE_HOLD_APPROVE, target_id=str(hold_id), event="datause.hold_decide")
    hold = session.get(DisclosureHold, hold_id)
    if hold is None:
        raise NotFound("There is no hold {id}", code="datause.no_hold", params={"id": hold_id})
    if hold.status != "requested":
        raise Conflict("Hold {id} is already decided", code="datause.hold_decided", params={"id": hold_id})
    today = today or today_in_china()
    comment = " ".join((comment or "").split())
    if not approve and not comment:
        raise InvalidInput("Say why the hold is refused", code="datause.comment",
                           errors=[FieldError("comment", "is required to refuse", code="datause.comment")])
    if len(comment) > REASON_MAX:
        raise InvalidInput("The comment is too long", code="datause.comment",
                           errors=[FieldError("comment", "at most {max} characters", {"max": REASON_MAX},
                                              code="datause.comment")])
    if approve and hold.hidden_until <= today:
        raise Conflict("The disclosure date {date} has passed: there is nothing left to hide",
                       code="datause.hold_expired", params={"date": hold.hidden_until.isoformat()})
    hold.status = "approved" if approve else "refused"
    hold.decided_by, hold.decided_at, hold.decision_comment = actor.name, utcnow(), comment
    record(session, AuditEvent("datause.hold_decide", actor_ref(actor), target_type="audit_record",
                               target_id=str(hold.audit_seq),
                               details={"hold": hold.id, "approved": approve, "hidden_until":
                                        hold.hidden_until.isoformat(), "comment": comment}))
    return hold


def list_holds(session: Session, actor: Actor, *, today: dt.date | None = None) -> list[HoldView]:
    """Holds, those awaiting a decision first, then newest first: every department's for the operator (who decides
    them), the own department's for a data admin."""
    today = today or today_in_china()
    stmt = select(DisclosureHold).order_by(DisclosureHold.id.desc())
    if not allowed(actor, Action.DATAUSE_HOLD_APPROVE):
        require(actor, Action.DATAUSE_HOLD, Target(department_id=actor.department_id), event="datause.hold")
        stmt = stmt.where(DisclosureHold.requested_department_id == actor.department_id)
    holds = sorted(session.scalars(stmt.limit(500)), key=lambda h: h.status != "requested")  # waiting ones first
    rows = list(session.scalars(select(AuditRecord).where(AuditRecord.seq.in_([h.audit_seq for h in holds])))
                ) if holds else []
    views = _access_views(session, rows, {h.audit_seq: h for h in holds})
    departments = department_names(session, (h.requested_department_id for h in holds))
    return [HoldView(h, departments.get(h.requested_department_id, ""), views.get(h.audit_seq),
                     h.status == "approved" and h.hidden_until > today) for h in holds]


def list_department_accesses(session: Session, actor: Actor, *, case_ref: str | None = None,
                             before_seq: int | None = None, limit: int = 30) -> list[AccessView]:
    """The data admin's department's latest accesses (optionally of one case), to pick one to hold."""
    require(actor, Action.DATAUSE_HOLD, Target(department_id=actor.department_id), event="datause.hold")
    if actor.department_id is None:
        raise PermissionDenied("You may only do this for your own department", code="identity.permission_denied")
    stmt = (select(AuditRecord).where(AuditRecord.action.in_(DATA_ACCESS), AuditRecord.outcome == "allowed",
                                      AuditRecord.department_id == actor.department_id)
            .order_by(AuditRecord.seq.desc()).limit(limit))
    if case_ref:
        stmt = stmt.where(AuditRecord.case_ref == case_ref.strip())
    if before_seq is not None:
        stmt = stmt.where(AuditRecord.seq < before_seq)
    rows = list(session.scalars(stmt))
    holds = {h.audit_seq: h for h in session.scalars(select(DisclosureHold).where(
        DisclosureHold.audit_seq.in_([r.seq for r in rows])))} if rows else {}
    views = _access_views(session, rows, holds)
    return [views[r.seq] for r in rows]
