"""Catalog API: search, read, export, a department's own drafts, and the operator's review.

Department systems call it with their bearer token; logged-in portal users may call it too (see ``api_actor``),
each with what their role allows: a data admin edits their department's resources, the operator reviews.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tongban.catalog import service as catalog
from tongban.catalog.drafts import ItemDraft, ResourceDraft
from tongban.catalog.exporting import export_file
from tongban.catalog.model import Resource
from tongban.catalog.reads import search_catalog
from tongban.catalog.search import Filters
from tongban.identity.policy import Actor
from tongban.web.deps import Db, api_actor

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])
ApiActor = Annotated[Actor, Depends(api_actor)]


class ItemIn(BaseModel):
    """A data item: vocabulary values are codes (see the catalog guide)."""

    name: str = Field(max_length=100)
    code: str = Field(max_length=64, examples=["id_number"])
    data_type: str = Field(examples=["string"])
    length: int | None = None
    description: str = ""
    personal: bool = False
    sensitivity: int = 1
    authoritative: bool = False


class ResourceIn(BaseModel):
    """A resource draft with its data items."""

    class_code: str = Field(examples=["101001"])
    name: str = Field(max_length=200)
    abstract: str = ""
    format: str = Field(examples=["database"])
    sharing_type: str = Field(examples=["unconditional"])
    update_cycle: str = Field(examples=["daily"])
    open_type: str = Field(examples=["closed"])
    share_methods: list[str] = Field(default_factory=list, examples=[["api"]])
    sharing_condition: str = ""
    open_condition: str = ""
    legal_basis: str = ""
    related_codes: list[str] = Field(default_factory=list)
    record_count: int | None = None
    items: list[ItemIn] = Field(default_factory=list)

    def draft(self) -> ResourceDraft:
        values = self.model_dump()
        values["items"] = [ItemDraft(**item) for item in values["items"]]
        return ResourceDraft(**values)


class ResourceOut(ResourceIn):
    """A catalog resource as published (or, for its own department, as drafted)."""

    code: str
    department_id: int
    department: str
    status: str
    version: int
    publish_date: dt.date | None

    @classmethod
    def of(cls, resource: Resource) -> ResourceOut:
        draft = catalog.draft_of(resource)  # field by field: a deep as_dict() of 20 results cost more than the search
        fields = {name: getattr(draft, name) for name in ResourceIn.model_fields if name != "items"}
        return cls(code=resource.code, department_id=resource.department_id, department=resource.department.name,
                   status=resource.status, version=resource.version, publish_date=resource.publish_date,
                   items=[ItemIn(**vars(i)) for i in draft.items], **fields)


class SearchOut(BaseModel):
    """One page of search results with facet counts over all matches."""

    total: int
    results: list[ResourceOut]
    facets: dict[str, dict[str, int]]
    next_cursor: str | None


@router.get("/resources", response_model=SearchOut, summary="Search the catalog")
def search_resources(
    db: Db, actor: ApiActor, q: Annotated[str, Query(max_length=200)] = "",
    department: int | None = None, class_code: Annotated[str | None, Query(alias="class")] = None,
    sharing_type: str | None = None, open_type: str | None = None, update_cycle: str | None = None,
    format: str | None = None, sort: Literal["relevance", "code", "name"] = "relevance", cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Chinese-aware search (bigrams and common abbreviations) over published resources, with facets."""
    page = search_catalog(db, actor, q, Filters(department, class_code, sharing_type, open_type, update_cycle, format),
                          sort=sort, cursor=cursor, limit=limit, with_items=True).page
    return SearchOut(total=page.total, results=[ResourceOut.of(r) for r in page.results], facets=page.facets,
                     next_cursor=page.next_cursor)


@router.get("/resources/{code:path}", response_model=ResourceOut, summary="One resource by its code")
def get_resource(db: Db, actor: ApiActor, code: str) -> ResourceOut:
    """The resource with its data items."""
    return ResourceOut.of(catalog.get_resource(db, actor, code))


@router.post("/resources", response_model=ResourceOut, status_code=201, summary="Register a draft")
def create_resource(db: Db, actor: ApiActor, body: ResourceIn) -> ResourceOut:
    """A new draft of the calling system's department; problems come back as problem+json naming each field."""
    return ResourceOut.of(catalog.create_resource(db, actor, body.draft()))


@router.put("/resources/{code:path}", response_model=ResourceOut, summary="Change a draft or propose a revision")
def update_resource(db: Db, actor: ApiActor, code: str, body: ResourceIn) -> ResourceOut:
    """Drafts change in place; a published resource gets a revision that needs review."""
    return ResourceOut.of(catalog.update_resource(db, actor, code, body.draft()))


@router.post("/submissions/{code:path}", response_model=ResourceOut, summary="Send for review")
def submit_resource(db: Db, actor: ApiActor, code: str) -> ResourceOut:
    """The platform operator then approves it or returns it with comments."""
    return ResourceOut.of(catalog.submit_resource(db, actor, code))


class ReviewIn(BaseModel):
    """The operator's decision on a submission: approve publishes it (as a new version), return sends it back."""

    decision: Literal["approve", "return"]
    comment: str = Field(default="", max_length=2000, description="Required when returning: what must change")


@router.post("/reviews/{code:path}", response_model=ResourceOut, summary="Approve or return a submission")
def review_resource(db: Db, actor: ApiActor, code: str, body: ReviewIn) -> ResourceOut:
    """For the platform operator only (a logged-in operator; department tokens are refused). Every decision is
    audited and kept in the resource's review trail."""
    if body.decision == "approve":
        return ResourceOut.of(catalog.approve_resource(db, actor, code, comment=body.comment.strip()))
    return ResourceOut.of(catalog.return_resource(db, actor, code, comment=body.comment))


@router.get("/export", summary="Export the published catalog")
def export(request: Request, db: Db, actor: ApiActor,
           format: Literal["xlsx", "csv", "json"] = "json") -> Response:
    """The whole published catalog as xlsx, CSV (UTF-8 with BOM) or JSON."""
    data = export_file(db, actor, format, vocabulary=request.app.state.settings.sharing_vocabulary)
    media = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8", "json": "application/json"}[format]
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="catalog.{format}"'})
