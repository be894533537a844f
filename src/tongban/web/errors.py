"""The one error shape: RFC 9457 problem+json for the API, a friendly page for people. Built only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tongban.errors import TongbanError
from tongban.i18n import gettext
from tongban.web.deps import LoginRequired

log = logging.getLogger("tongban.web")

PROBLEM_TYPE = "https://tongban.example/problems/"
MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 422: "Invalid input", 429: "Too many attempts", 500: "Internal error", 503: "Busy",
}


def problem(
    request: Request, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The problem+json body; every API error goes through here."""
    lang = getattr(request.state, "lang", "zh-CN")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": gettext(lang, _TITLES.get(status, "Error")),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if errors:
        body["errors"] = errors
    return body


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/readyz")


def _respond(request: Request, status: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse(problem(request, status, code, detail, errors), status_code=status,
                            media_type=MEDIA_TYPE, headers=headers)
    from tongban.web.render import render

    user = getattr(request.state, "user", None)
    if user is not None and sa_inspect(user).detached:
        # The request's unit of work was rolled back and closed before this handler ran, expiring the user:
        # read it again for the page header (or leave it out when the database itself is failing).
        try:
            with request.app.state.sessions() as session:
                request.state.user = session.get(type(user), sa_inspect(user).identity)
        except SQLAlchemyError:
            request.state.user = None
    return render(request, "error.html", {"status": status, "code": code, "detail": detail, "errors": errors or []},
                  status=status, headers=headers)


def _domain_error(request: Request, exc: TongbanError) -> Response:
    lang = getattr(request.state, "lang", "zh-CN")
    errors = [
        {"field": e.field, "message": gettext(lang, e.message, **e.params), **({"row": e.row} if e.row else {}),
         **({"rule": e.code} if e.code else {})}
        for e in exc.errors
    ]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 and _wants_json(request) else None
    return _respond(request, exc.status, exc.code, gettext(lang, exc.message, **exc.params), errors, headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the one shape."""

    @app.exception_handler(TongbanError)
    async def _tongban(request: Request, exc: TongbanError) -> Response:
        return _domain_error(request, exc)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return _respond(request, 401, "unauthenticated", gettext(request.state.lang, "Please log in"))
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        lang = request.state.lang
        errors = [{"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path", "form")),
                   "message": e["msg"]} for e in exc.errors()]
        return _respond(request, 422, "invalid_input", gettext(lang, "Some values are not valid"), errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        lang = request.state.lang
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = gettext(lang, _TITLES.get(exc.status_code, "Error"))
        return _respond(request, exc.status_code, code, detail)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return unexpected(request, exc)


def unexpected(request: Request, exc: Exception) -> Response:
    """A 500 with the request id and nothing of the exception; the details go to the server log. SQLite's
    "database is locked" (another change committed while this one's transaction was open) is a 503 to try again."""
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        log.warning("database busy (request %s)", getattr(request.state, "request_id", "-"))
        detail = gettext(getattr(request.state, "lang", "zh-CN"),
                         "The database is busy with another change. Please try again in a moment.")
        return _respond(request, 503, "database_busy", detail, headers={"Retry-After": "1"})
    log.error("unhandled error (request %s)", getattr(request.state, "request_id", "-"), exc_info=exc)
    detail = gettext(getattr(request.state, "lang", "zh-CN"),
                     "Something went wrong on our side. Quote request id {request_id}.",
                     request_id=getattr(request.state, "request_id", "-"))
    return _respond(request, 500, "internal_error", detail)
