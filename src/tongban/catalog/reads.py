"""Read use cases of the catalog: each checks the policy, then reads through ``queries`` and ``search``.

Pages, the API and the CLI call these and never check permissions themselves; what an actor may do next with a
resource (edit, submit, review, retire) is decided here too, so that a page only shows the buttons it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tongban.catalog import history, queries, search
from tongban.catalog.drafts import ResourceDraft
from tongban.catalog.model import Resource, ResourceVersion, ReviewEvent, Revision
from tongban.catalog.service import EDITABLE, draft_of, get_resource, pending_revision, snapshot_of
from tongban.errors import Conflict, NotFound
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor, Target, allowed
from tongban.identity.service import require


def _revision_snapshot(resource: Resource, revision: Revision) -> dict[str, Any]:
    return {**revision.draft, "code": resource.code, "department": resource.department.name}


# Search -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogResults:
    """A page of search results with what a page needs to show them: item counts and department names."""

    page: search.SearchPage
    item_counts: dict[int, int]
    departments: dict[int, str]


def search_catalog(
    session: Session, actor: Actor, query: str = "", flt: search.Filters | None = None, *,
    sort: str = "relevance", cursor: str | None = None, limit: int = 20, with_items: bool = False,
) -> CatalogResults:
    """Search the published catalog (any staff member, any department system); ``with_items`` loads each result's
    data items in the same round trip (the API returns them, the page only counts them)."""
    require(actor, Action.CATALOG_READ)
    flt = flt or search.Filters()
    page = search.search(session, query, flt, sort=sort, cursor=cursor, limit=limit, with_items=with_items)
    ids = {int(k) for k in page.facets.get("department_id", {}) if k.isdigit()}
    if flt.department_id is not None:
        ids.add(flt.department_id)
    return CatalogResults(page, search.item_count(session, [r.id for r in page.results]),
                          queries.department_names(session, ids))


# One resource -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionEntry:
    """A published version and what changed since the one before (None for the first)."""

    version: ResourceVersion
    diff: history.Diff | None


@dataclass(frozen=True)
class ResourceView:
    """Everything the detail page shows, and which actions this actor may take now."""

    resource: Resource
    versions: list[VersionEntry]  # newest first
    reviews: list[ReviewEvent]
    revision: Revision | None = None  # shown only to the department and the operator
    revision_diff: history.Diff | None = None
    can_edit: bool = False
    can_submit: bool = False
    can_review: bool = False
    can_retire: bool = False
    returned: ReviewEvent | None = None  # the last return, while the submission stands returned

    @property
    def under_review(self) -> bool:
        """The resource or its revision waits for the operator."""
        return self.resource.status == "submitted" or (self.revision is not None
                                                       and self.revision.status == "submitted")


def view_resource(session: Session, actor: Actor, code: str) -> ResourceView:
    """A resource with its versions (each diffed against the previous), review trail and pending revision."""
    resource = get_resource(session, actor, code)
    owner = allowed(actor, Action.CATALOG_EDIT, Target(department_id=resource.department_id))
    reviewer = allowed(actor, Action.CATALOG_REVIEW)
    revision = pending_revision(session, resource) if owner or reviewer else None
    versions = queries.list_versions(session, resource.id)
    diffs = history.consecutive([v.snapshot for v in versions])
    reviews = queries.list_review_events(session, resource.id)
    pending = revision.status if revision else resource.status
    under_review = pending == "submitted"
    returned = next((e for e in reversed(reviews) if e.action == "return"), None) if pending == "returned" else None
    return ResourceView(
        resource=resource,
        versions=[VersionEntry(v, d) for v, d in reversed(list(zip(versions, diffs, strict=True)))],
        reviews=reviews,
        revision=revision,
        revision_diff=history.diff(snapshot_of(resource), _revision_snapshot(resource, revision)) if revision else None,
        can_edit=owner and resource.status != "retired" and not under_review,
        can_submit=owner and pending in EDITABLE,
        can_review=reviewer and under_review,
        can_retire=(resource.status != "retired"
                    and allowed(actor, Action.CATALOG_RETIRE, Target(department_id=resource.department_id))),
        returned=returned,
    )


# The department's worklist and the operator's queue ------------------------------------------------------------

def view_department_resources(session: Session, actor: Actor) -> list[queries.DepartmentResource]:
    """The data admin's own department's resources in every status, with returned comments."""
    require(actor, Action.CATALOG_EDIT, Target(department_id=actor.department_id))
    if actor.department_id is None:
        return []
    return queries.list_department_resources(session, actor.department_id)


@dataclass(frozen=True)
class ReviewItem:
    """A queue entry; for a revision, its diff against the published version."""

    entry: queries.QueueEntry
    diff: history.Diff | None = None


def view_review_queue(session: Session, actor: Actor) -> list[ReviewItem]:
    """What waits for the platform operator, oldest first."""
    require(actor, Action.CATALOG_REVIEW)
    return [ReviewItem(entry, history.diff(snapshot_of(entry.resource),
                                           _revision_snapshot(entry.resource, entry.revision))
                       if entry.revision else None)
            for entry in queries.list_review_queue(session)]


def view_statistics(session: Session, actor: Actor) -> queries.CatalogStats:
    """Figures over the published catalog."""
    require(actor, Action.CATALOG_READ)
    return queries.catalog_statistics(session)


# The editor ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EditorStart:
    """What the editor opens with: the department, and for an existing resource its code and current draft."""

    department: Department
    draft: ResourceDraft | None = None
    resource: Resource | None = None


def open_new_editor(session: Session, actor: Actor) -> EditorStart:
    """An empty editor for a new resource of the actor's department."""
    require(actor, Action.CATALOG_EDIT, Target(department_id=actor.department_id), event="catalog.create")
    department = session.get(Department, actor.department_id) if actor.department_id is not None else None
    if department is None:
        raise NotFound("Department {id} does not exist", params={"id": actor.department_id})
    return EditorStart(department)


def open_editor(session: Session, actor: Actor, code: str) -> EditorStart:
    """The editor on a resource: a draft's content, or the open revision (else the published content)."""
    resource = get_resource(session, actor, code)
    require(actor, Action.CATALOG_EDIT, Target(department_id=resource.department_id), target_id=code,
            event="catalog.update")
    if resource.status == "retired":
        raise Conflict("{code} is retired", code="catalog.retired", params={"code": code})
    revision = pending_revision(session, resource)
    if resource.status == "submitted" or (revision is not None and revision.status == "submitted"):
        raise Conflict("{code} is under review and cannot be changed now", code="catalog.under_review",
                       params={"code": code})
    draft = ResourceDraft.from_dict(revision.draft) if revision else draft_of(resource)
    return EditorStart(resource.department, draft, resource)

