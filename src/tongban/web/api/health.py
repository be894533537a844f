"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tongban.db import DatabaseUnavailable, check_connection, migration_state
from tongban.web.errors import MEDIA_TYPE, problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Answers as long as the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated")
async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is at the newest revision, else 503."""
    engine = request.app.state.engine
    try:
        await run_in_threadpool(check_connection, engine)
        current, head = await run_in_threadpool(migration_state, engine)
    except DatabaseUnavailable as exc:
        return JSONResponse(problem(request, 503, "not_ready", str(exc)), 503, media_type=MEDIA_TYPE)
    if current != head:
        detail = f"database at revision {current}, code expects {head}: run tongban db upgrade"
        return JSONResponse(problem(request, 503, "not_ready", detail), 503, media_type=MEDIA_TYPE)
    return JSONResponse({"status": "ready", "database": engine.dialect.name, "revision": current})
