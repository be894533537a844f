"""Page rendering: templates get the language, the user, the role's navigation and the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.identity.policy import ROLE_LABELS, Action, Role, allowed
from tongban.identity.service import actor_for
from tongban.standards import mask_citizen_id
from tongban.web.deps import CSRF_COOKIE, csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals["ROLE_LABELS"] = {str(k): v for k, v in ROLE_LABELS.items()}
TEMPLATES.env.globals["mask_id"] = mask_citizen_id


@dataclass(frozen=True)
class NavItem:
    """One entry of the role-aware navigation."""

    label: str
    href: str
    action: Action | None
    description: str = ""


NAV = (
    NavItem("Home", "/", None),
    NavItem("Data catalog", "/catalog", Action.CATALOG_READ,
            "Search every department's shared data resources down to their data items."),
    NavItem("My resources", "/catalog/mine", Action.CATALOG_EDIT,
            "Register your department's data resources, submit them for review and read the reviewer's comments."),
    NavItem("Review queue", "/catalog/review", Action.CATALOG_REVIEW,
            "Approve or return the resources and revisions departments have submitted."),
    NavItem("Catalog statistics", "/catalog/stats", Action.CATALOG_READ,
            "Resources, data items and sharing types per department; restrictions without a legal basis."),
    NavItem("Base databases", "/registry", Action.REGISTRY_READ,
            "Golden records of the population base from the departments' feeds; builds, quarantine, conflicts."),
    NavItem("Data sharing", "/exchange/requests", Action.EXCHANGE_READ,
            "Apply for other departments' data, answer requests for yours within the time limit, grants, "
            "doubtful data, change subscriptions and exchange statistics."),
    NavItem("My data-use record", "/me/data-use", Action.DATAUSE_VIEW,
            "Every access to your data by a department: when, who, which data, for what purpose and case."),
    NavItem("Working-day calendar", "/exchange/calendar", Action.CALENDAR_LOAD,
            "Public holidays and make-up working days that time limits count; load each year's schedule."),
    NavItem("Departments", "/admin/departments", Action.DEPARTMENT_MANAGE,
            "Register the city's departments with their credit and division codes."),
    NavItem("Users", "/admin/users", Action.USER_LIST, "Accounts and roles of citizens, companies and staff."),
    NavItem("API clients", "/clients", Action.CLIENT_LIST,
            "Tokens with which department systems call the exchange API."),
    NavItem("Audit log", "/audit", Action.AUDIT_READ,
            "Who did what and when; verify that no record was altered, deleted or reordered."),
    NavItem("My account", "/account", Action.ACCOUNT_VIEW, "Your profile, recent sign-ins and password."),
)


# How form fields are named to people (English msgids); the API keeps the field identifiers.
FIELD_LABELS = {
    "name": "Name", "display_name": "Name", "short_name": "Short name", "username": "Username", "role": "Role",
    "department_id": "Department", "id_number": "ID number", "company_credit_code": "Company credit code",
    "company_name": "Company name", "password": "Password", "current_password": "Current password",
    "new_password": "New password", "credit_code": "Unified social credit code", "division_code": "Division code",
    "parent_id": "Parent", "expires_at": "Expires",
    # the catalog's resources and data items
    "class_code": "Classification", "abstract": "Abstract", "format": "Format", "sharing_type": "Sharing type",
    "sharing_condition": "Sharing condition", "share_methods": "Sharing method", "open_type": "Open type",
    "open_condition": "Open condition", "update_cycle": "Update cycle", "legal_basis": "Legal basis",
    "related_codes": "Related resources", "record_count": "Record count", "code": "Resource code",
    "department": "Provider", "items": "Data items", "items.name": "Data item name", "items.code": "Data item code",
    "items.data_type": "Data type", "items.length": "Length", "items.description": "Description",
    "items.personal": "Personal information", "items.sensitivity": "Sensitivity",
    "items.authoritative": "Authoritative source", "comment": "Comment", "reason": "Reason",
}


def form_failure(request: Request, exc: TongbanError) -> dict[str, Any]:
    """The error banner for a form: the message, and each field's problem under its label."""
    lang = getattr(request.state, "lang", "zh-CN")
    fields = {gettext(lang, FIELD_LABELS.get(e.field, e.field)): gettext(lang, e.message, **e.params)
              for e in exc.errors}
    message = gettext(lang, exc.message, **exc.params)
    if len(fields) == 1 and message in fields.values():  # one problem: say it once, with its field
        label, text = next(iter(fields.items()))
        return {"error": f"{label}：{text}" if lang == "zh-CN" else f"{label}: {text}", "field_errors": {}}
    return {"error": message, "field_errors": fields}


def navigation(user: Any) -> list[NavItem]:
    """The entries this user may open."""
    if user is None:
        return [NAV[0]]
    actor = actor_for(user)
    return [item for item in NAV if item.action is None or allowed(actor, item.action)]


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page in the request's language, setting the CSRF cookie when it is new."""
    lang = getattr(request.state, "lang", "zh-CN")
    user = getattr(request.state, "user", None)

    def _(msgid: str, **params: Any) -> str:
        return gettext(lang, msgid, **params)

    ctx = {
        "request": request, "_": _, "lang": lang, "user": user, "nav": navigation(user),
        "role": Role(user.role) if user is not None else None, "csrf_token": csrf_token(request),
        "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""), **(context or {}),
    }
    response = TEMPLATES.TemplateResponse(request, template, ctx, status_code=status, headers=headers)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        response.set_cookie(CSRF_COOKIE, new_cookie, httponly=True, samesite="strict",
                            secure=request.app.state.settings.secure_cookies)
    return response
