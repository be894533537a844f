"""Change subscriptions: a department's system pulls a base's change events with a cursor, or has them pushed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from tongban.exchange import subscriptions as subs
from tongban.exchange.call_rules import clean_header, response_hash
from tongban.exchange.model import Subscription
from tongban.identity.policy import Actor
from tongban.web.deps import Db, client_actor

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
ClientActor = Annotated[Actor, Depends(client_actor)]

_TYPES = """Event types, and the fields whose change raises them — a type may be subscribed to only when the grant
covers one of its fields, and only granted fields raise it:

| type | population base | legal-entity base |
|---|---|---|
| `death` | `death_date` | — |
| `move` | `household_address`, `residence_address` | `domicile`, `business_address` |
| `marriage` | `marital_status` | — |
| `deregistration` | the record retired | `registration_status` now 注销 or 吊销; the record retired |
| `created` | a record appeared | a record appeared |
| `changed` | any granted field changed | any granted field changed |

The grant must include the base's key (`id_number`, `credit_code`, `address_code`)."""


def call_context(
    official: Annotated[str | None, Header(alias="X-Tongban-Official", description="The official's id.")] = None,
    purpose: Annotated[str | None, Header(alias="X-Tongban-Purpose", description="Why the data is needed.")] = None,
    case: Annotated[str | None, Header(alias="X-Tongban-Case", description="The case or application number.")] = None,
) -> subs.CallContext:
    """Who asks and why (required for personal data; percent-encode UTF-8 to send Chinese)."""
    return subs.CallContext(clean_header(official) or "", clean_header(purpose) or "", clean_header(case) or "")


Context = Annotated[subs.CallContext, Depends(call_context)]


class SubscriptionIn(BaseModel):
    """What to follow: a grant of your department, the event types (none: every type the grant allows), and
    optionally a webhook to push them to."""

    grant_id: int
    events: list[str] = Field(default_factory=list, examples=[["death", "move"]])
    webhook_url: str | None = Field(default=None, max_length=500, examples=["https://mz.example.gov.cn/hooks"])


class SubscriptionOut(BaseModel):
    """A subscription. ``cursor``: where it began (pass it to the first pull). ``webhook_secret`` is shown only in
    the answer to the subscription: keep it to verify deliveries."""

    id: int
    grant_id: int
    base: str
    events: list[str]
    cursor: int
    webhook_url: str | None
    webhook_secret: str | None = None
    created_at: dt.datetime

    @classmethod
    def of(cls, sub: Subscription, secret: str | None = None) -> SubscriptionOut:
        return cls(id=sub.id, grant_id=sub.grant_id, base=sub.base, events=list(sub.events), cursor=sub.start_seq,
                   webhook_url=sub.webhook_url, webhook_secret=secret, created_at=sub.created_at)


class SourceOut(BaseModel):
    """Where a value came from: the department whose feed supplied it, and when it was true."""

    department_id: int | None
    department: str
    at: str


class ValueOut(BaseModel):
    """A granted field of the record as it is now, with its source — as the exchange API's look-ups give it."""

    value: Any
    masked: str | None = Field(description="The masking rule applied (null: the value is clear).")
    source: SourceOut | None


class EventOut(BaseModel):
    """One change of one record."""

    seq: int = Field(description="The change's number in the base's log; the cursor counts these.")
    key: Any = Field(description="The record's key (masked unless the grant has it in clear).")
    change: str = Field(description="created | changed | retired")
    types: list[str] = Field(description="The subscribed event types this change is.")
    fields: list[str] = Field(description="The granted fields that changed.")
    at: dt.datetime
    retired: bool = Field(description="The record is retired now: no values are given.")
    values: dict[str, ValueOut]


class EventsOut(BaseModel):
    """Events after the cursor and the cursor to pull from next; ``more``: pull again at once."""

    subscription: int
    events: list[EventOut]
    next_cursor: int
    more: bool


@router.post("/subscriptions", response_model=SubscriptionOut, status_code=201, summary="Subscribe to changes",
             description=_TYPES + """

The subscription follows the base serving the grant's resource from now on. With `webhook_url`, batches of events
are POSTed there as JSON with `X-Tongban-Delivery` (the batch id, the same on retries), `X-Tongban-Timestamp` (Unix
seconds) and `X-Tongban-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with `webhook_secret`
(returned once, here). Verify the signature over the raw body and refuse timestamps more than 5 minutes old. Answer
2xx to acknowledge; anything else is retried after 1, 2, 4 … minutes (at most an hour apart), 8 attempts in all.""")
def subscribe(request: Request, db: Db, actor: ClientActor, context: Context, body: SubscriptionIn) -> SubscriptionOut:
    made = subs.subscribe(db, actor, grant_id=body.grant_id, events=body.events, context=context,
                          webhook_url=body.webhook_url, platform_key=request.app.state.secret)
    return SubscriptionOut.of(made.subscription, made.secret)


@router.get("/subscriptions/{subscription_id}/events", response_model=EventsOut, summary="Pull change events",
            description="""Events with a seq above `cursor` — the last seq you saw (start with the subscription's
`cursor`) — in seq order, filtered to the subscription's event types and the grant's items, masked as the grant
says. Store `next_cursor` once you have processed the events and pull from it: nothing is lost or repeated. Pulling
again with the same cursor returns the same events. A pull touching personal data needs `X-Tongban-Official`,
`X-Tongban-Purpose` and `X-Tongban-Case`; each pull is audited and shows in the data subjects' data-use record.
As with the exchange API's look-ups, the answer carries `X-Tongban-Request-Id` and `X-Tongban-Response-Hash`, the
hash that binds this body to this request (kept in the audit record).""")
def events(request: Request, db: Db, actor: ClientActor, context: Context, subscription_id: int,
           cursor: Annotated[str, Query(description="The last seq you saw (a whole number).")] = "0",
           limit: Annotated[str, Query(description="At most this many events (1–1000).")] = str(subs.DEFAULT_LIMIT)
           ) -> Response:
    request_id = request.state.request_id

    def bind(body: str) -> str:
        return response_hash(request_id=request_id, method=request.method, path=request.url.path,
                             query=request.url.query, client=actor.name.removeprefix("client:"),
                             official=context.official or None, purpose=context.purpose or None,
                             case=context.case or None, body=body)

    pulled = subs.pull(db, actor, subscription_id, cursor=cursor, limit=limit, context=context, bind=bind)
    return Response(pulled.body.encode(), media_type="application/json",
                    headers={"X-Tongban-Request-Id": request_id, "X-Tongban-Response-Hash": pulled.response_hash or ""})


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Unsubscribe")
def unsubscribe(db: Db, actor: ClientActor, subscription_id: int) -> Response:
    """End the subscription: nothing more is pulled or delivered."""
    subs.unsubscribe(db, actor, subscription_id)
    return Response(status_code=204)
