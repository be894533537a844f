"""Base-database pages: per base (population, entity, address) the overview with builds and live progress, a golden
record with its provenance, the quarantine work list (corrected by the department, accepted by the operator), the
clerical review queue and doubtful-data notices; and feed delivery. The registry's use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile

from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.registry import reads, service
from tongban.registry.bases import BASES
from tongban.registry.build import build_base, may_build
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.jobs import Jobs
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]
DEFAULT = "population"
# How each base and its fields are named on pages (English msgids).
TITLES = {"population": "Population base", "entity": "Legal-entity base", "address": "Spatial base"}
KEY_LABELS = {"population": "Citizen ID number", "entity": "Unified social credit code",
              "address": "Standard address code"}
LABELS = {"name": "Name", "sex": "Sex", "birth_date": "Birth date", "ethnicity": "Ethnicity",
          "household_address": "Household address", "residence_address": "Residence address",
          "marital_status": "Marital status", "insurance_status": "Insurance status",
          "employer_credit_code": "Employer", "phone": "Phone", "death_date": "Death date",
          "household_address_code": "Household address code", "residence_address_code": "Residence address code",
          "company_name": "Entity name", "company_type": "Entity type", "legal_rep_name": "Legal representative",
          "legal_rep_id_number": "Legal representative's ID number",
          "registered_capital": "Registered capital (10k yuan)",
          "established_on": "Established on", "registration_status": "Registration status", "domicile": "Domicile",
          "business_address": "Business address", "business_scope": "Business scope", "industry_code": "Industry",
          "tax_registration_status": "Tax registration status", "domicile_code": "Domicile address code",
          "business_address_code": "Business address code", "district_code": "District",
          "street_code": "Street or town", "road_name": "Road", "house_number": "Number",
          "building_number": "Building", "address": "Standard address", "longitude": "Longitude",
          "latitude": "Latitude", "id_input": "ID number as delivered", "credit_code_input": "Credit code as delivered",
          "id_number": "Citizen ID number", "credit_code": "Unified social credit code"}


def base_of(request: Request) -> str:
    """The base a page is about (``?base=``, population by default); 404 for a base there is not."""
    return reads.base_spec(request.query_params.get("base", DEFAULT)).name


def context(base: str, **extra: Any) -> dict[str, Any]:
    """What every base page's template needs: the base, the tabs and how fields are named."""
    return {"base": base, "bases": list(TITLES), "titles": TITLES, "labels": LABELS, "key_label": KEY_LABELS[base],
            **extra}


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
    base = base_of(request)
    view = reads.overview(db, actor, base)
    job = _jobs(request).get(base)
    names = {f.id: f.filename for f in service.list_feeds(db, actor)}
    return render(request, "registry_overview.html", context(
        base, view=view, job=job.as_dict() if job else None,
        can_build=allowed(actor, Action.REGISTRY_BUILD), feed_names=names,
        can_records=allowed(actor, Action.REGISTRY_RECORDS), notice=request.query_params.get("notice")))


@router.post("/registry/build", dependencies=[Csrf])
def start_build(request: Request, db: Db, actor: ActorDep,
                base: Annotated[str, Form(max_length=20)] = DEFAULT) -> RedirectResponse:
    base = reads.base_spec(base).name
    may_build(actor, base)
    settings, sessions = request.app.state.settings, request.app.state.sessions

    def run(job: Any) -> dict[str, Any]:
        report = build_base(sessions, actor, base, store=settings.feed_store, registry_dir=settings.registry_dir,
                            progress=job.tick)
        p = report.published
        return {"build": report.build_id, "created": p.created, "changed": p.changed, "retired": p.retired,
                "conflicts": report.conflicts}

    started = _jobs(request).start(base, run, lambda exc: _describe(request, exc))
    return RedirectResponse(f"/registry?base={base}" + ("" if started else "&notice=running"), status_code=303)


@router.get("/registry/progress")
def progress(request: Request, actor: ActorDep) -> JSONResponse:
    reads.may_read(actor)
    job = _jobs(request).get(base_of(request))
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


# Records, quarantine, reviews, conflicts ---------------------------------------------------------------------------

def _record_page(request: Request, db: Db, actor: Actor, base: str, key: str) -> HTMLResponse:
    reads.may_look_up(actor, base)
    found, error, status = None, None, 200
    if key.strip():
        try:
            found = attempt(db, reads.lookup, actor, base, key)
        except TongbanError as exc:
            error, status = gettext(request.state.lang, exc.message, **exc.params), exc.status
    codes = [name for name, (_, how) in BASES[base].derived_from.items() if how == "address"]
    return render(request, "registry_person.html", context(base, query=key, found=found, error=error,
                                                           address_codes=codes), status=status)


@router.get("/registry/records", response_class=HTMLResponse)
def record_view(request: Request, db: Db, actor: ActorDep, key: str = "") -> HTMLResponse:
    return _record_page(request, db, actor, base_of(request), key)


@router.get("/registry/people", response_class=HTMLResponse)
def person(request: Request, db: Db, actor: ActorDep, id: str = "") -> HTMLResponse:
    return _record_page(request, db, actor, "population", id)


@router.get("/registry/quarantine", response_class=HTMLResponse)
def quarantine(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    base = base_of(request)
    return render(request, "registry_quarantine.html", context(
        base, rows=reads.quarantine(db, actor, base), done=request.query_params.get("done"),
        can_accept=allowed(actor, Action.REGISTRY_RECORDS), can_correct=allowed(actor, Action.REGISTRY_DELIVER)))


@router.post("/registry/quarantine/{row_id}/accept", dependencies=[Csrf])
def accept(row_id: int, db: Db, actor: ActorDep, justification: Annotated[str, Form(max_length=2000)] = "",
           base: Annotated[str, Form(max_length=20)] = DEFAULT) -> RedirectResponse:
    attempt(db, service.accept_quarantined, actor, row_id, justification=justification)
    return RedirectResponse(f"/registry/quarantine?base={reads.base_spec(base).name}&done=accepted", status_code=303)


@router.post("/registry/quarantine/{row_id}/correct", dependencies=[Csrf])
async def correct(request: Request, row_id: int, db: Db, actor: ActorDep) -> RedirectResponse:
    form = await request.form()
    base = reads.base_spec(str(form.get("base", DEFAULT))).name
    values = {str(k)[2:]: str(v)[:500] for k, v in form.multi_items() if str(k).startswith("v:")}
    attempt(db, service.correct_quarantined, actor, row_id, values)
    return RedirectResponse(f"/registry/quarantine?base={base}&done=corrected", status_code=303)


@router.get("/registry/reviews", response_class=HTMLResponse)
def review_queue(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    base = base_of(request)
    return render(request, "registry_reviews.html", context(
        base, reviews=reads.reviews(db, actor, base), pairs=BASES[base].review,
        key=BASES[base].key, done=request.query_params.get("done")))


@router.post("/registry/reviews/{review_id}", dependencies=[Csrf])
def decide(review_id: int, db: Db, actor: ActorDep, decision: Annotated[str, Form()] = "",
           note: Annotated[str, Form(max_length=500)] = "",
           base: Annotated[str, Form(max_length=20)] = DEFAULT) -> RedirectResponse:
    attempt(db, service.decide_review, actor, review_id, decision=decision, note=note)
    done = "accepted" if decision == "accept" else "rejected"
    return RedirectResponse(f"/registry/reviews?base={reads.base_spec(base).name}&done={done}", status_code=303)


@router.get("/registry/conflicts", response_class=HTMLResponse)
def conflicts(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    base = base_of(request)
    return render(request, "registry_conflicts.html", context(
        base, conflicts=reads.conflicts(db, actor, base), can_answer=allowed(actor, Action.REGISTRY_DELIVER),
        done=request.query_params.get("done")))


@router.post("/registry/conflicts/{conflict_id}", dependencies=[Csrf])
def answer(conflict_id: int, db: Db, actor: ActorDep, answer: Annotated[str, Form()] = "confirmed",
           base: Annotated[str, Form(max_length=20)] = DEFAULT) -> RedirectResponse:
    attempt(db, service.answer_conflict, actor, conflict_id, confirmed=answer == "confirmed")
    return RedirectResponse(f"/registry/conflicts?base={reads.base_spec(base).name}&done=answered", status_code=303)
