"""Exchange API for department systems: look-ups by key, batches, filtered queries — granted items only, masked,
with provenance, every call audited before its response leaves.

Authentication: ``Authorization: Bearer <token>`` of an API client; the client is kept for ``TTL_SECONDS`` per
process by the token's SHA-256, so a revoked or expired token stops within seconds. For personal data the calling
official, purpose and case travel in ``X-Tongban-Official``, ``X-Tongban-Purpose``, ``X-Tongban-Case`` (modelled on
X-Road's ``X-Road-UserId`` and ``X-Road-Issue``; percent-encoded UTF-8 for Chinese). Every answer — data or
refusal — carries ``X-Tongban-Request-Id`` and ``X-Tongban-Response-Hash`` and is in the audit log (group commit:
the response waits for the commit that holds its record).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from tongban.audit import ActorRef, AuditEvent
from tongban.audit.group_commit import GroupCommit
from tongban.audit.unit_of_work import transaction
from tongban.errors import TongbanError, Unauthenticated
from tongban.exchange import gateway
from tongban.exchange.call_rules import canonical, clean_header, response_hash
from tongban.exchange.gateway import Answer, Call
from tongban.exchange.gateway_state import GatewayState
from tongban.i18n import gettext
from tongban.identity import service as identity
from tongban.identity.tokens import digest
from tongban.registry import serving
from tongban.registry.bases import POPULATION
from tongban.web import errors
from tongban.web.api.exchange_docs import (
    BATCH_EXAMPLE, COMMON_REFUSALS, LOOKUP_EXAMPLE, QUERY_EXAMPLE, BatchIn, BatchOut, LookupOut, QueryOut, ok, refusals,
)

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])

JSON_TYPE = "application/json"
MAX_BODY = 256 * 1024  # 1,000 keys with room to spare


# Calls reading the database at once: more would not run faster under one interpreter lock, and would take more
# connections than the pool keeps (a connection opened beyond it is closed after use, and a new SQLite connection
# parses the whole schema on its first statement).
DB_CALLS = 4


@dataclass
class ExchangeRuntime:
    """The exchange's per-process state of one app: the gateway's caches, the audit group commit, and the limit
    on calls reading the database at once."""

    sessions: sessionmaker[Session]
    state: GatewayState
    log: GroupCommit
    readers: anyio.CapacityLimiter
    auth_lock: threading.Lock


_RUNTIME_LOCK = threading.Lock()


def exchange_runtime(app: FastAPI) -> ExchangeRuntime:
    """The app's exchange runtime, made on first use."""
    found = getattr(app.state, "exchange_runtime", None)
    if found is None:
        with _RUNTIME_LOCK:
            found = getattr(app.state, "exchange_runtime", None)
            if found is None:
                found = ExchangeRuntime(app.state.sessions, GatewayState(), GroupCommit(app.state.engine),
                                        anyio.CapacityLimiter(DB_CALLS), threading.Lock())
                app.state.exchange_runtime = found
    return found


def forget_masking_rules(app: FastAPI) -> None:
    """A masking rule changed in this process: the next call reads the rules again."""
    runtime = getattr(app.state, "exchange_runtime", None)
    if runtime is not None:
        runtime.state.rules.invalidate()


@dataclass(frozen=True)
class ClientView:
    """An authenticated API client as the exchange needs it."""

    id: int
    key_id: str
    department_id: int
    expires_at: float | None  # epoch seconds


def _authenticate(runtime: ExchangeRuntime, key: str, token: str) -> ClientView:
    """Check the token against the database (a failure is audited by the unit of work), one token at a time so
    that a burst of calls with a new token checks it once."""
    with runtime.auth_lock:
        cached = runtime.state.clients.peek(key)
        if isinstance(cached, ClientView) and (cached.expires_at is None or cached.expires_at > time.time()):
            return cached
        for attempt in range(3):
            try:
                with transaction(runtime.sessions) as session:
                    client = identity.authenticate_client(session, token)
                    expires = client.expires_at.timestamp() if client.expires_at is not None else None
                    found = ClientView(client.id, client.key_id, client.department_id, expires)
                break
            except OperationalError:  # SQLite: the write of last_used_at met the audit writer's commit
                if attempt == 2:
                    raise
                time.sleep(0.01)
        runtime.state.clients.put(key, found)
        return found


async def exchange_client(request: Request) -> ClientView:
    """The API client behind ``Authorization: Bearer <token>``; unknown, revoked and expired tokens are refused
    (401) and audited (``client.authenticate``)."""
    runtime = exchange_runtime(request.app)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        error = Unauthenticated("An API token is required: send Authorization: Bearer <token>",
                                code="identity.token_required")
        await asyncio.wrap_future(runtime.log.submit(AuditEvent(
            "client.authenticate", ActorRef("anonymous"), "failed", "api_client",
            details={"reason": "no bearer token", "path": request.url.path})))
        raise error
    key = digest(token)
    cached = runtime.state.clients.peek(key)
    if not isinstance(cached, ClientView) or (cached.expires_at is not None and cached.expires_at <= time.time()):
        cached = await run_in_threadpool(_authenticate, runtime, key, token)
    return cached


ClientDep = Annotated[ClientView, Depends(exchange_client)]
Official = Annotated[str | None, Header(alias="X-Tongban-Official", description="The calling official's id in your "
                                        "system (X-Road-UserId). Required for personal data.", examples=["zhangwei01"])]
Purpose = Annotated[str | None, Header(alias="X-Tongban-Purpose", description="Why the data is needed; Chinese as "
                                       "percent-encoded UTF-8. Required for personal data.",
                                       examples=["%E5%B1%85%E4%BD%8F%E8%AF%81%E5%8A%9E%E7%90%86"])]
Case = Annotated[str | None, Header(alias="X-Tongban-Case", description="The case or application number "
                                    "(X-Road-Issue). Required for personal data.", examples=["SQ20261127-0042"])]
Items = Annotated[str | None, Query(description="Comma-separated item codes; default: every granted item the "
                                                "base holds.", examples=["name,birth_date"])]


def _problem(request: Request, exc: TongbanError) -> dict[str, Any]:
    """The problem+json body of a refusal (the one shape, built by ``web.errors.problem``)."""
    lang = request.state.lang
    fields = [{"field": e.field, "message": gettext(lang, e.message, **e.params), **({"rule": e.code} if e.code else {})}
              for e in exc.errors]
    return errors.problem(request, exc.status, exc.code, gettext(lang, exc.message, **exc.params), fields)


async def _answer(request: Request, client: ClientView, use_case: Callable[[Session, GatewayState, Call], Answer],
                  official: str | None, purpose: str | None, case: str | None) -> Response:
    """Run the use case, bind the response to the request, commit the audit record, then answer."""
    runtime = exchange_runtime(request.app)
    started = time.perf_counter()
    call = Call(client.id, client.key_id, client.department_id, os.urandom(16).hex(), clean_header(official),
                clean_header(purpose), clean_header(case))

    def run() -> tuple[Response, Future[int]]:
        with runtime.sessions() as session:
            try:
                outcome: Answer | TongbanError = use_case(session, runtime.state, call)
            except TongbanError as exc:
                if exc.audit is None:
                    raise
                outcome = exc
        headers = {"X-Tongban-Request-Id": call.request_id}
        if isinstance(outcome, Answer):
            status, body, event, media = outcome.status, outcome.body, outcome.event, JSON_TYPE
        else:
            status, body, event, media = outcome.status, _problem(request, outcome), outcome.audit, errors.MEDIA_TYPE
            body["request_id"] = call.request_id
            if "retry_after" in outcome.params:
                headers["Retry-After"] = str(outcome.params["retry_after"])
        text = canonical(body)
        headers["X-Tongban-Response-Hash"] = response_hash(
            request_id=call.request_id, method=request.method, path=request.scope["path"],
            query=request.scope["query_string"].decode("latin-1"), client=call.key_id, official=call.official,
            purpose=call.purpose, case=call.case, body=text)
        event = gateway.complete(event, response_hash=headers["X-Tongban-Response-Hash"],
                                 latency_ms=round((time.perf_counter() - started) * 1000, 2))
        return Response(text.encode(), status_code=status, media_type=media, headers=headers), runtime.log.submit(event)

    response, written = await anyio.to_thread.run_sync(run, limiter=runtime.readers)
    await asyncio.wrap_future(written)  # committed before the response leaves
    return response


@router.get("/resources/{code:path}/records/{key}", summary="Look up one record by key", response_model=None,
            responses={**ok(LookupOut, LOOKUP_EXAMPLE, "The granted items of the record, masked unless granted "
                            "clear, each with its source department and time."),
                       **refusals(*COMMON_REFUSALS, (404, "exchange.not_found", "没有 310115199001011234 的现行记录"))})
async def look_up(request: Request, code: str, key: str, client: ClientDep, official: Official = None,
                  purpose: Purpose = None, case: Case = None, items: Items = None) -> Response:
    """A person by citizen ID number, an entity by unified social credit code, an address by standard address
    code — whichever base serves the catalog resource ``code``. Only granted items are returned; personal items
    are masked (310***********1234, 138****5678, 张*明) unless the grant says clear. Every call, allowed or
    refused, is in the audit log, and in the data subject's record of who used their data."""
    return await _answer(request, client, lambda s, st, call: gateway.look_up(s, st, call, code, key, items=items),
                         official, purpose, case)


@router.post("/resources/{code:path}/records/batch", summary="Look up to 1,000 records by key", response_model=None,
             openapi_extra={"requestBody": {"required": True, "content": {JSON_TYPE: {
                 "schema": BatchIn.model_json_schema(),
                 "example": {"keys": ["310115199001011234", "31011519900101002X"], "items": ["name", "birth_date"]}}}}},
             responses={**ok(BatchOut, BATCH_EXAMPLE, "The records found, in the order asked, and the keys not found."),
                        **refusals(*COMMON_REFUSALS, (422, "exchange.invalid_body", "请求体须为 {\"keys\": [...]}"))})
async def look_up_batch(request: Request, code: str, client: ClientDep, official: Official = None,
                        purpose: Purpose = None, case: Case = None) -> Response:
    """``{"keys": [...], "items": [...]}``: up to 1,000 keys in one query; one malformed key refuses the whole
    batch, naming each (``keys[n]``). One audit record names every data subject returned."""
    raw = await request.body()
    try:
        payload = json.loads(raw) if len(raw) <= MAX_BODY else None
    except ValueError:
        payload = None
    return await _answer(request, client, lambda s, st, call: gateway.look_up_batch(s, st, call, code, payload),
                         official, purpose, case)


@router.get("/resources/{code:path}/records", summary="Query a non-personal resource", response_model=None,
            openapi_extra={"parameters": [{"name": "filter[item]", "in": "query", "required": False,
                                           "description": "Records whose granted, non-personal item equals the value "
                                                          "(repeat for several items), e.g. filter[district_code]=310115",
                                           "schema": {"type": "string"}}]},
            responses={**ok(QueryOut, QUERY_EXAMPLE, "A page of records in key order."),
                       **refusals(*COMMON_REFUSALS, (403, "exchange.personal_query", "条件查询仅适用于非个人数据资源"))})
async def query_records(request: Request, code: str, client: ClientDep, official: Official = None,
                        purpose: Purpose = None, case: Case = None, items: Items = None,
                        after: Annotated[str | None, Query(description="The key to continue after (the previous "
                                                                       "page's next).")] = None,
                        limit: Annotated[str | None, Query(description="Records per page, 1 to 1,000 (default "
                                                                       "100).", examples=["100"])] = None) -> Response:
    """Keyset pagination (``WHERE key > :after ORDER BY key LIMIT n``) over resources whose granted items are all
    non-personal — with personal items granted the answer is 403 ``exchange.personal_query``: look those up by key."""
    filters = {name[7:-1]: value for name, value in request.query_params.multi_items()
               if name.startswith("filter[") and name.endswith("]")}
    return await _answer(request, client, lambda s, st, call: gateway.query_records(
        s, st, call, code, filters=filters, after=after, limit=limit, items=items), official, purpose, case)


if os.environ.get("TONGBAN_BENCH_FLOOR") == "1":  # bench/exchange.py only: never registered in production
    @router.get("/bench-floor/{code:path}/records/{key}", include_in_schema=False)
    async def bench_floor(request: Request, code: str, key: str, items: str | None = None) -> Response:
        """The floor of the benchmark: the same look-up alone (no authentication, grant, masking, audit)."""
        runtime = exchange_runtime(request.app)
        columns = [c for c in (items or "").split(",") if c] or list(POPULATION.columns)

        def run() -> bytes:
            with runtime.sessions() as session:
                found = serving.fetch_one(session, POPULATION, key, columns)
            body = {"resource": code, "record": None if found is None else {
                "key": found.key, "fields": {c: {"value": found.values[c], "source": found.sources.get(c)}
                                             for c in columns}}}
            return canonical(body).encode()

        return Response(await anyio.to_thread.run_sync(run, limiter=runtime.readers), media_type=JSON_TYPE)

