"""The base's quality report page (GB/T 36344's six dimensions, per feed and per field) and its JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from tongban.identity.policy import Actor
from tongban.registry.quality_reads import quality_report
from tongban.web.deps import Db, current_actor
from tongban.web.pages.registry import LABELS, base_of, context
from tongban.web.render import render

router = APIRouter(include_in_schema=False)
ActorDep = Annotated[Actor, Depends(current_actor)]


def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the template translates it."""
    return message


DIMENSION_LABELS = {"conformance": _("Conformance"), "completeness": _("Completeness"), "accuracy": _("Accuracy"),
                    "consistency": _("Consistency"), "timeliness": _("Timeliness"),
                    "accessibility": _("Accessibility")}
# Items and golden fields as pages name them; an item without a label shows its code.
ITEM_LABELS = {
    "id_number": _("Citizen ID number"), "name": _("Name"), "sex": _("Sex"), "birth_date": _("Birth date"),
    "ethnicity": _("Ethnicity"), "household_address": _("Household address"),
    "residence_address": _("Residence address"), "marital_status": _("Marital status"),
    "insurance_status": _("Insurance status"), "employer_credit_code": _("Employer"), "phone": _("Phone"),
    "death_date": _("Death date"), "registered_on": _("Registration date"), "updated_on": _("Update date"),
    **{k: v for k, v in LABELS.items() if k not in ("id_number", "name")},
}
CYCLE_LABELS = {"realtime": _("Real time"), "daily": _("Daily"), "weekly": _("Weekly"), "monthly": _("Monthly"),
                "quarterly": _("Quarterly"), "half_yearly": _("Half-yearly"), "yearly": _("Yearly"),
                "irregular": _("Irregular")}


@router.get("/registry/quality", response_class=HTMLResponse)
def quality(request: Request, db: Db, actor: ActorDep) -> HTMLResponse:
    base = base_of(request)
    return render(request, "registry_quality.html", context(
        base, report=quality_report(db, actor, base), dimension_labels=DIMENSION_LABELS, item_labels=ITEM_LABELS,
        cycle_labels=CYCLE_LABELS))


@router.get("/registry/quality.json")
def quality_json(request: Request, db: Db, actor: ActorDep) -> JSONResponse:
    return JSONResponse(quality_report(db, actor, base_of(request)) or {})
