"""The exchange API's rules, pure (no I/O): which grant a call may use, which items it may have, whether the
calling official, purpose and case must be named, how fast a client may call, and the hash that binds a response to
its request.

A call is refused by the first rule it breaks, in this order: the resource (404) → a grant of the client's
department for the resource that lists the client (403: ``exchange.no_grant``, ``exchange.client_not_listed``,
``exchange.wrong_department``), valid today and not revoked (403: ``exchange.grant_revoked``,
``exchange.grant_expired``, ``exchange.grant_not_yet_valid``) → the items (422 ``exchange.unknown_item``,
``exchange.item_not_served``; 403 ``exchange.item_not_granted``) → the headers for personal data (422
``exchange.headers_missing``, ``exchange.header_invalid``) → the key (422 ``exchange.malformed_key``) → the rate
(429 ``exchange.rate_limited``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson

from tongban.errors import FieldError

def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the entrypoint translates it."""
    return message


HEADERS = {"official": "X-Tongban-Official", "purpose": "X-Tongban-Purpose", "case": "X-Tongban-Case"}
HEADER_LIMITS = {"official": 100, "purpose": 500, "case": 100}


@dataclass(frozen=True)
class GrantView:
    """A grant as a call sees it; ``listed``: the calling client is one of its clients."""

    id: int
    department_id: int
    items: tuple[str, ...]
    clear_items: frozenset[str]
    rate_limit: int
    valid_from: dt.date
    valid_to: dt.date
    revoked: bool
    listed: bool

    def active(self, today: dt.date) -> bool:
        """Valid today and not revoked."""
        return not self.revoked and self.valid_from <= today <= self.valid_to


@dataclass(frozen=True)
class Refusal:
    """Why a call is refused: a stable code, its HTTP status, an English msgid with params, field problems."""

    code: str
    status: int
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    errors: tuple[FieldError, ...] = ()
    grant_id: int | None = None


def choose_grant(grants: Sequence[GrantView], *, department_id: int, today: dt.date) -> GrantView | Refusal:
    """The newest grant of the client's department that lists the client and is valid today, or why there is
    none (the newest such grant decides between revoked, expired and not yet valid)."""
    own = sorted((g for g in grants if g.department_id == department_id and g.listed), key=lambda g: -g.id)
    if not own:
        if any(g.listed for g in grants):
            return Refusal("exchange.wrong_department", 403, _("This API client belongs to another department than "
                           "the grant's: a grant is used only by its consumer department's clients"))
        if any(g.department_id == department_id for g in grants):
            return Refusal("exchange.client_not_listed", 403, _("Your department's grant for this resource does not "
                           "list this API client"))
        return Refusal("exchange.no_grant", 403, _("Your department has no grant for this resource: apply for it "
                       "with a sharing request"))
    active = [g for g in own if g.active(today)]
    if active:
        return active[0]
    newest = own[0]
    if newest.revoked:
        return Refusal("exchange.grant_revoked", 403, _("The grant for this resource has been revoked"),
                       grant_id=newest.id)
    if newest.valid_to < today:
        return Refusal("exchange.grant_expired", 403, _("The grant for this resource expired on {date}"),
                       {"date": newest.valid_to.isoformat()}, grant_id=newest.id)
    return Refusal("exchange.grant_not_yet_valid", 403, _("The grant for this resource is valid from {date}"),
                   {"date": newest.valid_from.isoformat()}, grant_id=newest.id)


def parse_items(raw: str | Sequence[str] | None) -> list[str] | None:
    """Item codes asked for (``a,b`` or a list), in order without repeats; None when not given."""
    if raw is None:
        return None
    parts = raw.split(",") if isinstance(raw, str) else [str(p) for p in raw]
    codes = [p.strip() for p in parts if p.strip()]
    return list(dict.fromkeys(codes)) or None


def check_items(asked: list[str] | None, grant: GrantView, *, resource_items: Sequence[str],
                served: Sequence[str]) -> list[str] | Refusal:
    """The items a call gets: those asked for (all of the grant's that the base serves when none are named),
    or why not — an item the resource does not have, one its base does not hold, one not granted."""
    if asked is None:
        granted = set(grant.items)
        return [code for code in served if code in granted]
    unknown = [code for code in asked if code not in resource_items]
    if unknown:
        return Refusal("exchange.unknown_item", 422, _("The resource has no data item {item}"), {"item": unknown[0]},
                       tuple(FieldError("items", "{item} is not a data item of the resource", {"item": c},
                                        code="exchange.unknown_item") for c in unknown), grant.id)
    not_served = [code for code in asked if code not in served]
    if not_served:
        return Refusal("exchange.item_not_served", 422, _("Data item {item} is not held in the base database and "
                       "cannot be looked up"), {"item": not_served[0]},
                       tuple(FieldError("items", "{item} is not held in the base database", {"item": c},
                                        code="exchange.item_not_served") for c in not_served), grant.id)
    outside = [code for code in asked if code not in grant.items]
    if outside:
        return Refusal("exchange.item_not_granted", 403, _("Data item {item} is not in your grant"),
                       {"item": outside[0]},
                       tuple(FieldError("items", "{item} is not granted", {"item": c},
                                        code="exchange.item_not_granted") for c in outside), grant.id)
    return asked


def clean_header(raw: str | None) -> str | None:
    """A header's value as text: percent-encoded UTF-8 decoded (so Chinese can travel in a header), raw UTF-8
    bytes read as such, surrounding space dropped; None when empty."""
    if raw is None:
        return None
    try:
        text = raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        text = raw
    if "%" in text:
        try:
            text = unquote(text, errors="strict")
        except UnicodeDecodeError:
            pass  # not percent-encoded UTF-8: a literal per cent sign
    return text.strip() or None


def check_headers(values: dict[str, str | None], *, personal: bool) -> Refusal | None:
    """Personal data needs the calling official, the purpose and the case (X-Road's user id and issue); any header
    sent must be printable text within its length."""
    invalid = [FieldError(HEADERS[name], "must be printable text of at most {max} characters",
                          {"max": HEADER_LIMITS[name]}, code="exchange.header_invalid")
               for name, value in values.items()
               if value is not None and (len(value) > HEADER_LIMITS[name] or not value.isprintable())]
    if invalid:
        return Refusal("exchange.header_invalid", 422, _("A header of the call is not valid"), {}, tuple(invalid))
    if not personal:
        return None
    missing = [FieldError(HEADERS[name], "is required when personal data is asked for",
                          code="exchange.headers_missing") for name, value in values.items() if not value]
    if missing:
        return Refusal("exchange.headers_missing", 422, _("A call for personal data must name the calling official, "
                       "the purpose and the case (X-Tongban-Official, X-Tongban-Purpose, X-Tongban-Case)"), {},
                       tuple(missing))
    return None


_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def canonical(value: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, UTF-8 characters as they are; dates and anything else not JSON as
    ``str()`` gives them. orjson writes it (a 1,000-record batch is half a megabyte, ten times faster than the
    standard library); what it refuses (an integer beyond 64 bits, a key not text, which the two would sort differently)
    is written by the standard library."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def response_hash(*, request_id: str, method: str, path: str, query: str, client: str, official: str | None,
                  purpose: str | None, case: str | None, body: str) -> str:
    """SHA-256 (hex) of the canonical JSON of ``{"body": <the response body>, "case", "client" (the API client's
    key id), "method", "official", "path", "purpose", "query" (as sent), "request_id"}``; ``body`` is the response
    body as sent, itself canonical JSON — so the text hashed is the binding's canonical JSON, built around it."""
    rest = canonical({"case": case, "client": client, "method": method, "official": official, "path": path,
                      "purpose": purpose, "query": query, "request_id": request_id})
    return hashlib.sha256(('{"body":' + body + "," + rest[1:]).encode()).hexdigest()


class RateLimiter:
    """A token bucket per (grant, client): ``rate_limit`` calls a minute, as a burst or spread out. In memory, so
    per server process."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[int, int], tuple[float, float]] = {}  # key → (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: tuple[int, int], per_minute: int, now: float) -> float | None:
        """Spend one call; None when allowed, else the seconds until the next call would be."""
        per_second = max(per_minute, 1) / 60.0
        capacity = float(max(per_minute, 1))
        with self._lock:
            tokens, at = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - at) * per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / per_second


def retry_after(seconds: float) -> int:
    """Whole seconds for a Retry-After header (at least 1)."""
    return max(1, math.ceil(seconds))
