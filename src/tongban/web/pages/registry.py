"""Base-database pages: the overview with builds and live progress, feed delivery, a golden record with its
provenance, the quarantine work list and doubtful-data notices. The registry's use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.registry import reads, service
from tongban.registry.build import build_base, may_build
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.jobs import Jobs
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]
BASE = "population"
# How the population base's fields are named on pages (English msgids).
LABELS = {"name": "Name", "sex": "Sex", "birth_date": "Birth date", "ethnicity": "Ethnicity",
          "household_address": "Household address", "residence_address": "Residence address",
          "marital_status": "Marital status", "insurance_status": "Insurance status",
          "employer_credit_code": "Employer", "phone": "Phone", "death_date": "Death date"}


def _jobs(request: Request) -> Jobs:
    jobs = getattr(request.app.state, "jobs", None)
    if jobs is None:
        jobs = request.app.state.jobs = Jobs()
    return jobs


def _describe(request: Request, exc: BaseException) -> str:
    if isinstance(exc, TongbanError):
        return gettext(request.state.lang, exc.message, **exc.params)
    return gettext(request.state.lang, "The build failed: {error}", error=type(exc).__name__)


@router.get("/registry", response_class=HTMLResponse)
def overview(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    view = reads.overview(db, actor, BASE)
    job = _jobs(request).get(BASE)
    names = {f.id: f.filename for f in service.list_feeds(db, actor)}
    return render(request, "registry_overview.html", {
        "view": view, "job": job.as_dict() if job else None, "can_build": allowed(actor, Action.REGISTRY_BUILD),
        "feed_names": names,
        "can_records": allowed(actor, Action.REGISTRY_RECORDS), "notice": request.query_params.get("notice")})


@router.post("/registry/build", dependencies=[Csrf])
def start_build(request: Request, db: Db, actor: ActorDep) -> RedirectResponse:
    may_build(actor, BASE)
    settings, sessions = request.app.state.settings, request.app.state.sessions

    def run(job: Any) -> dict[str, Any]:
        report = build_base(sessions, actor, BASE, store=settings.feed_store, registry_dir=settings.registry_dir,
                            progress=job.tick)
        p = report.published
        return {"build": report.build_id, "created": p.created, "changed": p.changed, "retired": p.retired,
                "conflicts": report.conflicts}

    started = _jobs(request).start(BASE, run, lambda exc: _describe(request, exc))
    return RedirectResponse("/registry" + ("" if started else "?notice=running"), status_code=303)


@router.get("/registry/progress")
def progress(request: Request, actor: ActorDep) -> JSONResponse:
    reads.may_read(actor)
    job = _jobs(request).get(BASE)
    return JSONResponse(job.as_dict() if job else {"running": False})


# Feeds --------------------------------------------------------------------------------------------------------

def _feeds_page(request: Request, db: Db, actor: Actor, *, status: int = 200, **extra: Any) -> HTMLResponse:
    return render(request, "registry_feeds.html", {
        "feeds": service.list_feeds(db, actor), "can_deliver": allowed(actor, Action.REGISTRY_DELIVER),
        "error": None, "problems": [], "delivered": None, **extra}, status=status)


@router.get("/registry/feeds", response_class=HTMLResponse)
def feeds(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    return _feeds_page(request, db, actor)


@router.post("/registry/feeds", response_class=HTMLResponse, dependencies=[Csrf])
async def deliver(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    form = await request.form()
    upload, resource = form.get("file"), str(form.get("resource", "")).strip()
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _feeds_page(request, db, actor, status=422,
                           error=gettext(request.state.lang, "Choose a file to deliver."))
    try:
        delivery = attempt(db, service.deliver_feed, actor, resource, upload.filename, upload.file,
                           store=request.app.state.settings.feed_store)
    except TongbanError as exc:
        lang = request.state.lang
        problems = [(p.field, gettext(lang, p.message, **p.params), p.code) for p in exc.errors]
        return _feeds_page(request, db, actor, status=exc.status if exc.status < 500 else 422,
                           error=gettext(lang, exc.message, **exc.params), problems=problems, resource=resource)
    return _feeds_page(request, db, actor, delivered=delivery)


# Records, quarantine, conflicts ----------------------------------------------------------------------------------

@router.get("/registry/people", response_class=HTMLResponse)
def person(request: Request, db: Db, actor: ActorDep, id: str = "") -> HTMLResponse:
    reads.may_look_up(actor)
    found, error, status = None, None, 200
    if id.strip():
        try:
            found = attempt(db, reads.lookup_person, actor, id)
        except TongbanError as exc:
            error, status = gettext(request.state.lang, exc.message, **exc.params), exc.status
    return render(request, "registry_person.html", {"query": id, "found": found, "error": error, "labels": LABELS},
                  status=status)


@router.get("/registry/quarantine", response_class=HTMLResponse)
def quarantine(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    return render(request, "registry_quarantine.html", {"rows": reads.quarantine(db, actor, BASE),
                                                        "done": request.query_params.get("done")})


@router.post("/registry/quarantine/{row_id}/accept", dependencies=[Csrf])
def accept(row_id: int, db: Db, actor: ActorDep,
           justification: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    attempt(db, service.accept_quarantined, actor, row_id, justification=justification)
    return RedirectResponse("/registry/quarantine?done=accepted", status_code=303)


@router.get("/registry/conflicts", response_class=HTMLResponse)
def conflicts(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    return render(request, "registry_conflicts.html", {
        "conflicts": reads.conflicts(db, actor, BASE), "can_answer": allowed(actor, Action.REGISTRY_DELIVER),
        "labels": LABELS,
        "done": request.query_params.get("done")})


@router.post("/registry/conflicts/{conflict_id}", dependencies=[Csrf])
def answer(conflict_id: int, db: Db, actor: ActorDep,
           answer: Annotated[str, Form()] = "confirmed") -> RedirectResponse:
    attempt(db, service.answer_conflict, actor, conflict_id, confirmed=answer == "confirmed")
    return RedirectResponse("/registry/conflicts?done=answered", status_code=303)
