"""The department data admin's resource editor: every metadata field and the data items as table rows.

Works without JavaScript (the CSP forbids inline scripts anyway): the form always carries the existing rows plus
empty ones, and the "more data items" button posts the form back to be shown again with more empty rows.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from tongban.catalog import reads, service
from tongban.catalog.drafts import ItemDraft, ResourceDraft
from tongban.errors import FieldError, TongbanError
from tongban.i18n import gettext
from tongban.identity.policy import Actor
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.pages.catalog import page
from tongban.web.render import FIELD_LABELS

router = APIRouter(include_in_schema=False)

ActorDep = Annotated[Actor, Depends(current_actor)]
BLANK_ROWS = 5
MAX_ROWS = 500
TEXT_FIELDS = ("name", "abstract", "format", "sharing_type", "sharing_condition", "open_type", "open_condition",
               "update_cycle", "legal_basis", "related_codes", "record_count", "class_prefix", "class_mu",
               "class_ximu")
ITEM_TEXT = ("name", "code", "data_type", "length", "description", "sensitivity")
ITEM_FLAGS = ("personal", "authoritative")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


async def posted_form(request: Request) -> FormData:
    """The posted form (read once; the CSRF check has already parsed it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


# Form values ⇄ drafts -----------------------------------------------------------------------------------------

def form_of(draft: ResourceDraft | None) -> dict[str, Any]:
    """The editor's field values for a draft (None: a new resource with sensible defaults)."""
    if draft is None:
        return {"format": "database", "sharing_type": "unconditional", "open_type": "closed",
                "update_cycle": "daily", "share_methods": ["api"], "items": []}
    values: dict[str, Any] = {name: getattr(draft, name) for name in TEXT_FIELDS if hasattr(draft, name)}
    values.update(class_prefix=draft.class_code[:3], class_mu=draft.class_code[3:6], class_ximu=draft.class_code[6:],
                  related_codes=" ".join(draft.related_codes), share_methods=list(draft.share_methods),
                  record_count="" if draft.record_count is None else str(draft.record_count))
    values["items"] = [{"name": i.name, "code": i.code, "data_type": i.data_type,
                        "length": "" if i.length is None else str(i.length), "description": i.description,
                        "sensitivity": str(i.sensitivity), "personal": i.personal, "authoritative": i.authoritative}
                       for i in draft.items]
    return values


def _number(text: str, field: str, problems: list[FieldError], row: int | None = None) -> int | None:
    if not text:
        return None
    if text.isdigit():
        return int(text)
    problems.append(FieldError(field, "must be a whole number", row=row, code="catalog.number"))
    return None


def _row(form: FormData, n: int) -> dict[str, Any] | None:
    row: dict[str, Any] = {k: str(form.get(f"item-{n}-{k}", "")).strip() for k in ITEM_TEXT}
    row.update({k: bool(form.get(f"item-{n}-{k}")) for k in ITEM_FLAGS})
    typed = any(row[k] for k in ("name", "code", "length", "description")) or any(row[k] for k in ITEM_FLAGS)
    return row if typed else None


def parse(form: FormData) -> tuple[dict[str, Any], ResourceDraft, list[FieldError]]:
    """The values as typed (to show again), the draft they make, and the values that are not even numbers."""
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in TEXT_FIELDS}
    values["share_methods"] = [str(m) for m in form.getlist("share_methods")]
    count = int(str(form.get("row_count", "0"))) if str(form.get("row_count", "0")).isdigit() else 0
    values["items"] = [row for n in range(1, min(count, MAX_ROWS) + 1) if (row := _row(form, n))]
    problems: list[FieldError] = []
    items = []
    for n, row in enumerate(values["items"], start=1):
        sensitivity = int(row["sensitivity"] or "1") if (row["sensitivity"] or "1").isdigit() else 0
        items.append(ItemDraft(row["name"], row["code"], row["data_type"], _number(row["length"], "items.length",
                                                                                   problems, n),
                               row["description"], row["personal"], sensitivity, row["authoritative"]))
    draft = ResourceDraft(
        class_code=values["class_prefix"] + values["class_mu"] + values["class_ximu"], name=values["name"],
        abstract=values["abstract"], format=values["format"], sharing_type=values["sharing_type"],
        update_cycle=values["update_cycle"], open_type=values["open_type"], items=items,
        share_methods=values["share_methods"], sharing_condition=values["sharing_condition"],
        open_condition=values["open_condition"], legal_basis=values["legal_basis"],
        related_codes=[c for c in _SEPARATORS.split(values["related_codes"]) if c],
        record_count=_number(values["record_count"], "record_count", problems))
    return values, draft, problems


def _blank_rows(form: FormData) -> int:
    current = str(form.get("blank_rows", ""))
    shown = int(current) if current.isdigit() else BLANK_ROWS
    return min(shown + BLANK_ROWS, MAX_ROWS) if form.get("intent") == "more" else max(BLANK_ROWS, min(shown, MAX_ROWS))


# Rendering ----------------------------------------------------------------------------------------------------

def failure(request: Request, message: str, params: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """The banner (each problem under its label, item problems with their row) and the errors by field and row."""
    lang = request.state.lang
    summary: dict[str, str] = {}
    fields: dict[str, str] = {}
    rows: dict[int, dict[str, str]] = {}
    for e in errors:
        text = gettext(lang, e.message, **e.params)
        label = gettext(lang, FIELD_LABELS.get(e.field, e.field))
        if e.row is not None:
            rows.setdefault(e.row, {})[e.field.removeprefix("items.")] = text
            label = gettext(lang, "Row {row}", row=e.row) + " · " + label
        else:
            fields[e.field] = f"{fields[e.field]}；{text}" if e.field in fields else text
        summary[label] = f"{summary[label]}；{text}" if label in summary else text
    return {"error": gettext(lang, message, **params), "field_errors": summary, "inline": fields,
            "row_errors": rows}


def _editor(request: Request, start: reads.EditorStart, values: dict[str, Any], *, blank: int = BLANK_ROWS,
            status: int = 200, **extra: Any) -> HTMLResponse:
    resource = start.resource
    rows = values.get("items", [])
    return page(request, "catalog_edit.html", {
        "start": start, "form": values, "rows": rows + [{} for _ in range(blank)], "blank": blank,
        "action": f"/catalog/r/{resource.code}/edit" if resource else "/catalog/new",
        "inline": {}, "row_errors": {}, **extra}, status=status)


def _save(request: Request, db: Db, actor: Actor, form: FormData, opener: Any, use_case: Any,
          *args: Any) -> Response:
    """Show the form again (more rows, unreadable numbers, rule breaches) or save and go to the resource."""
    values, draft, problems = parse(form)
    blank = _blank_rows(form)
    if form.get("intent") == "more":
        return _editor(request, opener(db, actor), values, blank=blank)
    if problems:
        return _editor(request, opener(db, actor), values, blank=blank, status=422,
                       **failure(request, "The resource has {count} problem(s)", {"count": len(problems)}, problems))
    try:
        resource = attempt(db, use_case, actor, *args, draft)
    except TongbanError as exc:
        return _editor(request, opener(db, actor), values, blank=blank, status=exc.status,
                       **failure(request, exc.message, exc.params, exc.errors))
    done = "created" if not args else ("revised" if resource.status == "published" else "saved")
    return RedirectResponse(f"/catalog/r/{resource.code}?done={done}&code={quote(resource.code, safe='')}",
                            status_code=303)


@router.get("/catalog/new", response_class=HTMLResponse)
def new_resource(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """An empty editor for a new resource of the data admin's department."""
    return _editor(request, reads.open_new_editor(db, actor), form_of(None))


@router.post("/catalog/new", response_class=HTMLResponse, dependencies=[Csrf])
def create_resource(request: Request, db: Db, actor: ActorDep, form: FormDep) -> Response:
    """Register the resource as a draft, or show the form again with its problems."""
    return _save(request, db, actor, form, reads.open_new_editor, service.create_resource)


@router.get("/catalog/r/{code:resource_code}/edit", response_class=HTMLResponse)
def edit_resource(request: Request, db: Db, actor: ActorDep, code: str) -> HTMLResponse:
    """The editor on a draft, a returned submission, or (as a revision) a published resource."""
    start = reads.open_editor(db, actor, code)
    return _editor(request, start, form_of(start.draft))


@router.post("/catalog/r/{code:resource_code}/edit", response_class=HTMLResponse, dependencies=[Csrf])
def update_resource(request: Request, db: Db, actor: ActorDep, code: str, form: FormDep) -> Response:
    """Save the changes, or show the form again with its problems."""
    return _save(request, db, actor, form, lambda db_, actor_: reads.open_editor(db_, actor_, code),
                 service.update_resource, code)
