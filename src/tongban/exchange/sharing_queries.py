"""Read side of on-demand sharing: a department's requests with their status and history, the provider's inbox
with the working days left, grants held and given, the operator's overdue, escalated and arbitration lists, and the
form a consumer fills in. Each function checks the policy first: a data admin reads their own department's, the
operator and the auditor every department's. Statistics are in ``sharing_stats``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tongban.catalog import queries as catalog_queries
from tongban.catalog import reads as catalog_reads
from tongban.catalog.model import DataItem, Resource
from tongban.exchange import policy
from tongban.exchange.model import Grant, GrantClient, RequestEvent, SharingRequest
from tongban.exchange.service import snapshot
from tongban.exchange.sharing import active_clients, find_published, get_request
from tongban.exchange.workdays import Calendar, today_in_china
from tongban.identity.model import ApiClient
from tongban.identity.policy import Action, Actor, Role, Target, allowed
from tongban.identity.service import require

RECENT = 50


def scope(actor: Actor, department_id: int | None = None) -> int | None:
    """The department whose sharing ``actor`` reads: a data admin only their own; the operator and the auditor the
    one asked for, or every department (None)."""
    require(actor, Action.EXCHANGE_READ, Target(department_id=department_id if department_id is not None
                                                else actor.department_id), event="exchange.read")
    if actor.kind == "user" and actor.role is Role.DATA_ADMIN:
        return actor.department_id
    return department_id


# Requests ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestRow:
    """A request as lists show it: the resource and the two departments by name, and where its time limit stands
    (working days left, 0 on the due date; overdue once past it while still waiting)."""

    request: SharingRequest
    resource_code: str
    resource_name: str
    consumer: str
    provider: str
    days_left: int | None
    overdue: bool

    @property
    def pending(self) -> bool:
        return self.request.status == policy.SUBMITTED


def _rows(session: Session, requests: Sequence[SharingRequest], cal: Calendar, today: dt.date) -> list[RequestRow]:
    resources = {r.id: (r.code, r.name) for r in session.scalars(
        select(Resource).where(Resource.id.in_({q.resource_id for q in requests})))} if requests else {}
    names = catalog_queries.department_names(
        session, {q.consumer_department_id for q in requests} | {q.provider_department_id for q in requests})
    rows = []
    for q in requests:
        waiting = q.status == policy.SUBMITTED and q.due_on is not None
        days_left = cal.working_days_between(today, q.due_on) if waiting and q.due_on else None
        overdue = waiting and (q.overdue_at is not None or today > q.due_on)  # type: ignore[operator]
        code, name = resources.get(q.resource_id, ("", ""))
        rows.append(RequestRow(q, code, name, names.get(q.consumer_department_id, ""),
                               names.get(q.provider_department_id, ""), days_left, bool(overdue)))
    return rows


def _listed(session: Session, stmt, today: dt.date | None) -> list[RequestRow]:  # type: ignore[no-untyped-def]
    requests = list(session.scalars(stmt))
    return _rows(session, requests, snapshot(session), today or today_in_china())


def may_request(actor: Actor) -> bool:
    """Whether ``actor`` may apply for other departments' resources (the form's link)."""
    return allowed(actor, Action.EXCHANGE_REQUEST, Target(department_id=actor.department_id))


def list_requests(session: Session, actor: Actor, *, department_id: int | None = None, status: str | None = None,
                  today: dt.date | None = None, limit: int = 500) -> list[RequestRow]:
    """Requests a department made (a data admin: their own department's; the operator and the auditor: one
    department's or all), newest first, optionally of one status."""
    dept = scope(actor, department_id)
    stmt = select(SharingRequest).order_by(SharingRequest.id.desc()).limit(limit)
    if dept is not None:
        stmt = stmt.where(SharingRequest.consumer_department_id == dept)
    if status in policy.STATUSES:
        stmt = stmt.where(SharingRequest.status == status)
    return _listed(session, stmt, today)


@dataclass(frozen=True)
class Inbox:
    """The provider's inbox: requests waiting for an answer, the soonest due first (those the operator decides
    listed too, for information), and the latest decided ones."""

    pending: list[RequestRow]
    decided: list[RequestRow]


def provider_inbox(session: Session, actor: Actor, *, department_id: int | None = None,
                   today: dt.date | None = None) -> Inbox:
    """Requests for a department's resources: those waiting by due date, then the latest decided."""
    dept = scope(actor, department_id)
    base = select(SharingRequest)
    if dept is not None:
        base = base.where(SharingRequest.provider_department_id == dept)
    waiting = base.where(SharingRequest.status == policy.SUBMITTED).order_by(
        SharingRequest.due_on.is_(None), SharingRequest.due_on, SharingRequest.id)
    decided = base.where(SharingRequest.status != policy.SUBMITTED).order_by(
        SharingRequest.decided_at.desc(), SharingRequest.id.desc()).limit(RECENT)
    return Inbox(_listed(session, waiting, today), _listed(session, decided, today))


@dataclass(frozen=True)
class ItemView:
    """A data item of the requested resource, as the request and its grant name it."""

    code: str
    name: str
    personal: bool


@dataclass(frozen=True)
class RequestView:
    """One request with its history, its grant, the clients it names and what ``actor`` may do with it now."""

    row: RequestRow
    events: list[RequestEvent]
    items: list[ItemView]
    clients: list[ApiClient]
    grant: Grant | None
    may_answer: bool
    may_withdraw: bool
    may_arbitrate: bool

    @property
    def request(self) -> SharingRequest:
        return self.row.request


def view_request(session: Session, actor: Actor, number: str, *, today: dt.date | None = None) -> RequestView:
    """A request as its consumer, its provider, the operator and the auditor read it; nobody else."""
    req = get_request(session, number)
    if not any(allowed(actor, Action.EXCHANGE_READ, Target(department_id=d))
               for d in (req.consumer_department_id, req.provider_department_id)):
        require(actor, Action.EXCHANGE_READ, Target(department_id=req.consumer_department_id), target_id=req.number,
                event="exchange.read")
    [row] = _rows(session, [req], snapshot(session), today or today_in_china())
    events = list(session.scalars(select(RequestEvent).where(RequestEvent.request_id == req.id)
                                  .order_by(RequestEvent.at, RequestEvent.id)))
    items = [ItemView(i.code, i.name, i.personal) for i in session.scalars(
        select(DataItem).where(DataItem.resource_id == req.resource_id).order_by(DataItem.position))]
    clients = list(session.scalars(select(ApiClient).where(ApiClient.id.in_(req.client_ids or [-1]))))
    grant = session.scalar(select(Grant).where(Grant.request_id == req.id))
    pending = req.status == policy.SUBMITTED
    return RequestView(
        row, events, items, clients, grant,
        may_answer=pending and req.route != policy.ARBITRATION and allowed(
            actor, Action.EXCHANGE_ANSWER, Target(department_id=req.provider_department_id)),
        may_withdraw=pending and allowed(actor, Action.EXCHANGE_REQUEST,
                                         Target(department_id=req.consumer_department_id)),
        may_arbitrate=pending and (req.route == policy.ARBITRATION or req.escalated_at is not None)
        and allowed(actor, Action.EXCHANGE_ARBITRATE))


# Grants ------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GrantRow:
    """A grant as lists show it: resource, departments and clients by name, its state on the day, and whether
    ``actor`` may revoke it."""

    grant: Grant
    resource_code: str
    resource_name: str
    consumer: str
    provider: str
    request_number: str | None
    clients: list[str]
    state: str  # active | revoked | expired | future
    may_revoke: bool
    item_names: dict[str, str]  # the resource's item codes → names


def grant_state(grant: Grant, today: dt.date) -> str:
    """active, revoked, expired or future (not valid yet) on ``today``."""
    if grant.revoked_at is not None:
        return "revoked"
    if today > grant.valid_to:
        return "expired"
    return "future" if today < grant.valid_from else "active"


def _grant_rows(session: Session, actor: Actor, grants: Iterable[Grant], today: dt.date) -> list[GrantRow]:
    grants = list(grants)
    ids = [g.id for g in grants] or [-1]
    resources = {r.id: r for r in session.scalars(select(Resource).where(
        Resource.id.in_({g.resource_id for g in grants} or {-1})))}
    names = catalog_queries.department_names(
        session, {g.consumer_department_id for g in grants} | {r.department_id for r in resources.values()})
    clients: dict[int, list[str]] = {}
    for grant_id, name, key_id in session.execute(
            select(GrantClient.grant_id, ApiClient.name, ApiClient.key_id)
            .join(ApiClient, ApiClient.id == GrantClient.client_id).where(GrantClient.grant_id.in_(ids))):
        clients.setdefault(grant_id, []).append(f"{name} ({key_id})")
    item_names: dict[int, dict[str, str]] = {}
    for resource_id, code, name in session.execute(select(DataItem.resource_id, DataItem.code, DataItem.name)
                                                   .where(DataItem.resource_id.in_(list(resources) or [-1]))):
        item_names.setdefault(resource_id, {})[code] = name
    numbers: dict[int, str] = {i: n for i, n in session.execute(select(SharingRequest.id, SharingRequest.number)
                               .where(SharingRequest.id.in_({g.request_id for g in grants if g.request_id} or {-1})))}
    rows = []
    for g in grants:
        resource = resources.get(g.resource_id)
        provider = resource.department_id if resource else None
        state = grant_state(g, today)
        rows.append(GrantRow(g, resource.code if resource else "", resource.name if resource else "",
                             names.get(g.consumer_department_id, ""), names.get(provider, "") if provider else "",
                             numbers.get(g.request_id) if g.request_id else None, clients.get(g.id, []), state,
                             state != "revoked" and allowed(actor, Action.EXCHANGE_REVOKE,
                                                            Target(department_id=provider)),
                             item_names.get(g.resource_id, {})))
    return rows


@dataclass(frozen=True)
class GrantsView:
    """Grants a department holds (as consumer) and gives (as provider); for every department, ``held`` is all."""

    held: list[GrantRow]
    given: list[GrantRow]
    department_id: int | None


def list_grants(session: Session, actor: Actor, *, department_id: int | None = None,
                today: dt.date | None = None) -> GrantsView:
    """Grants of and for a department, newest first (the operator and the auditor: of every department)."""
    dept = scope(actor, department_id)
    today = today or today_in_china()
    newest = select(Grant).order_by(Grant.id.desc())
    if dept is None:
        return GrantsView(_grant_rows(session, actor, session.scalars(newest), today), [], None)
    held = session.scalars(newest.where(Grant.consumer_department_id == dept))
    given = session.scalars(newest.join(Resource, Resource.id == Grant.resource_id)
                            .where(Resource.department_id == dept))
    return GrantsView(_grant_rows(session, actor, held, today), _grant_rows(session, actor, given, today), dept)


# The operator's oversight ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Oversight:
    """What the operator watches: requests past their time limit, those escalated, those for not-shared resources
    waiting for arbitration, and the latest arbitrations."""

    overdue: list[RequestRow]
    escalated: list[RequestRow]
    arbitration: list[RequestRow]
    arbitrated: list[RequestRow]
    may_arbitrate: bool


def oversight(session: Session, actor: Actor, *, today: dt.date | None = None) -> Oversight:
    """The operator's (and the auditor's) view of every department's late and contested requests."""
    require(actor, Action.EXCHANGE_OVERSEE, event="exchange.oversee")
    today = today or today_in_china()
    waiting = select(SharingRequest).where(SharingRequest.status == policy.SUBMITTED)
    late = _listed(session, waiting.where(SharingRequest.route == policy.CONDITIONAL,
                                          or_(SharingRequest.due_on < today, SharingRequest.overdue_at.is_not(None)))
                   .order_by(SharingRequest.due_on, SharingRequest.id), today)
    arbitration = _listed(session, waiting.where(SharingRequest.route == policy.ARBITRATION)
                          .order_by(SharingRequest.id), today)
    decided = (select(SharingRequest).join(RequestEvent, RequestEvent.request_id == SharingRequest.id)
               .where(RequestEvent.action == "arbitrate").order_by(RequestEvent.at.desc()).limit(RECENT))
    return Oversight([r for r in late if r.request.escalated_at is None],
                     [r for r in late if r.request.escalated_at is not None], arbitration,
                     _listed(session, decided, today), allowed(actor, Action.EXCHANGE_ARBITRATE))


# The consumer's form -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestForm:
    """What the request form offers: either resources of other departments matching a search, or one resource
    with its items, how it will be decided, and the department's active API clients."""

    query: str
    found: list[Resource]
    resource: Resource | None
    route: str | None
    items: list[ItemView]
    clients: list[ApiClient]


def open_request_form(session: Session, actor: Actor, *, resource: str = "", query: str = "",
                      limit: int = 20) -> RequestForm:
    """The form for a data admin's request: pick another department's published resource, then its items."""
    require(actor, Action.EXCHANGE_REQUEST, Target(department_id=actor.department_id), event="exchange.request")
    if not resource.strip():
        found = catalog_reads.search_catalog(session, actor, query, limit=limit).page.results if query.strip() else []
        return RequestForm(query, [r for r in found if r.department_id != actor.department_id], None, None, [], [])
    chosen = find_published(session, resource)
    items = [ItemView(i.code, i.name, i.personal) for i in chosen.items]
    clients = active_clients(session, actor.department_id) if actor.department_id is not None else []
    return RequestForm(query, [], chosen, policy.route_for(chosen.sharing_type), items, clients)
