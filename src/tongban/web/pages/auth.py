"""Login, logout and the language switch."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tongban.audit.unit_of_work import transaction
from tongban.errors import Locked, Unauthenticated
from tongban.i18n import SUPPORTED, gettext
from tongban.identity import service as identity
from tongban.identity.model import User
from tongban.web.deps import LANG_COOKIE, SESSION_COOKIE, Csrf, Db, require_user, serializer, session_token
from tongban.web.render import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """The login page."""
    return render(request, "login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", response_class=HTMLResponse, dependencies=[Csrf])
async def login(
    request: Request, username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials, open a session and set the cookie; failures slow down, then lock."""
    settings = request.app.state.settings

    def _attempt() -> str:
        with transaction(request.app.state.sessions) as session:
            user = identity.authenticate(session, username=username, password=password)
            return identity.start_session(session, user, hours=settings.session_hours)

    try:
        raw = await run_in_threadpool(_attempt)
    except (Unauthenticated, Locked) as exc:
        delay = float(exc.params.get("delay", 0)) * settings.login_slowdown_seconds
        if delay:
            await asyncio.sleep(delay)
        message = gettext(request.state.lang, exc.message, **exc.params)
        return render(request, "login.html", {"next": _safe_next(next), "username": username, "error": message},
                      status=exc.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, serializer(request, "session").dumps(raw), httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_hours * 3600)
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, db: Db, user: Annotated[User, Depends(require_user)]) -> Response:
    """End the session and clear the cookie."""
    raw = session_token(request)
    if raw:
        identity.logout(db, identity.actor_for(user), raw)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in SUPPORTED:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 24 * 3600)
    return response
