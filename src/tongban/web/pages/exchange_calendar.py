"""The working-day calendar page: loaded years and where they come from, a year's holidays and make-up working days,
the operator's upload of a year's schedule, and a small form that computes a deadline."""

from __future__ import annotations

from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from tongban.errors import InvalidInput
from tongban.exchange import queries
from tongban.exchange import service as calendar
from tongban.exchange.schedule import parse_date
from tongban.exchange.workdays import today_in_china
from tongban.i18n import gettext
from tongban.identity.policy import Action, Actor, allowed
from tongban.web.deps import Csrf, Db, attempt, current_actor
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


async def _posted_form(request: Request) -> FormData:
    """The posted multipart form (the CSRF check has already parsed it)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_posted_form)]

MAX_UPLOAD = 1024 * 1024  # a year's schedule is a few dozen rows
MAX_DAYS = 365
DEFAULT_DAYS = 10  # the national time limit for answering a conditional request (standards §3)


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


KIND_LABELS = {"holiday": _("Holiday"), "makeup_workday": _("Make-up working day")}
FIELD_LABELS = {"date": _("Date"), "kind": _("Kind"), "name": _("Name"), "extra": _("Extra values"),
                "year": _("Year"), "source": _("Taken from"), "rows": _("Rows")}


def _year(value: str | None, default: int) -> int:
    return int(value) if value and value.strip().isdigit() and len(value.strip()) == 4 else default


def _deadline(request: Request, db: Session) -> dict[str, Any]:
    """The deadline form's values and, when it was sent, its result or what is wrong with it."""
    params, lang = request.query_params, request.state.lang
    raw_from, raw_days = params.get("from", "").strip(), params.get("days", "").strip()
    form = {"from": raw_from or today_in_china().isoformat(), "days": raw_days or str(DEFAULT_DAYS)}
    if not raw_from and not raw_days:
        return {"deadline_form": form}
    start = parse_date(form["from"])
    if start is None:
        return {"deadline_form": form, "deadline_error": gettext(lang, "{value} is not a date (YYYY-MM-DD)",
                                                                 value=form["from"])}
    if not form["days"].isdigit() or int(form["days"]) > MAX_DAYS:
        return {"deadline_form": form, "deadline_error": gettext(
            lang, "The time limit is a whole number of working days from 0 to {max}", max=MAX_DAYS)}
    cal = calendar.snapshot(db)
    due = cal.add_working_days(start, int(form["days"]))
    return {"deadline_form": form, "deadline": {"start": start, "days": int(form["days"]), "due": due.due,
                                                "estimated": due.estimated,
                                                "missing": cal.years_not_loaded(start, due.due)}}


def _page(request: Request, db: Session, actor: Actor, year: int, *, status: int = 200,
          **context: Any) -> HTMLResponse:
    locale, this_year = request.state.lang.replace("-", "_"), today_in_china().year
    return render(request, "exchange_calendar.html", {
        "view": queries.view_year(db, actor, year), "may_load": allowed(actor, Action.CALENDAR_LOAD),
        "kind_labels": KIND_LABELS, "weekday": lambda d: format_date(d, "EEEE", locale=locale),
        "this_year": this_year, "problems": [],
        "upload": {"year": str(year if year > this_year else this_year + 1), "source": ""},  # next year's, usually
        **_deadline(request, db), **context,
    }, status=status)


def _problems(request: Request, exc: InvalidInput) -> list[dict[str, Any]]:
    lang = request.state.lang
    return [{"row": e.row or "", "field": gettext(lang, FIELD_LABELS.get(e.field, e.field)),
             "message": gettext(lang, e.message, **e.params), "rule": e.code or ""} for e in exc.errors]


@router.get("/exchange/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    """The calendar for one year (default: this year in China) and the deadline form."""
    return _page(request, db, actor, _year(request.query_params.get("year"), today_in_china().year))


@router.post("/exchange/calendar", response_class=HTMLResponse, dependencies=[Csrf])
def load_schedule(request: Request, db: Db, actor: ActorDep, form: FormDep) -> HTMLResponse:
    """The operator loads a year's schedule from a CSV file; every row is checked and the problems listed."""
    lang = request.state.lang
    raw_year, source = str(form.get("year", "")).strip(), str(form.get("source", ""))[:400]
    year = _year(raw_year, 0)
    calendar.may_load(actor, year or None)  # outside the savepoint below, so that a refusal keeps its audit record
    upload = form.get("file")
    data = upload.file.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
    name = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1][:200]
    shown = year or today_in_china().year
    sent = {"year": raw_year, "source": source}
    if not data or len(data) > MAX_UPLOAD:
        message = _("Choose the schedule's CSV file.") if not data else _("The file is larger than 1 MB.")
        return _page(request, db, actor, shown, status=422, upload=sent, load_error=gettext(lang, message))
    try:
        entry = attempt(db, calendar.load_file, actor, year, data, name, source=source.strip() or None)
    except InvalidInput as exc:
        return _page(request, db, actor, shown, status=422, upload=sent, problems=_problems(request, exc),
                     load_error=gettext(lang, exc.message, **exc.params))
    return _page(request, db, actor, entry.year, notice=gettext(
        lang, "Loaded {year} from {source}", year=entry.year, source=entry.source))
