"""The catalog's files in the browser: download the fill-in template, import a workbook or CSV, export the catalog.

The work is done by the catalog's use cases (``import_catalog``, ``export_rows``); these handlers only move bytes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from tongban.catalog.exporting import export_file, template_for
from tongban.catalog.importing import ImportReport, import_catalog, may_import
from tongban.catalog.workbook import ImportProblem, ImportResult, read_workbook
from tongban.i18n import gettext
from tongban.identity.policy import Actor
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.pages.catalog import page

router = APIRouter(include_in_schema=False)

ActorDep = Annotated[Actor, Depends(current_actor)]
MAX_UPLOAD = 20 * 1024 * 1024
TEMPLATE_NAME = "目录填报模板.xlsx"
EXPORT_NAME = "共享数据资源目录"
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8", "json": "application/json"}


# Helpers ------------------------------------------------------------------------------------------------------

def attachment(data: bytes, filename: str, media_type: str, fallback: str) -> Response:
    """A download named ``filename`` (RFC 5987) with an ASCII ``fallback`` for old clients."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


def _vocabulary(request: Request) -> str:
    return str(getattr(request.app.state.settings, "sharing_vocabulary", "national"))


async def posted_form(request: Request) -> FormData:
    """The posted multipart form (the CSRF check has already parsed it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


def _upload(form: FormData) -> tuple[bytes | None, str, str | None]:
    """The uploaded bytes and file name, or a message (English msgid) why there are none."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return None, "", "Choose a file to import."
    name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return None, name, "The file is larger than 20 MB; split it into several files."
    if not data:
        return None, name, "The file {file} is empty." if upload.filename else "Choose a file to import."
    return data, name, None


def _read(data: bytes, name: str) -> ImportResult:
    try:
        return read_workbook(data, filename=name)
    except Exception:  # the reader reports problems rather than raising; never answer an upload with a 500
        return ImportResult(problems=[ImportProblem(None, None, None, "import.unreadable",
                                                    "the file could not be read as a workbook or CSV")])


def _form(request: Request, *, dry_run: bool = True, submit: bool = False, status: int = 200,
          **context: Any) -> HTMLResponse:
    return page(request, "catalog_import.html", {"dry_run": dry_run, "submit": submit, "report": None,
                                                 "error": None, **context}, status=status)


def _problem_rows(request: Request, report: ImportReport) -> list[dict[str, Any]]:
    lang = getattr(request.state, "lang", "zh-CN")
    return [{"sheet": p.sheet or "", "row": p.row or "", "column": p.column or "", "rule": p.rule,
             "message": gettext(lang, p.message, **p.params)} for p in report.problems]


# Routes -------------------------------------------------------------------------------------------------------

@router.get("/catalog/template")
def download_template(request: Request, actor: ActorDep) -> Response:
    """The Excel workbook departments fill in."""
    data = template_for(actor, _vocabulary(request))
    return attachment(data, TEMPLATE_NAME, MEDIA_TYPES["xlsx"], "catalog-template.xlsx")


@router.get("/catalog/import", response_class=HTMLResponse)
def import_form(request: Request, actor: ActorDep) -> HTMLResponse:
    """The upload form; a dry run is the default."""
    may_import(actor)
    return _form(request)


@router.post("/catalog/import", response_class=HTMLResponse, dependencies=[Csrf])
def import_upload(request: Request, db: Db, actor: ActorDep, form: FormDep) -> HTMLResponse:
    """Check the uploaded file and, unless a dry run or a problem stops it, import all of it."""
    dry_run, submit = bool(form.get("dry_run")), bool(form.get("submit"))
    may_import(actor)
    data, name, refusal = _upload(form)
    if data is None:
        lang = getattr(request.state, "lang", "zh-CN")
        return _form(request, dry_run=dry_run, submit=submit, status=422,
                     error=gettext(lang, refusal or "", file=name))
    report = attempt(db, import_catalog, actor, _read(data, name), filename=name, dry_run=dry_run, submit=submit)
    if report.problems:
        return _form(request, dry_run=dry_run, submit=submit, status=422, report=report, filename=name,
                     problems=_problem_rows(request, report))
    # a clean dry run: offer the real import (the browser cannot keep the file, so it is chosen again)
    return _form(request, dry_run=not report.dry_run, submit=submit, report=report, filename=name, problems=[])


@router.get("/catalog/export")
def export_catalog(request: Request, db: Db, actor: ActorDep, format: Literal["xlsx", "csv", "json"] = "xlsx",
                   encoding: Literal["utf-8-sig", "gb18030"] = "utf-8-sig") -> Response:
    """The published catalog as an Excel workbook, a CSV file or JSON."""
    data = export_file(db, actor, format, vocabulary=_vocabulary(request), encoding=encoding)
    media_type = "text/csv; charset=gb18030" if format == "csv" and encoding == "gb18030" else MEDIA_TYPES[format]
    return attachment(data, f"{EXPORT_NAME}.{format}", media_type, f"catalog.{format}")
