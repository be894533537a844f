"""Catalog pages: search with facets, a resource's detail and its lifecycle buttons, the department's resources,
the operator's review queue and the statistics. The editor is in ``catalog_edit``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from tongban.catalog import reads, service, vocab
from tongban.catalog.search import Filters
from tongban.errors import InvalidInput, TongbanError
from tongban.identity.policy import Actor
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import FIELD_LABELS, form_failure, render

router = APIRouter(include_in_schema=False)

ActorDep = Annotated[Actor, Depends(current_actor)]
Text = Annotated[str, Form(max_length=4000)]


class ResourceCode(Convertor[str]):
    """Resource codes carry a slash (``101001/000001``); this keeps ``/edit`` and ``/submit`` out of the code."""

    regex = r"[123][0-9]{5}(?:[0-9]{3})?/[0-9]{6}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("resource_code", ResourceCode())

# Query parameter of each facet (search.FACETS names) and the other parameters a search page keeps.
FACET_PARAMS = {"department_id": "department", "class": "class", "sharing_type": "sharing", "open_type": "open",
                "update_cycle": "cycle", "format": "format"}
KEPT = ("q", "sort", *FACET_PARAMS.values())
SORTS = ("relevance", "code", "name")
PAGE = 20


def vocabulary(request: Request) -> dict[str, Any]:
    """The labels templates show for codes; sharing types in the vocabulary the deployment chose."""
    chosen = getattr(request.app.state.settings, "sharing_vocabulary", "national")
    return {"classes": vocab.CLASSES, "class_items": vocab.ITEMS, "formats": vocab.FORMATS,
            "data_types": vocab.DATA_TYPES, "sharing": vocab.SHARING_TYPES.get(chosen, vocab.SHARING_TYPES["national"]),
            "methods": vocab.SHARE_METHODS, "open": vocab.OPEN_TYPES, "cycles": vocab.UPDATE_CYCLES,
            "sensitivity": vocab.SENSITIVITY, "statuses": vocab.STATUSES}


def class_label(code: str) -> str:
    """``101001`` → 基础信息资源目录 › 人口 › 001 (类 › 项 › 目 [› 细目])."""
    klass, item = vocab.CLASSES.get(code[:1]), vocab.ITEMS.get(code[:1], {}).get(code[1:3])
    if not klass or not item:
        return code
    return " › ".join([klass, item, *[part for part in (code[3:6], code[6:9]) if part]])


def _short_class(key: str) -> str:
    klass, item = vocab.CLASSES.get(key[:1], ""), vocab.ITEMS.get(key[:1], {}).get(key[1:3])
    return f"{item}（{klass[:2]}）" if item else key


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    """Render a catalog page with the vocabularies and labels every catalog template uses."""
    return render(request, template, {"V": vocabulary(request), "labels": FIELD_LABELS, "class_label": class_label,
                                      "done": request.query_params.get("done"),
                                      "done_code": request.query_params.get("code", ""), **context}, status=status)


# Search -------------------------------------------------------------------------------------------------------

def _filters(params: dict[str, str]) -> Filters:
    department = params.get("department", "")
    return Filters(department_id=int(department) if department.isdigit() else None,
                   class_code=params.get("class"), sharing_type=params.get("sharing"), open_type=params.get("open"),
                   update_cycle=params.get("cycle"), format=params.get("format"))


def _href(params: dict[str, str], **changes: str | None) -> str:
    merged = {**params, **changes}
    kept = {k: v for k, v in merged.items() if v}
    return "/catalog" + (f"?{urlencode(kept)}" if kept else "")


def _facet_label(request: Request, facet: str, key: str, departments: dict[int, str]) -> str:
    if facet == "department_id":
        return departments.get(int(key), key) if key.isdigit() else key
    if facet == "class":
        return _short_class(key)
    table = {"sharing_type": "sharing", "open_type": "open", "update_cycle": "cycles", "format": "formats"}[facet]
    return str(vocabulary(request)[table].get(key, key))


def _panels(request: Request, params: dict[str, str], found: reads.CatalogResults) -> list[dict[str, Any]]:
    panels = []
    for facet, param in FACET_PARAMS.items():
        options = [{"label": _facet_label(request, facet, key, found.departments), "count": count,
                    "selected": params.get(param) == key,
                    "href": _href(params, **{param: None if params.get(param) == key else key})}
                   for key, count in found.page.facets.get(facet, {}).items()]
        panels.append({"facet": facet, "options": options})
    return panels


def _active(request: Request, params: dict[str, str], departments: dict[int, str]) -> list[dict[str, str]]:
    return [{"facet": facet, "label": _facet_label(request, facet, params[param], departments),
             "href": _href(params, **{param: None})}
            for facet, param in FACET_PARAMS.items() if params.get(param)]


@router.get("/catalog", response_class=HTMLResponse)
def catalog_search(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Search the published catalog: words, facet filters with counts, sorting and next-page links."""
    params = {k: v for k in KEPT if (v := request.query_params.get(k, ""))}
    sort = params.get("sort", "relevance")
    offered = SORTS if params.get("q") else SORTS[1:]  # without words there is no relevance: code order
    context: dict[str, Any] = {
        "params": params, "query": params.get("q", ""), "sort": sort if sort in offered else offered[0],
        "sorts": [(s, _href(params, sort=None if s == "relevance" else s)) for s in offered]}
    try:
        found = reads.search_catalog(db, actor, params.get("q", ""), _filters(params), sort=sort,
                                     cursor=request.query_params.get("cursor") or None, limit=PAGE)
    except InvalidInput as exc:  # a too long query, a bad cursor or sort: say so next to the search box
        return page(request, "catalog_search.html", {**context, "found": None, "panels": [], "active": [],
                                                     "search_error": form_failure(request, exc)["error"]},
                    status=exc.status)
    next_href = _href(params, cursor=found.page.next_cursor) if found.page.next_cursor else None
    return page(request, "catalog_search.html", {
        **context, "found": found, "panels": _panels(request, params, found),
        "active": _active(request, params, found.departments), "next_href": next_href,
        "first_href": _href(params) if request.query_params.get("cursor") else None})


# One resource -------------------------------------------------------------------------------------------------

def _detail(request: Request, db: Db, actor: Actor, code: str, *, status: int = 200, **extra: Any) -> HTMLResponse:
    view = reads.view_resource(db, actor, code)
    return page(request, "catalog_detail.html", {"view": view, "r": view.resource, **extra}, status=status)


@router.get("/catalog/r/{code:resource_code}", response_class=HTMLResponse)
def resource_detail(request: Request, db: Db, actor: ActorDep, code: str) -> HTMLResponse:
    """A resource: the 13 core metadata elements, its data items, versions with diffs and the review trail."""
    return _detail(request, db, actor, code)


def _transition(request: Request, db: Db, actor: Actor, code: str, use_case: Any, done: str, back: str,
                **kwargs: Any) -> Response:
    """Run one lifecycle step; on success go back where the button was, else show why on that page."""
    try:
        attempt(db, use_case, actor, code, **kwargs)
    except TongbanError as exc:
        failure = form_failure(request, exc)
        if back == "review":
            return _queue(request, db, actor, status=exc.status, failed_code=code, form=kwargs, **failure)
        return _detail(request, db, actor, code, status=exc.status, form=kwargs, **failure)
    target = "/catalog/review" if back == "review" else f"/catalog/r/{code}"
    return RedirectResponse(f"{target}?done={done}&code={quote(code, safe='')}", status_code=303)


@router.post("/catalog/r/{code:resource_code}/submit", response_class=HTMLResponse, dependencies=[Csrf])
def submit_resource(request: Request, db: Db, actor: ActorDep, code: str) -> Response:
    """Send a draft or revision to the platform operator."""
    return _transition(request, db, actor, code, service.submit_resource, "submitted", "")


@router.post("/catalog/r/{code:resource_code}/approve", response_class=HTMLResponse, dependencies=[Csrf])
def approve_resource(request: Request, db: Db, actor: ActorDep, code: str, comment: Text = "",
                     back: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Publish a submission as a new version."""
    return _transition(request, db, actor, code, service.approve_resource, "approved", back, comment=comment)


@router.post("/catalog/r/{code:resource_code}/return", response_class=HTMLResponse, dependencies=[Csrf])
def return_resource(request: Request, db: Db, actor: ActorDep, code: str, comment: Text = "",
                    back: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Send a submission back to its department with comments (required)."""
    return _transition(request, db, actor, code, service.return_resource, "returned", back, comment=comment)


@router.post("/catalog/r/{code:resource_code}/retire", response_class=HTMLResponse, dependencies=[Csrf])
def retire_resource(request: Request, db: Db, actor: ActorDep, code: str, reason: Text = "") -> Response:
    """Withdraw a resource from the catalog, with a reason."""
    return _transition(request, db, actor, code, service.retire_resource, "retired", "", reason=reason)


# The department's resources, the review queue, statistics -------------------------------------------------------

@router.get("/catalog/mine", response_class=HTMLResponse)
def my_resources(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """The data admin's department resources; returned ones first, with the reviewer's comments."""
    rows = reads.view_department_resources(db, actor)
    return page(request, "catalog_mine.html", {"rows": rows, "returned": [r for r in rows if r.needs_attention]})


def _queue(request: Request, db: Db, actor: Actor, *, status: int = 200, **extra: Any) -> HTMLResponse:
    return page(request, "catalog_review.html", {"queue": reads.view_review_queue(db, actor), **extra},
                status=status)


@router.get("/catalog/review", response_class=HTMLResponse)
def review_queue(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Submissions waiting for the operator, oldest first; revisions with their diff."""
    return _queue(request, db, actor)


@router.get("/catalog/stats", response_class=HTMLResponse)
def statistics(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """Resources, items and sharing types per department, update cycles, and unfounded restrictions."""
    return page(request, "catalog_stats.html", {"stats": reads.view_statistics(db, actor)})
