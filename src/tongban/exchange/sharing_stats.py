"""Exchange statistics per department: requests made and received, how they ended, the provider's time to answer
in working days (median), overdue answers, grants held and given — and the exchange API's calls, denials and
latency, read from the audit log where the gateway records each call (action ``exchange.call``, actor kind
``client``, department the consumer's, outcome allowed | denied, details ``{"latency_ms": …}``)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.audit.model import AuditRecord
from tongban.catalog.model import Resource
from tongban.exchange import policy
from tongban.exchange.model import Grant, SharingRequest
from tongban.exchange.service import snapshot
from tongban.exchange.workdays import today_in_china
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor, Target
from tongban.identity.service import require

CALL_ACTION = "exchange.call"


@dataclass(frozen=True)
class CallStats:
    """A consumer department's calls of the exchange API: allowed, denied, and the latency of the allowed ones."""

    allowed: int = 0
    denied: int = 0
    failed: int = 0
    mean_latency_ms: float | None = None
    max_latency_ms: float | None = None

    @property
    def total(self) -> int:
        return self.allowed + self.denied + self.failed


def call_statistics(session: Session, *, since: dt.datetime | None = None) -> dict[int, CallStats]:
    """Calls per consumer department and outcome, with the mean and highest latency of allowed calls, from the
    gateway's ``exchange.call`` audit records (none until the gateway records them)."""
    latency = AuditRecord.details["latency_ms"].as_float()
    stmt = (select(AuditRecord.department_id, AuditRecord.outcome, func.count(), func.avg(latency), func.max(latency))
            .where(AuditRecord.action == CALL_ACTION, AuditRecord.department_id.is_not(None))
            .group_by(AuditRecord.department_id, AuditRecord.outcome))
    if since is not None:
        stmt = stmt.where(AuditRecord.occurred_at >= since)
    counts: dict[int, dict[str, int]] = {}
    latency_of: dict[int, tuple[float | None, float | None]] = {}
    for dept, outcome, n, mean, peak in session.execute(stmt):
        counts.setdefault(dept, {})[outcome] = n
        if outcome == "allowed":
            latency_of[dept] = (None if mean is None else round(float(mean), 1), None if peak is None else float(peak))
    return {dept: CallStats(c.get("allowed", 0), c.get("denied", 0), c.get("failed", 0),
                            *latency_of.get(dept, (None, None)))
            for dept, c in counts.items()}


@dataclass
class DepartmentStats:
    """One department's sharing, as consumer and as provider."""

    department_id: int
    name: str
    short_name: str
    requested: dict[str, int] = field(default_factory=dict)  # status → requests it made
    received: dict[str, int] = field(default_factory=dict)  # status → requests for its resources
    overdue: int = 0  # received requests flagged overdue
    answer_days: list[int] = field(default_factory=list)  # working days to each answer it gave
    grants_held: int = 0  # active grants it holds
    grants_given: int = 0  # active grants of its resources
    calls: CallStats = field(default_factory=CallStats)

    @property
    def requests_made(self) -> int:
        return sum(self.requested.values())

    @property
    def requests_received(self) -> int:
        return sum(self.received.values())

    @property
    def median_answer_days(self) -> float | None:
        return statistics.median(self.answer_days) if self.answer_days else None


@dataclass(frozen=True)
class Statistics:
    """Every department that took part in sharing, the busiest first, and the platform's totals."""

    departments: list[DepartmentStats]
    requests: dict[str, int]
    routes: dict[str, int]
    median_answer_days: float | None
    overdue: int
    active_grants: int
    calls: CallStats
    calls_recorded: bool


def exchange_statistics(session: Session, actor: Actor, *, today: dt.date | None = None,
                        calls_since: dt.datetime | None = None) -> Statistics:
    """Per-department statistics of requests, time to answer, grants and calls (any data admin, the operator and
    the auditor: sharing is the rule, and who shares how much is shown to all of them)."""
    require(actor, Action.EXCHANGE_READ, Target(department_id=None), event="exchange.statistics")
    today = today or today_in_china()
    cal = snapshot(session)
    depts: dict[int, DepartmentStats] = {}

    def of(dept_id: int) -> DepartmentStats:
        if dept_id not in depts:
            depts[dept_id] = DepartmentStats(dept_id, "", "")
        return depts[dept_id]

    requests: dict[str, int] = {}
    routes: dict[str, int] = {}
    all_days: list[int] = []
    overdue = 0
    for consumer, provider, status, route, submitted, decided, late in session.execute(select(
            SharingRequest.consumer_department_id, SharingRequest.provider_department_id, SharingRequest.status,
            SharingRequest.route, SharingRequest.submitted_at, SharingRequest.decided_at,
            SharingRequest.overdue_at)):
        requests[status] = requests.get(status, 0) + 1
        routes[route] = routes.get(route, 0) + 1
        made, got = of(consumer), of(provider)
        made.requested[status] = made.requested.get(status, 0) + 1
        got.received[status] = got.received.get(status, 0) + 1
        if late is not None:
            got.overdue += 1
            overdue += 1
        if route == policy.CONDITIONAL and status in (policy.GRANTED, policy.REFUSED) and decided is not None:
            days = cal.working_days_between(today_in_china(submitted), today_in_china(decided))
            got.answer_days.append(days)
            all_days.append(days)
    active = (Grant.revoked_at.is_(None), Grant.valid_from <= today, Grant.valid_to >= today)
    for dept, n in session.execute(select(Grant.consumer_department_id, func.count()).where(*active)
                                   .group_by(Grant.consumer_department_id)):
        of(dept).grants_held = n
    for dept, n in session.execute(select(Resource.department_id, func.count()).select_from(Grant).join(
            Resource, Resource.id == Grant.resource_id).where(*active).group_by(Resource.department_id)):
        of(dept).grants_given = n
    calls = call_statistics(session, since=calls_since)
    for dept, c in calls.items():
        of(dept).calls = c
    for d in session.scalars(select(Department).where(Department.id.in_(list(depts) or [-1]))):
        depts[d.id].name, depts[d.id].short_name = d.name, d.short_name
    ranked = sorted(depts.values(), key=lambda d: (-(d.requests_made + d.requests_received + d.calls.total),
                                                   d.short_name))
    total = CallStats(sum(c.allowed for c in calls.values()), sum(c.denied for c in calls.values()),
                      sum(c.failed for c in calls.values()))
    return Statistics(ranked, requests, routes, statistics.median(all_days) if all_days else None, overdue,
                      sum(d.grants_held for d in depts.values()), total, bool(calls))
