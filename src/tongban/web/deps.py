"""Request dependencies: the unit of work, who is calling, CSRF. Every route names one of the auth ones."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from tongban.audit import ActorRef, AuditEvent, record
from tongban.audit.unit_of_work import transaction
from tongban.errors import PermissionDenied, TongbanError, Unauthenticated
from tongban.identity import service as identity
from tongban.identity.model import ApiClient, User
from tongban.identity.policy import Actor

SESSION_COOKIE = "tb_session"
CSRF_COOKIE = "tb_csrf"
LANG_COOKIE = "tb_lang"
CSRF_FIELD = "csrf_token"

T = TypeVar("T")

# The only routes reachable without logging in or presenting a token (checked by tests/web/test_routes.py).
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/lang/{code}"),
    ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/static"),
    ("GET", "/api/docs"), ("GET", "/api/openapi.json"),
})


def attempt(db: Session, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a use case in a savepoint so a page can show its error in the form: the failed work is undone,
    its audit event (a denial, a failed check) is kept in the request's transaction, and the error re-raised.

    The error keeps its event: when the page lets it propagate, the request's transaction rolls back — this record
    with it — and records the event again after the rollback, so it is written exactly once either way."""
    try:
        with db.begin_nested():
            return use_case(db, *args, **kwargs)
    except TongbanError as exc:
        if exc.audit is not None:
            record(db, exc.audit)
        raise


class LoginRequired(Exception):
    """A page needs a logged-in user; the app redirects to the login page."""


def serializer(request: Request, purpose: str) -> URLSafeSerializer:
    """A signer for cookies, salted by purpose."""
    return URLSafeSerializer(request.app.state.secret, salt=f"tongban.{purpose}")


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response leaves; domain errors keep their audit event."""
    with transaction(request.app.state.sessions) as session:
        yield session


# scope="function": commit (and write the audit record) before the response is sent, not after.
Db = Annotated[Session, Depends(get_db, scope="function")]


def session_token(request: Request) -> str | None:
    """The raw login-session token from the signed cookie, if any."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return str(serializer(request, "session").loads(cookie))
    except BadSignature:
        return None


def optional_user(request: Request, db: Db) -> User | None:
    """The logged-in user, or None (public pages that change with login)."""
    raw = session_token(request)
    user = identity.find_session_user(db, raw) if raw else None
    request.state.user = user
    return user


def require_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """A logged-in user, else a redirect to the login page."""
    if user is None:
        raise LoginRequired()
    return user


def current_actor(user: Annotated[User, Depends(require_user)]) -> Actor:
    """The policy's view of the logged-in user."""
    return identity.actor_for(user)


def require_client(request: Request, db: Db) -> ApiClient:
    """The API client behind ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("An API token is required: send Authorization: Bearer <token>",
                              code="identity.token_required",
                              audit=AuditEvent("client.authenticate", ActorRef("anonymous"), "failed", "api_client",
                                               details={"reason": "no bearer token", "path": request.url.path}))
    client = identity.authenticate_client(db, token.strip())
    request.state.client = client
    return client


def client_actor(client: Annotated[ApiClient, Depends(require_client)]) -> Actor:
    """The policy's view of the calling API client."""
    return identity.actor_for_client(client)


CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_actor(request: Request, db: Db) -> Actor:
    """Who calls the API: a department system with its bearer token, or a user logged in to the portal (the
    operator reviewing, a data admin from the browser). A user's state-changing calls must send the CSRF token in
    the ``X-CSRF-Token`` header, as forms do in their field. Each then gets exactly what its role allows."""
    if request.headers.get("authorization") or not request.cookies.get(SESSION_COOKIE):
        return identity.actor_for_client(require_client(request, db))
    user = optional_user(request, db)
    if user is None:
        raise Unauthenticated("Your session has ended: log in again, or send Authorization: Bearer <token>",
                              code="identity.session_expired")
    if request.method not in _SAFE_METHODS and not _csrf_matches(request, request.headers.get(CSRF_HEADER, "")):
        raise PermissionDenied("A call from a logged-in browser must send the X-CSRF-Token header",
                               code="web.csrf")
    return identity.actor_for(user)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page (the cookie holds its signed form)."""
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return existing
    cookie = request.cookies.get(CSRF_COOKIE)
    token = None
    if cookie:
        try:
            token = str(serializer(request, "csrf").loads(cookie))
        except BadSignature:
            token = None
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = serializer(request, "csrf").dumps(token)
    request.state.csrf_token = token
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse a form post whose token does not match the signed cookie (double submit)."""
    form = await request.form()
    if not _csrf_matches(request, str(form.get(CSRF_FIELD, ""))):
        raise PermissionDenied("The form has expired or was not sent from this site. Reload the page and try again.",
                               code="web.csrf")


def _csrf_matches(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    try:
        expected = str(serializer(request, "csrf").loads(cookie)) if cookie else ""
    except BadSignature:
        expected = ""
    return bool(sent and expected and hmac.compare_digest(sent, expected))


Csrf = Depends(csrf_protect)
