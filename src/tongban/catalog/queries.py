"""Read side of the catalog: a department's resources, the review queue, versions, the review trail, statistics.

No permission checks here: ``catalog.reads`` wraps these for people, the API and the CLI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from tongban.catalog import vocab
from tongban.catalog.model import AuthoritativeSource, DataItem, Resource, ResourceVersion, ReviewEvent, Revision
from tongban.identity.model import Department

PUBLISHED = "published"


def _item_counts(session: Session, resource_ids: list[int]) -> dict[int, int]:
    if not resource_ids:
        return {}
    rows = session.execute(select(DataItem.resource_id, func.count()).where(DataItem.resource_id.in_(resource_ids))
                           .group_by(DataItem.resource_id))
    return {resource_id: count for resource_id, count in rows}


def _last_events(session: Session, resource_ids: list[int], action: str) -> dict[int, ReviewEvent]:
    """The latest review event of ``action`` for each resource."""
    if not resource_ids:
        return {}
    latest = (select(func.max(ReviewEvent.id)).where(ReviewEvent.action == action,
                                                     ReviewEvent.resource_id.in_(resource_ids))
              .group_by(ReviewEvent.resource_id))
    return {e.resource_id: e for e in session.scalars(select(ReviewEvent).where(ReviewEvent.id.in_(latest)))}


def department_names(session: Session, department_ids: set[int]) -> dict[int, str]:
    """Short names of the given departments."""
    if not department_ids:
        return {}
    rows = session.execute(select(Department.id, Department.short_name).where(Department.id.in_(department_ids)))
    return {dept_id: name for dept_id, name in rows}


# A department's own resources ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DepartmentResource:
    """One of a department's resources, with its open revision and the comment it was last returned with."""

    resource: Resource
    items: int
    revision_status: str | None
    returned: ReviewEvent | None  # set only while the resource or its revision stands returned

    @property
    def needs_attention(self) -> bool:
        """Returned by the operator and waiting for the department."""
        return self.returned is not None


def list_department_resources(session: Session, department_id: int) -> list[DepartmentResource]:
    """A department's resources in every status, most recently changed first."""
    rows = session.execute(
        select(Resource, Revision.status).outerjoin(Revision, Revision.resource_id == Resource.id)
        .where(Resource.department_id == department_id).order_by(Resource.updated_at.desc(), Resource.code)
    ).all()
    ids = [resource.id for resource, _ in rows]
    counts = _item_counts(session, ids)
    returned_ids = [r.id for r, rev in rows if r.status == "returned" or rev == "returned"]
    returns = _last_events(session, returned_ids, "return")
    return [DepartmentResource(r, counts.get(r.id, 0), rev, returns.get(r.id)) for r, rev in rows]


# The operator's review queue ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueEntry:
    """A submission waiting for review: a new resource, or a revision of a published one."""

    resource: Resource
    revision: Revision | None
    items: int
    submitted_at: dt.datetime | None
    submitted_by: str


def list_review_queue(session: Session) -> list[QueueEntry]:
    """Submitted resources and submitted revisions, oldest submission first."""
    last_submit = (select(ReviewEvent.resource_id, func.max(ReviewEvent.id).label("event_id"))
                   .where(ReviewEvent.action == "submit").group_by(ReviewEvent.resource_id).subquery())
    submit = aliased(ReviewEvent)
    rows = session.execute(
        select(Resource, Revision, submit)
        .outerjoin(Revision, Revision.resource_id == Resource.id)
        .outerjoin(last_submit, last_submit.c.resource_id == Resource.id)
        .outerjoin(submit, submit.id == last_submit.c.event_id)
        .where(or_(Resource.status == "submitted", Revision.status == "submitted"))
        .order_by(func.coalesce(submit.id, 0), Resource.code)
    ).all()
    entries = [(r, rev if rev is not None and rev.status == "submitted" else None, e) for r, rev, e in rows]
    counts = _item_counts(session, [r.id for r, rev, _ in entries if rev is None])
    return [QueueEntry(resource, revision,
                       len(revision.draft.get("items", [])) if revision else counts.get(resource.id, 0),
                       event.created_at if event else None, event.actor_name if event else "")
            for resource, revision, event in entries]


# History ------------------------------------------------------------------------------------------------------

def list_versions(session: Session, resource_id: int) -> list[ResourceVersion]:
    """The published versions of a resource, oldest first."""
    return list(session.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource_id)
                                .order_by(ResourceVersion.version)))


def list_review_events(session: Session, resource_id: int) -> list[ReviewEvent]:
    """The review trail of a resource (created, submitted, returned, approved, ...), oldest first."""
    return list(session.scalars(select(ReviewEvent).where(ReviewEvent.resource_id == resource_id)
                                .order_by(ReviewEvent.id)))


# Statistics ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DepartmentStats:
    """A department's published resources: how many, how many data items, and how they are shared."""

    department_id: int
    name: str
    short_name: str
    resources: int
    items: int
    sharing: dict[str, int]


@dataclass(frozen=True)
class CatalogStats:
    """Figures over the published catalog; every distribution adds up to ``resources``."""

    departments: list[DepartmentStats]
    resources: int
    items: int
    sharing: dict[str, int]
    open: dict[str, int]
    update_cycles: dict[str, int]
    unfounded: list[str] = field(default_factory=list)  # codes of restrictions without a legal basis

    @property
    def unfounded_restrictions(self) -> int:
        """Resources restricted in sharing or opening that name no legal basis (the rules say: none)."""
        return len(self.unfounded)


def _distribution(session: Session, column, codes: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(column, func.count()).where(Resource.status == PUBLISHED).group_by(column))
    counts = {str(code): n for code, n in rows}
    return {**{code: counts.pop(code, 0) for code in codes}, **counts}  # unknown codes are kept, not hidden


def catalog_statistics(session: Session) -> CatalogStats:
    """Counts per department, sharing type, open type and update cycle, and the restrictions lacking a legal basis."""
    sharing_codes = list(vocab.SHARING_TYPES["national"])
    per_sharing = session.execute(
        select(Resource.department_id, Resource.sharing_type, func.count()).where(Resource.status == PUBLISHED)
        .group_by(Resource.department_id, Resource.sharing_type)).all()
    items = dict(session.execute(
        select(Resource.department_id, func.count(DataItem.id)).join(DataItem, DataItem.resource_id == Resource.id)
        .where(Resource.status == PUBLISHED).group_by(Resource.department_id)).all())
    sharing_by_dept: dict[int, dict[str, int]] = {}
    for dept_id, sharing, count in per_sharing:
        shares = sharing_by_dept.setdefault(dept_id, dict.fromkeys(sharing_codes, 0))
        shares[sharing] = shares.get(sharing, 0) + count
    names = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(list(sharing_by_dept))))}
    departments = sorted(
        (DepartmentStats(dept_id, names[dept_id].name, names[dept_id].short_name, sum(shares.values()),
                         items.get(dept_id, 0), shares) for dept_id, shares in sharing_by_dept.items()),
        key=lambda d: (-d.resources, d.name))
    restricted = or_(Resource.sharing_type != "unconditional", Resource.open_type != "open")
    unfounded = list(session.scalars(
        select(Resource.code).where(Resource.status == PUBLISHED, restricted,
                                    func.coalesce(func.trim(Resource.legal_basis), "") == "")
        .order_by(Resource.code)))
    return CatalogStats(
        departments=departments,
        resources=sum(d.resources for d in departments),
        items=sum(d.items for d in departments),
        sharing=_distribution(session, Resource.sharing_type, sharing_codes),
        open=_distribution(session, Resource.open_type, list(vocab.OPEN_TYPES)),
        update_cycles=_distribution(session, Resource.update_cycle, list(vocab.UPDATE_CYCLES)),
        unfounded=unfounded,
    )


def published_by_code_or_name(session: Session, code_or_name: str) -> list[Resource]:
    """Published resources whose code is ``code_or_name`` or whose name is exactly it (for feeds named either way)."""
    return list(session.scalars(select(Resource).where(
        Resource.status == "published", or_(Resource.code == code_or_name, Resource.name == code_or_name.strip()))))


def authoritative_departments(session: Session) -> dict[str, int]:
    """一数一源: each data item code → the department that is its authoritative source."""
    return {s.item_code: s.department_id for s in session.scalars(select(AuthoritativeSource))}
