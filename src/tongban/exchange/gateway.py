"""Use cases of the exchange API: a department system looks up golden records under a grant.

Each call is authorised (the rules and their order: ``call_rules``), fetched from the base database that serves
the resource (``registry.serving``), cut to the granted items, masked where an item is personal and the grant does
not say clear (``masking``, with the operator's rules from ``exchange_masking_rules``; a personal item without a
rule is hidden), and every field carries its provenance — department and time — from the golden record.

A use case returns an ``Answer`` (status, body, the ``exchange.call`` audit event) or raises a domain error whose
``audit`` is the ``denied`` event; it never writes the event itself. The entrypoint completes the event with the
response hash and latency and has it committed (``audit.group_commit``) before the response leaves: allowed or
denied, no call answers without its record.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from tongban.audit import ActorRef, AuditEvent
from tongban.catalog import service as catalog
from tongban.errors import FieldError, InvalidInput, Locked, NotFound, PermissionDenied, TongbanError
from tongban.exchange import masking
from tongban.exchange.call_rules import (
    GrantView, Refusal, check_headers, check_items, choose_grant, parse_items, retry_after,
)
from tongban.exchange.gateway_state import GatewayState
from tongban.exchange.model import Grant, GrantClient, MaskingRule
from tongban.exchange.workdays import today_in_china
from tongban.identity import service as identity
from tongban.identity.policy import Actor
from tongban.registry import serving
from tongban.registry.bases import BaseSpec
from tongban.registry.serving import Golden

def _(message: str) -> str:
    """Mark an English msgid for the message catalog; the entrypoint translates it."""
    return message


ACTION = "exchange.call"
SYSTEM = Actor.system("exchange")
MAX_KEYS = serving.MAX_KEYS
DEFAULT_LIMIT = 100
_ERRORS: dict[int, type[TongbanError]] = {403: PermissionDenied, 404: NotFound, 422: InvalidInput, 429: Locked}


@dataclass(frozen=True)
class Call:
    """Who calls and why: the API client (and so its department), the request id, and the calling official,
    purpose and case from the X-Tongban-* headers."""

    client_id: int
    key_id: str
    department_id: int
    request_id: str
    official: str | None = None
    purpose: str | None = None
    case: str | None = None

    @property
    def actor(self) -> ActorRef:
        """The client as the audit log names it (``identity.actor_ref`` of its actor)."""
        return ActorRef("client", str(self.client_id), f"client:{self.key_id}", self.department_id)

    def headers(self) -> dict[str, str | None]:
        return {"official": self.official, "purpose": self.purpose, "case": self.case}


@dataclass(frozen=True)
class ResourceView:
    """A published catalog resource as the gateway serves it: its items in order, the personal ones, the base
    that serves it and the items that base holds."""

    id: int
    code: str
    department_id: int
    items: tuple[str, ...]
    personal: frozenset[str]
    base: BaseSpec
    served: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """What a call returns: HTTP status, body, and the audit event to commit before it leaves."""

    status: int
    body: dict[str, Any]
    event: AuditEvent


def complete(event: AuditEvent, **details: Any) -> AuditEvent:
    """``event`` with more details (the response hash, the latency) added by the entrypoint."""
    return dataclasses.replace(event, details={**event.details, **details})


# --- authorisation ------------------------------------------------------------------------------------------------

def _event(call: Call, resource_code: str, outcome: str, *, status: int, grant_id: int | None = None,
           items: Sequence[str] = (), subjects: Sequence[str] = (), **details: Any) -> AuditEvent:
    return AuditEvent(ACTION, call.actor, outcome, "resource", resource_code[:200], purpose=call.purpose,
                      case_ref=call.case, request_id=call.request_id, subjects=tuple(subjects),
                      details={"official": call.official, "items": list(items), "status": status,
                               "request_id": call.request_id, "grant": grant_id, **details})


def refuse(call: Call, resource_code: str, refusal: Refusal, **details: Any) -> TongbanError:
    """The domain error for ``refusal``, carrying its ``denied`` audit event."""
    event = _event(call, resource_code, "denied", status=refusal.status, grant_id=refusal.grant_id,
                   rule=refusal.code, **details)
    return _ERRORS[refusal.status](refusal.message, code=refusal.code, params=refusal.params,
                                   errors=list(refusal.errors), audit=event)


def _resource(session: Session, state: GatewayState, code: str) -> ResourceView | None:
    def load() -> ResourceView | None:
        try:
            found = catalog.get_resource(session, SYSTEM, code)
        except NotFound:
            return None
        codes = tuple(item.code for item in found.items)
        base = serving.base_serving(codes)
        if found.status != "published" or base is None:
            return None
        return ResourceView(found.id, found.code, found.department_id, codes,
                            frozenset(i.code for i in found.items if i.personal), base,
                            serving.served_items(base, codes))

    return state.resources.get(code, load)  # type: ignore[return-value]


_LISTED = and_(GrantClient.grant_id == Grant.id, GrantClient.client_id == bindparam("client_id"))
_GRANTS = (select(Grant.id, Grant.consumer_department_id, Grant.items, Grant.clear_items, Grant.rate_limit,
                  Grant.valid_from, Grant.valid_to, Grant.revoked_at, GrantClient.client_id)
           .outerjoin(GrantClient, _LISTED)
           .where(Grant.resource_id == bindparam("resource_id"),
                  (Grant.consumer_department_id == bindparam("department_id")) | GrantClient.client_id.is_not(None)))


def _grants(session: Session, state: GatewayState, resource_id: int, call: Call) -> list[GrantView]:
    """The grants of the resource that belong to the client's department or list the client (one statement, built
    once; kept ``grant_ttl`` seconds, so a revocation stops calls within a second)."""
    def load() -> list[GrantView]:
        rows = session.connection().execute(_GRANTS, {"resource_id": resource_id, "client_id": call.client_id,
                                                      "department_id": call.department_id})
        return [GrantView(r[0], r[1], tuple(r[2] or ()), frozenset(r[3] or ()), r[4], r[5], r[6], r[7] is not None,
                          r[8] is not None) for r in rows]

    return state.grants.get((resource_id, call.client_id, call.department_id), load)  # type: ignore[return-value]


@dataclass(frozen=True)
class _Authorised:
    resource: ResourceView
    grant: GrantView
    items: list[str]


def _authorise(session: Session, state: GatewayState, call: Call, resource_code: str, asked: list[str] | None, *,
               today: dt.date | None, personal_query: bool = False) -> _Authorised:
    """The resource, the grant the call uses and the items it gets — or the refusal, by the rules' order."""
    resource = _resource(session, state, resource_code)
    if resource is None:
        raise refuse(call, resource_code, Refusal("exchange.unknown_resource", 404, _("No published catalog "
                     "resource {code} is served by the exchange"), {"code": resource_code[:40]}))
    chosen = choose_grant(_grants(session, state, resource.id, call), department_id=call.department_id,
                          today=today or today_in_china())
    if isinstance(chosen, Refusal):
        raise refuse(call, resource_code, chosen)
    personal_granted = ({resource.base.key, *chosen.items} & resource.personal) if personal_query else set()
    if personal_granted:  # the keys themselves (citizen ID numbers) would leave in clear
        raise refuse(call, resource_code, Refusal(
            "exchange.personal_query", 403, _("Filtered queries are for non-personal resources: your grant for this "
            "resource includes personal data items ({items}); look records up by key"),
            {"items": ", ".join(sorted(personal_granted))}, grant_id=chosen.id))
    items = check_items(asked, chosen, resource_items=resource.items, served=resource.served)
    if isinstance(items, Refusal):
        raise refuse(call, resource_code, items)
    personal = resource.base.key in resource.personal or any(code in resource.personal for code in items)
    problem = check_headers(call.headers(), personal=personal)
    if problem is not None:
        raise refuse(call, resource_code, dataclasses.replace(problem, grant_id=chosen.id))
    return _Authorised(resource, chosen, items)


def _keys(call: Call, auth: _Authorised, raw_keys: Sequence[str], fields: Sequence[str]) -> list[str]:
    """The keys as stored, or one refusal naming every malformed key."""
    keys, problems = [], []
    for raw, field in zip(raw_keys, fields, strict=True):
        try:
            keys.append(serving.check_key(auth.resource.base, str(raw), field=field))
        except InvalidInput as exc:
            problems += exc.errors
    if problems:
        raise refuse(call, auth.resource.code, Refusal(
            "exchange.malformed_key", 422, _("{count} key(s) are not a valid {key}"),
            {"count": len(problems), "key": auth.resource.base.key}, tuple(problems), auth.grant.id),
            keys=[str(k)[:40] for k in raw_keys][:MAX_KEYS])
    return keys


def _take(state: GatewayState, call: Call, auth: _Authorised) -> None:
    """Spend one call of the grant's rate for this client, or refuse with the seconds to wait."""
    wait = state.limiter.take((auth.grant.id, call.client_id), auth.grant.rate_limit, state.clock())
    if wait is not None:
        seconds = retry_after(wait)
        raise refuse(call, auth.resource.code, Refusal(
            "exchange.rate_limited", 429, _("This API client has used its {limit} calls a minute for this grant: "
            "retry in {seconds} s"), {"limit": auth.grant.rate_limit, "seconds": seconds, "retry_after": seconds},
            grant_id=auth.grant.id), retry_after=seconds)


# --- shaping what leaves ------------------------------------------------------------------------------------------

def _rules(session: Session, state: GatewayState) -> dict[str, str]:
    def load() -> dict[str, str]:
        return {code: rule for code, rule in session.execute(select(MaskingRule.item_code, MaskingRule.rule))}

    return state.rules.get("rules", load)


def _names(session: Session, state: GatewayState) -> dict[int, str]:
    return state.departments.get("names", lambda: {d.id: d.name for d in identity.view_departments(session, SYSTEM)})


class _Shaper:
    """Turns golden records into what leaves: granted items only, masked, each with its provenance. What to do
    with each item is worked out once per call, not once per record (a batch has a thousand)."""

    def __init__(self, auth: _Authorised, rules: dict[str, str], names: dict[int, str]) -> None:
        self.auth, self.rules, self.names = auth, rules, names
        personal, clear, key = auth.resource.personal, auth.grant.clear_items, auth.resource.base.key
        # (item, masking rule or None for clear), in code order: the body comes out in canonical key order
        self.plan = sorted((code, (rules.get(code) or "hide") if code in personal and code not in clear else None)
                           for code in auth.items)
        self.people = [code for code in auth.items if code != key and code.endswith("id_number")]
        self._sources: dict[tuple[Any, Any], dict[str, Any]] = {}

    def fields(self, golden: Golden) -> dict[str, Any]:
        values, sources = golden.values, golden.sources
        out: dict[str, Any] = {}
        for code, rule in self.plan:
            value = values.get(code)
            if rule is not None:
                value = masking.apply(rule, value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            source = sources.get(code) if value is not None else None
            out[code] = {"masked": rule, "source": None if source is None else self._source(source), "value": value}
        return out

    def _source(self, source: dict[str, Any]) -> dict[str, Any]:
        """Department id and name and time of a source (one object per distinct source of the call)."""
        key = (source.get("department"), source.get("at"))
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = {"at": key[1], "department": self.names.get(key[0], ""),
                                          "department_id": key[0]}
        return found

    def subjects(self, golden: Golden) -> list[str]:
        """Whose data the record carries: its key and the citizen ID numbers among the items returned."""
        return [golden.key, *(str(golden.values[code]) for code in self.people if golden.values.get(code))]

    def masked(self) -> dict[str, str]:
        """Which items left masked, and how (kept in the audit record)."""
        return {code: rule for code, rule in self.plan if rule is not None}


def _shaper(session: Session, state: GatewayState, auth: _Authorised) -> _Shaper:
    return _Shaper(auth, _rules(session, state), _names(session, state))


# --- the use cases ------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _naming(raw_keys: Sequence[Any]) -> Iterator[None]:
    """A refused call names the keys it asked for among its subjects, so that an attempt on someone's data is found
    by subject like an access (the data-use record itself shows only allowed calls)."""
    try:
        yield
    except TongbanError as exc:
        if exc.audit is not None and not exc.audit.subjects:
            asked = dict.fromkeys(k.strip().upper()[:32] for k in raw_keys if isinstance(k, str) and k.strip())
            exc.audit = dataclasses.replace(exc.audit, subjects=tuple(asked)[:MAX_KEYS])
        raise


def look_up(session: Session, state: GatewayState, call: Call, resource_code: str, raw_key: str, *,
            items: str | Sequence[str] | None = None, today: dt.date | None = None) -> Answer:
    """One record by key: the granted items, masked, with provenance — or 404 when there is no current record."""
    with _naming([raw_key]):
        auth = _authorise(session, state, call, resource_code, parse_items(items), today=today)
        [key] = _keys(call, auth, [raw_key], ["key"])
        _take(state, call, auth)
    golden = serving.fetch_one(session, auth.resource.base, key, auth.items)
    if golden is None:
        raise NotFound("No current record for {key}", code="exchange.not_found", params={"key": key},
                       audit=_event(call, resource_code, "failed", status=404, grant_id=auth.grant.id,
                                    subjects=[key], rule="exchange.not_found"))
    shaper = _shaper(session, state, auth)
    body = {"record": {"fields": shaper.fields(golden), "key": golden.key}, "request_id": call.request_id,
            "resource": auth.resource.code}  # keys in canonical order, as every body here
    return Answer(200, body, _event(call, resource_code, "allowed", status=200, grant_id=auth.grant.id,
                                    items=auth.items, subjects=shaper.subjects(golden),
                                    masked=shaper.masked()))


def look_up_batch(session: Session, state: GatewayState, call: Call, resource_code: str, payload: Any, *,
                  today: dt.date | None = None) -> Answer:
    """Up to 1,000 records by key in one query (``{"keys": [...], "items": [...]}``): those found in the order
    asked, and the keys not found."""
    raw_keys, asked = _batch_payload(call, resource_code, payload)
    with _naming(raw_keys):
        auth = _authorise(session, state, call, resource_code, asked, today=today)
        keys = list(dict.fromkeys(_keys(call, auth, raw_keys, [f"keys[{n}]" for n in range(len(raw_keys))])))
        _take(state, call, auth)
    found = serving.fetch(session, auth.resource.base, keys, auth.items)
    shaper = _shaper(session, state, auth)
    records = [{"fields": shaper.fields(found[key]), "key": key} for key in keys if key in found]
    missing = [key for key in keys if key not in found]
    subjects = [s for key in keys if key in found for s in shaper.subjects(found[key])] + missing
    body = {"not_found": missing, "records": records, "request_id": call.request_id, "resource": auth.resource.code}
    return Answer(200, body, _event(call, resource_code, "allowed", status=200, grant_id=auth.grant.id,
                                    items=auth.items, subjects=subjects, keys=len(keys), found=len(records),
                                    not_found=missing, masked=shaper.masked()))


def _batch_payload(call: Call, resource_code: str, payload: Any) -> tuple[list[str], list[str] | None]:
    keys = payload.get("keys") if isinstance(payload, dict) else None
    items = payload.get("items") if isinstance(payload, dict) else None
    problems = []
    if not isinstance(keys, list) or not keys or len(keys) > MAX_KEYS or not all(isinstance(k, str) for k in keys):
        problems.append(FieldError("keys", "must be a list of 1 to {max} keys (text)", {"max": MAX_KEYS},
                                   code="exchange.batch_keys"))
    if items is not None and (not isinstance(items, list) or not all(isinstance(i, str) for i in items)):
        problems.append(FieldError("items", "must be a list of data item codes", code="exchange.batch_items"))
    if problems:
        raise refuse(call, resource_code, Refusal("exchange.invalid_body", 422, _("The body must be "
                     "{{\"keys\": [...], \"items\": [...]}} with 1 to {max} keys"), {"max": MAX_KEYS}, tuple(problems)))
    return keys, parse_items(items)  # type: ignore[return-value]


def query_records(session: Session, state: GatewayState, call: Call, resource_code: str, *,
                  filters: Mapping[str, str], after: str | None = None, limit: str | int | None = None,
                  items: str | Sequence[str] | None = None, today: dt.date | None = None) -> Answer:
    """Records of a non-personal resource whose items equal ``filters``, in key order after ``after`` (keyset
    pagination); ``next`` is the key to continue after, or null on the last page."""
    size = _limit(call, resource_code, limit)
    auth = _authorise(session, state, call, resource_code, parse_items(items), today=today, personal_query=True)
    filter_check = check_items(list(filters), auth.grant, resource_items=auth.resource.items,
                               served=auth.resource.served)
    if isinstance(filter_check, Refusal):
        raise refuse(call, resource_code, filter_check)
    start = _keys(call, auth, [after], ["after"])[0] if after else None
    _take(state, call, auth)
    try:
        rows = serving.query(session, auth.resource.base, auth.items, filters=filters, after=start, limit=size + 1)
    except InvalidInput as exc:  # a filter value its column cannot hold (a date that is not one)
        raise refuse(call, resource_code, Refusal("exchange.invalid_filter", 422, exc.message, exc.params,
                                                  tuple(exc.errors), auth.grant.id)) from None
    page, more = rows[:size], len(rows) > size
    shaper = _shaper(session, state, auth)
    body = {"next": page[-1].key if more else None,
            "records": [{"fields": shaper.fields(g), "key": g.key} for g in page],
            "request_id": call.request_id, "resource": auth.resource.code}
    return Answer(200, body, _event(call, resource_code, "allowed", status=200, grant_id=auth.grant.id,
                                    items=auth.items, subjects=[g.key for g in page], filters=dict(filters),
                                    after=start, returned=len(page)))


def _limit(call: Call, resource_code: str, raw: str | int | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= serving.MAX_PAGE:
        raise refuse(call, resource_code, Refusal(
            "exchange.invalid_limit", 422, _("limit must be a whole number from 1 to {max}"), {"max": serving.MAX_PAGE},
            (FieldError("limit", "must be a whole number from 1 to {max}", {"max": serving.MAX_PAGE},
                        code="exchange.invalid_limit"),)))
    return int(text)
