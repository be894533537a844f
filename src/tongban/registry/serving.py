"""The base databases as other contexts read them: current golden records by key, for given columns, each value
with its provenance; a filtered query in key order with keyset pagination. Retired records are not served.

Which base serves a catalog resource: the one whose key item the resource has (``BaseSpec.feeds_resource``) —
population by ``id_number``, entity by ``credit_code``, address by ``address_code``; of the resource's items, the
key and the base's columns are served. These reads neither check permission nor audit: the caller (the exchange
gateway) has authorised the call against a grant and audits it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Date, Select, Table, Text, bindparam, cast, select
from sqlalchemy.orm import Session

from tongban.db import Base
from tongban.errors import FieldError, InvalidInput
from tongban.registry import provenance
from tongban.registry.bases import ADDRESS, BASES, ENTITY, POPULATION, BaseSpec
from tongban.standards import CodeError, normalize
from tongban.standards.idcard import EARLIEST_BIRTH_DATE, ID_PREFIXES, parse_citizen_id
from tongban.standards.uscc import parse_credit_code

MAX_KEYS = 1000  # a batch look-up: one query
MAX_PAGE = 1000
_SERVING_ORDER = (POPULATION, ENTITY, ADDRESS)  # a resource with a citizen ID and a credit code is about people


@dataclass(frozen=True)
class Golden:
    """One current golden record: its key, the values of the columns asked for, and where each came from
    (``{"department": id, "feed": id, "row": n, "at": "..."}``, or absent when the value is empty)."""

    key: str
    values: dict[str, Any]
    sources: dict[str, dict[str, Any]]


def base_serving(item_codes: Iterable[str]) -> BaseSpec | None:
    """The base a catalog resource with these items is served from, or None when it feeds no base."""
    codes = set(item_codes)
    return next((spec for spec in _SERVING_ORDER if spec.feeds_resource(codes)), None)


def served_items(spec: BaseSpec, item_codes: Iterable[str]) -> tuple[str, ...]:
    """Of a resource's items (in their order), those the base holds: its key and its columns."""
    held = {spec.key, *spec.columns}
    return tuple(code for code in item_codes if code in held)


def check_key(spec: BaseSpec, raw: str, *, field: str = "key") -> str:
    """The key as stored (a 15-digit citizen ID upgraded, full-width digits folded), or InvalidInput naming the
    standard the key breaks."""
    try:
        if spec is POPULATION:
            return _canonical_citizen_id(raw) or parse_citizen_id(raw).number
        if spec is ENTITY:
            return parse_credit_code(raw).code
    except CodeError as exc:
        raise InvalidInput(_NOT_A_KEY[spec.name], code="registry.lookup_key", params={"value": raw[:40]},
                           errors=[FieldError(field, exc.template, params=exc.params, code=exc.rule)]) from None
    code = normalize(raw)
    if not (6 <= len(code) <= 32 and code.isdigit()):
        raise InvalidInput(_NOT_A_KEY[spec.name], code="registry.lookup_key", params={"value": raw[:40]},
                           errors=[FieldError(field, "must be 6 to 32 digits", code="address_code.format")])
    return code


_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def _canonical_citizen_id(raw: str) -> str | None:
    """``raw`` when it is already a valid 18-character ID as stored — the common case, checked quickly (a batch has
    a thousand) — else None, and the full parser decides and names the rule broken."""
    if len(raw) != 18 or raw[:2] not in ID_PREFIXES or not _ID18.fullmatch(raw):
        return None
    if "10X98765432"[sum(map(operator.mul, map(int, raw[:17]), _ID_WEIGHTS)) % 11] != raw[17]:
        return None
    try:
        born = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return None
    return raw if EARLIEST_BIRTH_DATE <= born <= dt.date.today() else None


_NOT_A_KEY = {"population": "{value} is not a valid citizen ID number",
              "entity": "{value} is not a valid unified social credit code",
              "address": "{value} is not a valid standard address code"}


def _table(spec: BaseSpec) -> Table:
    return Base.metadata.tables[spec.table]


def _select(spec: BaseSpec, columns: tuple[str, ...]) -> Select[Any]:
    """The SELECT of current records with ``columns`` and provenance, built once per base and columns (building
    a statement costs more than running it)."""
    return _built(spec.name, columns)


@functools.lru_cache(maxsize=512)
def _built(base: str, columns: tuple[str, ...]) -> Select[Any]:
    spec = BASES[base]
    table = _table(spec)
    unknown = [c for c in columns if c not in spec.columns and c != spec.key]
    if unknown:
        raise ValueError(f"{spec.name} has no column {unknown[0]}")
    wanted = [table.c[c] for c in dict.fromkeys(columns) if c != spec.key]
    # Provenance as text, decoded by orjson (small integers and dates only: exact), four times faster than the
    # standard library's decoder on a 1,000-key batch.
    provenance_text = cast(table.c.provenance, Text).label("provenance")
    return select(table.c[spec.key], provenance_text, *wanted).where(table.c.retired_at.is_(None))


def _by_keys(spec: BaseSpec, columns: tuple[str, ...], many: bool) -> Select[Any]:
    return _keyed(spec.name, columns, many)


@functools.lru_cache(maxsize=512)
def _keyed(base: str, columns: tuple[str, ...], many: bool) -> Select[Any]:
    spec = BASES[base]
    key = _table(spec).c[spec.key]
    return _built(base, columns).where(key.in_(bindparam("keys", expanding=True)) if many
                                        else key == bindparam("key"))


def _golden(spec: BaseSpec, row: Any, columns: Sequence[str]) -> Golden:
    mapping = row._mapping
    key = mapping[spec.key]
    stored = mapping["provenance"]
    by_field = provenance.per_field(orjson.loads(stored) if isinstance(stored, str) else stored)
    values = {c: (key if c == spec.key else mapping[c]) for c in columns}
    sources = {c: by_field[c] for c in columns if c in by_field}
    return Golden(key, values, sources)


def fetch(session: Session, spec: BaseSpec, keys: Sequence[str], columns: Sequence[str]) -> dict[str, Golden]:
    """The current golden records among ``keys`` (at most 1,000, checked by ``check_key``; one query), by key."""
    if len(keys) > MAX_KEYS:
        raise ValueError(f"at most {MAX_KEYS} keys in one fetch")
    if not keys:
        return {}
    columns = tuple(columns)
    rows = session.connection().execute(_by_keys(spec, columns, True), {"keys": list(dict.fromkeys(keys))})
    return {g.key: g for g in (_golden(spec, row, columns) for row in rows)}


def fetch_one(session: Session, spec: BaseSpec, key: str, columns: Sequence[str]) -> Golden | None:
    """The current golden record of ``key``, or None (none, or retired)."""
    columns = tuple(columns)
    row = session.connection().execute(_by_keys(spec, columns, False), {"key": key}).first()
    return _golden(spec, row, columns) if row is not None else None


def query(session: Session, spec: BaseSpec, columns: Sequence[str], *, filters: Mapping[str, str],
          after: str | None = None, limit: int = 100) -> list[Golden]:
    """Current golden records whose columns equal ``filters`` in key order after the key ``after`` (keyset
    pagination: ``WHERE key > :after ORDER BY key LIMIT n``), at most ``limit`` (≤ 1,000)."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE}")
    table = _table(spec)
    columns = tuple(columns)
    stmt = _select(spec, columns)
    for column, value in filters.items():
        if column not in spec.columns and column != spec.key:
            raise ValueError(f"{spec.name} has no column {column}")
        stmt = stmt.where(table.c[column] == _typed(table, column, value))
    if after is not None:
        stmt = stmt.where(table.c[spec.key] > after)
    rows = session.execute(stmt.order_by(table.c[spec.key]).limit(limit))
    return [_golden(spec, row, columns) for row in rows]


def _typed(table: Table, column: str, value: str) -> object:
    """A filter value as its column stores it: dates as dates (YYYY-MM-DD), everything else as text."""
    if isinstance(table.c[column].type, Date):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("{value} is not a date (YYYY-MM-DD)", code="registry.filter_value",
                               params={"value": value[:40]},
                               errors=[FieldError(f"filter[{column}]", "must be a date (YYYY-MM-DD)",
                                                  code="registry.filter_date")]) from None
    return value


def filterable(spec: BaseSpec) -> tuple[str, ...]:
    """Columns a query may filter on: every served column of the base (the caller keeps personal ones out)."""
    return (spec.key, *spec.columns)
