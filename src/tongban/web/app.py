"""The web application: ``create_app(settings)`` wires pages, API, errors and the periodic jobs (audit checkpoint,
sharing sweep, webhook delivery: ``web.background``)."""

from __future__ import annotations

import contextlib
import gc
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path
from starlette.concurrency import run_in_threadpool

from tongban.audit import bind_request, unbind_request
from tongban.audit.signing import load_or_create_signer
from tongban.config import Settings
from tongban.db import make_engine, make_session_factory
from tongban.i18n import SUPPORTED
from tongban.exchange import webhooks
from tongban.web import background, errors
from tongban.web.api import catalog as catalog_api
from tongban.web.api import registry as registry_api
from tongban.web.api import registry_quality as registry_quality_api
from tongban.web.api import exchange as exchange_api
from tongban.web.api import exchange_disputes as exchange_disputes_api
from tongban.web.api import exchange_subscriptions as exchange_subscriptions_api
from tongban.web.api import health, identity as identity_api
from tongban.web.deps import LANG_COOKIE
from tongban.web.pages import account, admin, audit, auth, catalog, catalog_edit, catalog_io, home
from tongban.web.pages import datause as datause_pages
from tongban.web.pages import exchange_calendar as exchange_calendar_pages
from tongban.web.pages import exchange_disputes as exchange_disputes_pages
from tongban.web.pages import exchange_masking as exchange_masking_pages
from tongban.web.pages import exchange_sharing as exchange_sharing_pages
from tongban.web.pages import exchange_subscriptions as exchange_subscriptions_pages
from tongban.web.pages import registry as registry_pages
from tongban.web.pages import registry_quality as registry_quality_pages

log = logging.getLogger("tongban.web")

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'",
}


def settle_heap() -> None:
    """Call once before serving: what start-up built (some 350,000 objects: modules, routes, templates, mappers)
    is moved out of the garbage collector's reach. A full collection walked all of it — over 100 ms on this
    machine — and landed on whichever call was running (the 1,000-key batch's p99)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings) -> FastAPI:
    """Build the application for ``settings`` (no global state: tests build one per database)."""
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    sessions = make_session_factory(engine)
    signer = load_or_create_signer(settings.audit_key_path)

    @contextlib.asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        sender: webhooks.HttpSender | None = None
        try:
            sender = webhooks.HttpSender() if settings.webhook_interval_seconds else None
            async with background.running(background.jobs(settings, sessions, signer, sender)):
                yield
        finally:
            exchange = getattr(running.state, "exchange_runtime", None)
            if exchange is not None:  # the exchange's audit writer: its last batch is committed before we go
                await run_in_threadpool(exchange.log.close)
            with contextlib.suppress(Exception):
                await run_in_threadpool(background.sign_head, sessions, signer)
            if sender is not None:
                sender.close()
            engine.dispose()

    app = FastAPI(
        title="Tongban 通办 API", version="0.1.0", lifespan=lifespan,
        docs_url=None, openapi_url="/api/openapi.json", redoc_url=None,
        description="Data-sharing backbone of one-stop government services. Authenticate with "
                    "`Authorization: Bearer <token>` (an API client created by a department data admin).",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.signer = signer
    app.state.secret = settings.secret()

    @app.middleware("http")
    async def _context(request: Request, call_next):  # type: ignore[no-untyped-def]
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = request_id
        chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
        request.state.lang = chosen if chosen in SUPPORTED else settings.language
        request.state.user = None
        token = bind_request(request_id)
        try:
            response = await call_next(request)
        except Exception as exc:  # answered here so that a 500 carries the request id and security headers too
            response = errors.unexpected(request, exc)
        finally:
            unbind_request(token)
        response.headers["X-Request-ID"] = request_id
        response.headers["Content-Language"] = request.state.lang
        for name, value in _SECURITY_HEADERS.items():
            if not request.url.path.startswith("/api/docs"):
                response.headers.setdefault(name, value)
        return response

    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.mount("/api/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Swagger UI served from the package (no CDN: government networks are often closed)."""
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Tongban 通办 API",
                                   swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/api/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/api/docs-assets/favicon-32x32.png")

    for module in (health, identity_api, catalog_api, registry_api, registry_quality_api, exchange_api,
                   exchange_disputes_api, exchange_subscriptions_api):
        app.include_router(module.router)
    for page in (home, auth, account, admin, audit, catalog, catalog_edit, catalog_io, registry_pages,
                 registry_quality_pages, exchange_calendar_pages, exchange_sharing_pages, exchange_masking_pages,
                 datause_pages, exchange_disputes_pages, exchange_subscriptions_pages):
        app.include_router(page.router)
    return app
