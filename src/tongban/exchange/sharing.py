"""Use cases of on-demand sharing (按需共享): a consumer department applies for another department's catalog
resource; the provider grants (narrowing it if it likes) or refuses with a reason within the time limit; the
operator arbitrates escalated requests and those for not-shared resources on a legal basis; grants are revoked by
the provider or the operator; a sweep reminds, flags overdue requests and escalates them. The rules are in
``policy``. Every step writes the request's history (RequestEvent) and an audit record; nothing here commits.

Every use case takes ``now`` (default: the current time), so that time limits are tested with a fake clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import queries as catalog_queries
from tongban.catalog.model import Resource
from tongban.db import utcnow
from tongban.errors import Conflict, FieldError, InvalidInput, NotFound, TongbanError
from tongban.exchange import numbering, policy
from tongban.exchange.model import Grant, GrantClient, RequestEvent, SharingRequest
from tongban.exchange.policy import (ARBITRATION, CONDITIONAL, GRANTED, REFUSED, SUBMITTED, UNCONDITIONAL, WITHDRAWN,
                                     GrantDraft, RequestDraft)
from tongban.exchange.service import snapshot
from tongban.exchange.workdays import Calendar, today_in_china
from tongban.identity.model import ApiClient, Department, User
from tongban.identity.policy import Action, Actor, Target
from tongban.identity.service import actor_ref, require

DECISIONS = ("grant", "refuse")


# Reading what the use cases act on ---------------------------------------------------------------------------------

def get_request(session: Session, number: str, *, lock: bool = False) -> SharingRequest:
    """A request by its number (GX20261127-0001), or 404; ``lock`` holds the row until the transaction ends."""
    stmt = select(SharingRequest).where(SharingRequest.number == (number or "").strip().upper())
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound("No sharing request {number}", code="exchange.request_not_found", params={"number": number})
    return found


def find_published(session: Session, code_or_name: str) -> Resource:
    """A published catalog resource by code, or by its exact name when only one published resource has it."""
    found = catalog_queries.published_by_code_or_name(session, (code_or_name or "").strip())
    if len(found) != 1:
        raise NotFound("No published catalog resource {resource}", code="exchange.resource_not_found",
                       params={"resource": code_or_name})
    return found[0]


def facts_of(resource: Resource) -> policy.ResourceFacts:
    """What the sharing rules need of a catalog resource."""
    return policy.ResourceFacts(resource.code, resource.department_id, resource.sharing_type,
                                tuple(i.code for i in resource.items),
                                frozenset(i.code for i in resource.items if i.personal))


def active_clients(session: Session, department_id: int, *, now: dt.datetime | None = None) -> list[ApiClient]:
    """The department's API clients that are neither revoked nor expired."""
    now = now or utcnow()
    return [c for c in session.scalars(select(ApiClient).where(ApiClient.department_id == department_id,
                                                               ApiClient.revoked_at.is_(None))
                                       .order_by(ApiClient.id))
            if c.expires_at is None or c.expires_at > now]


def _client_problems(session: Session, client_ids: Sequence[int], department_id: int,
                     now: dt.datetime) -> list[FieldError]:
    usable = {c.id for c in active_clients(session, department_id, now=now)}
    wrong = [str(i) for i in dict.fromkeys(client_ids) if i not in usable]
    if not wrong:
        return []
    return [FieldError("client_ids", "API client {clients} is not an active client of your department",
                       {"clients": ", ".join(wrong)}, code="exchange.client")]


# Writing the history ----------------------------------------------------------------------------------------------

def _who(session: Session, actor: Actor) -> str:
    if actor.kind == "user" and actor.id is not None:
        user = session.get(User, actor.id)
        if user is not None:
            return user.display_name
    return actor.name


def _user_id(actor: Actor) -> int | None:
    return actor.id if actor.kind == "user" else None


def _summary(req: SharingRequest) -> dict[str, Any]:
    return {"number": req.number, "resource_id": req.resource_id, "consumer": req.consumer_department_id,
            "provider": req.provider_department_id, "route": req.route}


def step(session: Session, actor: Actor, req: SharingRequest, action: str, *, now: dt.datetime, comment: str = "",
         audit_action: str | None = None, **details: Any) -> RequestEvent:
    """One step of a request: its history entry, and its audit record in the same transaction."""
    event = RequestEvent(request_id=req.id, at=now, actor_id=_user_id(actor), actor_name=_who(session, actor)[:100],
                         action=action, comment=comment)
    session.add(event)
    record(session, AuditEvent(audit_action or f"exchange.{action}", actor_ref(actor), target_type="sharing_request",
                               target_id=req.number, purpose=req.purpose[:500] if action == "submit" else None,
                               details={**_summary(req), **details}), now=now)
    return event


def _failed(actor: Actor, action: str, target: str, exc: TongbanError) -> TongbanError:
    """Keep the refusal of bad input in the audit log (the unit of work writes it after rolling back)."""
    exc.audit = AuditEvent(action, actor_ref(actor), "failed", "sharing_request", target,
                           details={"rules": sorted({e.code or exc.code for e in exc.errors}) or [exc.code]})
    return exc


# Submit, answer, withdraw, arbitrate -------------------------------------------------------------------------------

def submit_request(session: Session, actor: Actor, resource: str, draft: RequestDraft, *,
                   consumer_department_id: int | None = None, time_limit: int = policy.DEFAULT_TIME_LIMIT,
                   now: dt.datetime | None = None) -> SharingRequest:
    """Apply for another department's published resource for a named scenario. Unconditional: granted at once.
    Conditional: due from the provider ``time_limit`` working days after today in China (estimated where a year is
    not loaded). Not shared: only with a legal basis, decided by the operator's arbitration."""
    consumer_id = consumer_department_id if consumer_department_id is not None else actor.department_id
    require(actor, Action.EXCHANGE_REQUEST, Target(department_id=consumer_id), target_id=resource,
            event="exchange.request")
    if consumer_id is None or session.get(Department, consumer_id) is None:
        raise NotFound("Department {id} does not exist", params={"id": consumer_id})
    now = now or utcnow()
    try:
        found = find_published(session, resource)
        if found.department_id == consumer_id:
            raise InvalidInput("Your department provides {resource} itself: there is nothing to request",
                               code="exchange.own_resource", params={"resource": found.name},
                               errors=[FieldError("resource", "is your own department's",
                                                  code="exchange.own_resource")])
        terms, problems = policy.check_request(draft, facts_of(found), today=today_in_china(now))
        problems += _client_problems(session, draft.client_ids, consumer_id, now)
        if problems or terms is None:
            raise InvalidInput("The request cannot be submitted: {count} problem(s)", code="exchange.invalid_request",
                               params={"count": len(problems)}, errors=problems)
    except InvalidInput as exc:
        raise _failed(actor, "exchange.request", resource, exc) from None
    today = today_in_china(now)
    req = SharingRequest(
        consumer_department_id=consumer_id,
        provider_department_id=found.department_id, resource_id=found.id, scenario=terms.scenario,
        purpose=terms.purpose, legal_basis=terms.legal_basis, items=terms.items, clear_items=terms.clear_items,
        expected_volume=terms.expected_volume, period_from=terms.period_from, period_to=terms.period_to,
        client_ids=terms.client_ids, route=terms.route, status=SUBMITTED, submitted_by=_user_id(actor),
        submitted_at=now)
    if terms.route == CONDITIONAL:
        due = snapshot(session).add_working_days(today, time_limit)
        req.time_limit, req.due_on, req.due_estimated = time_limit, due.due, due.estimated
    numbering.add_numbered(session, req, SharingRequest.number, policy.request_number(today, 0)[:-4])
    step(session, actor, req, "submit", now=now, audit_action="exchange.request", resource=found.code,
         items=req.items, clear_items=req.clear_items, scenario=req.scenario, legal_basis=req.legal_basis,
         period=[req.period_from.isoformat(), req.period_to.isoformat()], clients=req.client_ids,
         due_on=req.due_on.isoformat() if req.due_on else None, estimated=req.due_estimated)
    if terms.route == UNCONDITIONAL:
        _grant(session, actor, req, policy.check_grant(_asked(req), GrantDraft()), now=now, action="grant_at_once",
               comment="", audit_action="exchange.grant", automatic=True)
    return req


def _asked(req: SharingRequest) -> policy.Asked:
    return policy.Asked(list(req.items), list(req.clear_items), req.period_from, req.period_to)


def _grant(session: Session, actor: Actor, req: SharingRequest, terms: policy.GrantTerms, *, now: dt.datetime,
           action: str, comment: str, audit_action: str | None = None, **details: Any) -> Grant:
    """Grant what ``terms`` say to the request's clients that are still active; the automatic grant of an
    unconditional resource is the platform's, not the submitter's."""
    by = None if action == "grant_at_once" else _user_id(actor)
    usable = {c.id for c in active_clients(session, req.consumer_department_id, now=now)}
    clients = [i for i in req.client_ids if i in usable]
    if not clients:
        raise Conflict("None of the API clients named in {number} is active any more: the consumer must apply again",
                       code="exchange.no_active_client", params={"number": req.number})
    policy.check_transition(req.status, GRANTED)
    grant = Grant(request_id=req.id, consumer_department_id=req.consumer_department_id, resource_id=req.resource_id,
                  items=terms.items, clear_items=terms.clear_items, purpose=req.purpose, scenario=req.scenario,
                  valid_from=terms.valid_from, valid_to=terms.valid_to, rate_limit=terms.rate_limit, created_at=now,
                  created_by=by)
    session.add(grant)
    session.flush()
    session.add_all(GrantClient(grant_id=grant.id, client_id=i) for i in clients)
    req.status, req.decided_at, req.decided_by, req.decision_reason = GRANTED, now, by, comment
    session.flush()
    step(session, actor, req, action, now=now, comment=comment, audit_action=audit_action, grant=grant.id,
         items=terms.items, clear_items=terms.clear_items, rate_limit=terms.rate_limit, clients=clients,
         valid=[terms.valid_from.isoformat(), terms.valid_to.isoformat()], **details)
    return grant


def _refuse(session: Session, actor: Actor, req: SharingRequest, reason: str, *, now: dt.datetime, action: str,
            **details: Any) -> None:
    policy.check_transition(req.status, REFUSED)
    req.status, req.decided_at, req.decided_by, req.decision_reason = REFUSED, now, _user_id(actor), reason
    step(session, actor, req, action, now=now, comment=reason, **details)


def _decision(actor: Actor, action: str, number: str, decision: str) -> str:
    if decision not in DECISIONS:
        exc = InvalidInput("Choose whether to grant or refuse", code="exchange.decision",
                           errors=[FieldError("decision", "is grant or refuse", code="exchange.decision")])
        raise _failed(actor, action, number, exc)
    return decision


@dataclass(frozen=True)
class Answer:
    """A decided request and, when it was granted, its grant."""

    request: SharingRequest
    grant: Grant | None = None


def answer_request(session: Session, actor: Actor, number: str, *, decision: str, reason: str = "",
                   terms: GrantDraft | None = None, now: dt.datetime | None = None) -> Answer:
    """The provider's data admin grants a conditional request — narrowing items, clear items, period or rate limit
    if it likes — or refuses it with a reason. Late answers are taken (the request stays flagged overdue)."""
    req = get_request(session, number, lock=True)
    event = "exchange.refuse" if decision == "refuse" else "exchange.grant"
    require(actor, Action.EXCHANGE_ANSWER, Target(department_id=req.provider_department_id), target_id=req.number,
            event=event)
    _decision(actor, event, req.number, decision)
    if req.route == ARBITRATION:
        raise Conflict("{number} is for a resource that is not shared: the platform operator decides it",
                       code="exchange.arbitration_only", params={"number": req.number})
    policy.check_transition(req.status, GRANTED if decision == "grant" else REFUSED)
    now = now or utcnow()
    try:
        if decision == "refuse":
            text = policy.check_reason(reason)
        else:
            granted = policy.check_grant(_asked(req), terms or GrantDraft())
    except InvalidInput as exc:
        raise _failed(actor, event, req.number, exc) from None
    if decision == "refuse":
        _refuse(session, actor, req, text, now=now, action="refuse", late=req.overdue_at is not None)
        return Answer(req)
    return Answer(req, _grant(session, actor, req, granted, now=now, action="grant",
                              comment=(reason or "").strip()[:policy.TEXT_LENGTH], late=req.overdue_at is not None))


def withdraw_request(session: Session, actor: Actor, number: str, *, reason: str = "",
                     now: dt.datetime | None = None) -> SharingRequest:
    """The consumer withdraws a request that is not decided yet."""
    req = get_request(session, number, lock=True)
    require(actor, Action.EXCHANGE_REQUEST, Target(department_id=req.consumer_department_id), target_id=req.number,
            event="exchange.withdraw")
    policy.check_transition(req.status, WITHDRAWN)
    now = now or utcnow()
    req.status, req.decided_at, req.decided_by = WITHDRAWN, now, _user_id(actor)
    req.decision_reason = (reason or "").strip()[:policy.TEXT_LENGTH]
    step(session, actor, req, "withdraw", now=now, comment=req.decision_reason)
    return req


def arbitrate_request(session: Session, actor: Actor, number: str, *, decision: str, legal_basis: str,
                      terms: GrantDraft | None = None, now: dt.datetime | None = None) -> Answer:
    """The platform operator decides a request escalated past its time limit, or one for a not-shared resource:
    grant (narrowed if need be) or refuse, always naming the legal basis of the decision."""
    req = get_request(session, number, lock=True)
    require(actor, Action.EXCHANGE_ARBITRATE, target_id=req.number, event="exchange.arbitrate")
    _decision(actor, "exchange.arbitrate", req.number, decision)
    if req.route != ARBITRATION and req.escalated_at is None:
        raise Conflict("{number} is not escalated: its provider answers it", code="exchange.not_escalated",
                       params={"number": req.number})
    policy.check_transition(req.status, GRANTED if decision == "grant" else REFUSED)
    now = now or utcnow()
    try:
        basis = policy.check_reason(legal_basis, name="legal_basis", code="exchange.legal_basis_required")
        granted = policy.check_grant(_asked(req), terms or GrantDraft()) if decision == "grant" else None
    except InvalidInput as exc:
        raise _failed(actor, "exchange.arbitrate", req.number, exc) from None
    if granted is None:
        _refuse(session, actor, req, basis, now=now, action="arbitrate", decision="refuse", legal_basis=basis)
        return Answer(req)
    return Answer(req, _grant(session, actor, req, granted, now=now, action="arbitrate", comment=basis,
                              decision="grant", legal_basis=basis))


# Grants ------------------------------------------------------------------------------------------------------------

def get_grant(session: Session, grant_id: int) -> Grant:
    """A grant by id, or 404."""
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound("No grant {id}", code="exchange.grant_not_found", params={"id": grant_id})
    return grant


def revoke_grant(session: Session, actor: Actor, grant_id: int, *, reason: str,
                 now: dt.datetime | None = None) -> Grant:
    """The provider's data admin or the operator revokes a grant at once, with a reason; its calls are denied."""
    grant = get_grant(session, grant_id)
    resource = session.get(Resource, grant.resource_id)
    provider = resource.department_id if resource is not None else None
    require(actor, Action.EXCHANGE_REVOKE, Target(department_id=provider), target_id=str(grant.id),
            event="exchange.revoke")
    if grant.revoked_at is not None:
        raise Conflict("Grant {id} was revoked already", code="exchange.grant_revoked", params={"id": grant.id})
    try:
        text = policy.check_reason(reason)
    except InvalidInput as exc:
        raise _failed(actor, "exchange.revoke", str(grant.id), exc) from None
    now = now or utcnow()
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = now, _user_id(actor), text
    req = session.get(SharingRequest, grant.request_id) if grant.request_id is not None else None
    details = {"grant": grant.id, "resource": resource.code if resource else None,
               "consumer": grant.consumer_department_id}
    if req is not None:
        step(session, actor, req, "revoke", now=now, comment=text, **details)
    else:
        record(session, AuditEvent("exchange.revoke", actor_ref(actor), target_type="grant", target_id=str(grant.id),
                                   details=details), now=now)
    return grant


# The time limit ----------------------------------------------------------------------------------------------------

def _redate(session: Session, actor: Actor, req: SharingRequest, cal: Calendar, now: dt.datetime) -> bool:
    """Count an estimated deadline again once the year it runs into is loaded."""
    if not req.due_estimated or req.due_on is None or req.time_limit is None:
        return False
    due = cal.add_working_days(today_in_china(req.submitted_at), req.time_limit)
    if (due.due, due.estimated) == (req.due_on, req.due_estimated):
        return False
    before = req.due_on
    req.due_on, req.due_estimated = due.due, due.estimated
    step(session, actor, req, "deadline", now=now, comment=f"{before.isoformat()} → {due.due.isoformat()}",
         due_on=due.due.isoformat(), was=before.isoformat(), estimated=due.estimated)
    return True


def sweep(session: Session, actor: Actor, *, remind_days_before: int = policy.DEFAULT_REMIND_DAYS_BEFORE,
          now: dt.datetime | None = None) -> policy.SweepReport:
    """For every conditional request still waiting for its provider: count an estimated deadline again when its
    year is loaded; remind the provider ``remind_days_before`` working days before the due date; flag it overdue
    the day after and escalate it to the operator. Each step happens once: a second sweep does nothing new."""
    require(actor, Action.EXCHANGE_ARBITRATE, target_id="sweep", event="exchange.sweep")
    now = now or utcnow()
    today, cal, report = today_in_china(now), snapshot(session), policy.SweepReport()
    pending = session.scalars(select(SharingRequest).where(
        SharingRequest.status == SUBMITTED, SharingRequest.route == CONDITIONAL, SharingRequest.due_on.is_not(None))
        .order_by(SharingRequest.id).with_for_update()).all()
    for req in pending:
        assert req.due_on is not None
        if _redate(session, actor, req, cal, now):
            report.redated.append(req.number)
        clock = policy.Clock(cal.working_days_between(today, req.due_on), today > req.due_on,
                             req.reminded_at is not None, req.overdue_at is not None, req.escalated_at is not None)
        todo = policy.steps_due(clock, remind_days_before=remind_days_before)
        if todo.remind:
            req.reminded_at = now
            step(session, actor, req, "remind", now=now, due_on=req.due_on.isoformat(), days_left=clock.days_left)
            report.reminded.append(req.number)
        if todo.overdue:
            req.overdue_at = now
            step(session, actor, req, "overdue", now=now, due_on=req.due_on.isoformat(),
                 days_overdue=cal.working_days_between(req.due_on, today))
            report.overdue.append(req.number)
        if todo.escalate:
            req.escalated_at = now
            step(session, actor, req, "escalate", now=now, due_on=req.due_on.isoformat())
            report.escalated.append(req.number)
    return report
