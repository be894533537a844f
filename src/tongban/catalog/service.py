"""Catalog use cases: draft, submit, review, publish (versioned), retire; 一数一源. They never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog import search
from tongban.catalog.drafts import ItemDraft, ResourceDraft, check
from tongban.catalog.model import AuthoritativeSource, DataItem, Resource, ResourceVersion, ReviewEvent, Revision
from tongban.db import utcnow
from tongban.errors import Conflict, FieldError, InvalidInput, NotFound
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor, Role, Target
from tongban.identity.service import actor_ref, require

EDITABLE = ("draft", "returned")


def draft_of(resource: Resource) -> ResourceDraft:
    """The resource's current content as a draft."""
    return ResourceDraft(
        class_code=resource.class_code, name=resource.name, abstract=resource.abstract, format=resource.format,
        sharing_type=resource.sharing_type, update_cycle=resource.update_cycle, open_type=resource.open_type,
        share_methods=list(resource.share_methods), sharing_condition=resource.sharing_condition,
        open_condition=resource.open_condition, legal_basis=resource.legal_basis,
        related_codes=list(resource.related_codes), record_count=resource.record_count,
        items=[ItemDraft(i.name, i.code, i.data_type, i.length, i.description, i.personal, i.sensitivity,
                         i.authoritative) for i in resource.items],
    )


def snapshot_of(resource: Resource) -> dict[str, Any]:
    """The resource's current content in the shape of a version snapshot."""
    return {**draft_of(resource).as_dict(), "code": resource.code, "department": resource.department.name}


def _apply(session: Session, resource: Resource, draft: ResourceDraft) -> None:
    if resource.id is not None:  # delete the old items first: the new ones may reuse their codes
        resource.items = []
        session.flush()
    for name in ("class_code", "name", "abstract", "format", "sharing_type", "update_cycle", "open_type",
                 "sharing_condition", "open_condition", "legal_basis", "record_count"):
        setattr(resource, name, getattr(draft, name))
    resource.name = draft.name.strip()
    resource.share_methods = list(draft.share_methods)
    resource.related_codes = list(draft.related_codes)
    resource.items = [DataItem(position=n, name=i.name.strip(), code=i.code, data_type=i.data_type, length=i.length,
                               description=i.description, personal=i.personal, sensitivity=i.sensitivity,
                               authoritative=i.authoritative) for n, i in enumerate(draft.items, start=1)]
    resource.updated_at = utcnow()


def _user_id(actor: Actor) -> int | None:
    """The user behind an action (API clients and the system have none)."""
    return actor.id if actor.kind == "user" else None


def _event(session: Session, actor: Actor, resource: Resource, action: str, comment: str = "") -> None:
    session.add(ReviewEvent(resource_id=resource.id, action=action, actor_id=_user_id(actor), actor_name=actor.name,
                            comment=comment))
    record(session, AuditEvent(f"catalog.{action}", actor_ref(actor), target_type="catalog_resource",
                               target_id=resource.code, details={"name": resource.name, "status": resource.status,
                                                                  "version": resource.version, "comment": comment}))


def _validate(session: Session, draft: ResourceDraft, *, resource_id: int | None) -> None:
    problems = problems_of(session, draft, resource_id=resource_id)
    if problems:
        raise InvalidInput("The resource has {count} problem(s)", code="catalog.invalid",
                           params={"count": len(problems)}, errors=problems)


def problems_of(session: Session, draft: ResourceDraft, *, resource_id: int | None) -> list[FieldError]:
    """Every problem of a draft: its own rules, 一数一源 against the catalog, related codes that do not exist."""
    problems = check(draft)
    problems += _source_conflicts(session, draft, resource_id)
    missing = [c for c in draft.related_codes
               if not session.scalar(select(Resource.id).where(Resource.code == c))]
    problems += [FieldError("related_codes", "{code} is not a resource in the catalog", {"code": c},
                            code="catalog.related_unknown") for c in missing]
    return problems


def _source_conflicts(session: Session, draft: ResourceDraft, resource_id: int | None) -> list[FieldError]:
    claimed = [(row, i.code) for row, i in enumerate(draft.items, start=1) if i.authoritative]
    if not claimed:
        return []
    existing = session.execute(
        select(AuthoritativeSource.item_code, Resource.code, Resource.name, Department.name)
        .join(Resource, Resource.id == AuthoritativeSource.resource_id)
        .join(Department, Department.id == AuthoritativeSource.department_id)
        .where(AuthoritativeSource.item_code.in_([code for _, code in claimed]))
    ).all()
    holders = {item: (code, name, dept) for item, code, name, dept in existing}
    problems = []
    for row, code in claimed:
        holder = holders.get(code)
        if holder and holder[0] != _code_of(session, resource_id):
            problems.append(FieldError(
                "items.authoritative", "{item} already has an authoritative source: {department}, {resource} ({code})",
                {"item": code, "department": holder[2], "resource": holder[1], "code": holder[0]}, row=row,
                code="catalog.second_source"))
    return problems


def _code_of(session: Session, resource_id: int | None) -> str | None:
    return session.scalar(select(Resource.code).where(Resource.id == resource_id)) if resource_id else None


def _claim_sources(session: Session, resource: Resource, draft: ResourceDraft) -> None:
    session.execute(delete(AuthoritativeSource).where(AuthoritativeSource.resource_id == resource.id),
                    execution_options={"synchronize_session": False})
    for item in draft.items:
        if item.authoritative:
            session.add(AuthoritativeSource(item_code=item.code, resource_id=resource.id,
                                            department_id=resource.department_id))


def _new_code(session: Session, class_code: str) -> str:
    prefix = f"{class_code}/"
    last = session.scalar(select(func.max(Resource.code)).where(Resource.code.between(prefix + "000000",
                                                                                        prefix + "999999")))
    sequence = int(last.rsplit("/", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _department(session: Session, actor: Actor, department_id: int | None) -> Department:
    department_id = department_id if department_id is not None else actor.department_id
    department = session.get(Department, department_id) if department_id is not None else None
    if department is None:
        raise NotFound("Department {id} does not exist", params={"id": department_id})
    return department


def get_resource(session: Session, actor: Actor, code: str) -> Resource:
    """A resource by code: published ones for every reader, drafts only for their department and the operator."""
    require(actor, Action.CATALOG_READ, target_id=code)
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is None or (resource.status not in ("published", "retired") and not _may_see_drafts(actor, resource)):
        raise NotFound("No catalog resource {code}", code="catalog.not_found", params={"code": code})
    return resource


def _may_see_drafts(actor: Actor, resource: Resource) -> bool:
    own = actor.department_id == resource.department_id
    return actor.kind == "system" or actor.role is Role.OPERATOR or (
        own and (actor.role is Role.DATA_ADMIN or actor.kind == "client"))


def create_resource(session: Session, actor: Actor, draft: ResourceDraft, *,
                    department_id: int | None = None) -> Resource:
    """Register a new resource as a draft of the actor's department; its code is fixed from now on."""
    department = _department(session, actor, department_id)
    require(actor, Action.CATALOG_EDIT, Target(department_id=department.id), target_id=draft.name,
            event="catalog.create")
    _validate(session, draft, resource_id=None)
    resource = new_draft(session, actor, draft, department)
    _event(session, actor, resource, "create")
    return resource


def new_draft(session: Session, actor: Actor, draft: ResourceDraft, department: Department) -> Resource:
    """Store a validated draft as a new resource (no permission check, no audit: callers do both)."""
    resource = Resource(code=_new_code(session, draft.class_code), department_id=department.id, status="draft",
                        created_by=_user_id(actor))
    resource.department = department
    _apply(session, resource, draft)
    session.add(resource)
    session.flush()
    _claim_sources(session, resource, draft)
    return resource


def update_resource(session: Session, actor: Actor, code: str, draft: ResourceDraft) -> Resource:
    """Change a draft in place, or record a revision of a published resource (the public sees the old one)."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_EDIT, Target(department_id=resource.department_id), target_id=code,
            event="catalog.update")
    revision = session.scalar(select(Revision).where(Revision.resource_id == resource.id))
    if resource.status == "submitted" or (revision is not None and revision.status == "submitted"):
        raise Conflict("{code} is under review and cannot be changed now", code="catalog.under_review",
                       params={"code": code})
    if resource.status == "retired":
        raise Conflict("{code} is retired", code="catalog.retired", params={"code": code})
    _validate(session, draft, resource_id=resource.id)
    change_draft(session, actor, resource, draft)
    _event(session, actor, resource, "update")
    return resource


def change_draft(session: Session, actor: Actor, resource: Resource, draft: ResourceDraft) -> None:
    """Apply a validated draft to an editable resource, or as a revision of a published one (no checks, no audit)."""
    revision = pending_revision(session, resource)
    if resource.status in EDITABLE:
        _apply(session, resource, draft)
    elif revision is None:
        session.add(Revision(resource_id=resource.id, draft=draft.as_dict(), status="draft", created_by=_user_id(actor)))
    else:
        revision.draft, revision.status, revision.updated_at = draft.as_dict(), "draft", utcnow()
    _claim_sources(session, resource, draft)
    session.flush()


def names_in_use(session: Session) -> set[tuple[int, str]]:
    """(department id, resource name) of every resource, for seeding without duplicates."""
    return {(dept, name) for dept, name in session.execute(select(Resource.department_id, Resource.name))}


def pending_revision(session: Session, resource: Resource) -> Revision | None:
    """The open revision of a published resource, if any."""
    return session.scalar(select(Revision).where(Revision.resource_id == resource.id))


def submit_resource(session: Session, actor: Actor, code: str) -> Resource:
    """Send a draft (or a revision) to the platform operator for review."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_EDIT, Target(department_id=resource.department_id), target_id=code,
            event="catalog.submit")
    mark_submitted(session, resource)
    _event(session, actor, resource, "submit")
    return resource


def mark_submitted(session: Session, resource: Resource) -> None:
    """Move a draft, or the open revision of a published resource, to review (no checks, no audit)."""
    revision = pending_revision(session, resource)
    if resource.status in EDITABLE:
        resource.status = "submitted"
    elif revision is not None and revision.status in EDITABLE:
        revision.status = "submitted"
    else:
        raise Conflict("{code} has nothing to submit", code="catalog.nothing_to_submit",
                       params={"code": resource.code})


def approve_resource(session: Session, actor: Actor, code: str, *, comment: str = "",
                     today: dt.date | None = None) -> Resource:
    """Publish a submitted resource or revision as a new version, and index it for search."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_REVIEW, target_id=code, event="catalog.approve")
    revision = pending_revision(session, resource)
    if resource.status == "submitted":
        pass
    elif revision is not None and revision.status == "submitted":
        _apply(session, resource, ResourceDraft.from_dict(revision.draft))
        session.delete(revision)
    else:
        raise Conflict("{code} is not waiting for review", code="catalog.not_submitted", params={"code": code})
    publish(session, actor, resource, today=today)
    _event(session, actor, resource, "approve", comment)
    return resource


def publish(session: Session, actor: Actor, resource: Resource, *, today: dt.date | None = None) -> None:
    """Make the resource's current content its next published version and index it (no checks, no audit)."""
    resource.status = "published"
    resource.version += 1
    resource.publish_date = today or dt.date.today()
    session.flush()
    session.add(ResourceVersion(resource_id=resource.id, version=resource.version, published_by=_user_id(actor),
                                snapshot=snapshot_of(resource)))
    search.index_resource(session, resource)


def return_resource(session: Session, actor: Actor, code: str, *, comment: str) -> Resource:
    """Send a submission back to its department with the reviewer's comments."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_REVIEW, target_id=code, event="catalog.return")
    if not comment.strip():
        raise InvalidInput("Say what needs to change", code="catalog.comment_required",
                           errors=[FieldError("comment", "is required", code="catalog.required")])
    revision = pending_revision(session, resource)
    if resource.status == "submitted":
        resource.status = "returned"
    elif revision is not None and revision.status == "submitted":
        revision.status = "returned"
    else:
        raise Conflict("{code} is not waiting for review", code="catalog.not_submitted", params={"code": code})
    _event(session, actor, resource, "return", comment.strip())
    return resource


def retire_resource(session: Session, actor: Actor, code: str, *, reason: str) -> Resource:
    """Withdraw a resource from the catalog; the reason is kept and it no longer holds any 数源 claim."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_RETIRE, Target(department_id=resource.department_id), target_id=code,
            event="catalog.retire")
    if not reason.strip():
        raise InvalidInput("Retiring a resource needs a reason", code="catalog.reason_required",
                           errors=[FieldError("reason", "is required", code="catalog.required")])
    if resource.status == "retired":
        raise Conflict("{code} is retired", code="catalog.retired", params={"code": code})
    resource.status = "retired"
    session.execute(delete(AuthoritativeSource).where(AuthoritativeSource.resource_id == resource.id))
    session.execute(delete(Revision).where(Revision.resource_id == resource.id))
    search.unindex_resource(session, resource.id)
    _event(session, actor, resource, "retire", reason.strip())
    return resource


def move_source(session: Session, actor: Actor, item_code: str, to_code: str) -> AuthoritativeSource:
    """Make another resource the authoritative source of a data item (the operator settles 一数一源)."""
    require(actor, Action.CATALOG_SOURCE_MOVE, target_id=item_code, event="catalog.move_source")
    target = get_resource(session, actor, to_code)
    item = next((i for i in target.items if i.code == item_code), None)
    if item is None:
        raise NotFound("{code} has no data item {item}", params={"code": to_code, "item": item_code})
    current = session.get(AuthoritativeSource, item_code)
    if current is not None:
        old = session.get(Resource, current.resource_id)
        for other in old.items if old else []:
            if other.code == item_code:
                other.authoritative = False
        session.delete(current)
        session.flush()
    item.authoritative = True
    source = AuthoritativeSource(item_code=item_code, resource_id=target.id, department_id=target.department_id)
    session.add(source)
    _event(session, actor, target, "move_source", item_code)
    return source
