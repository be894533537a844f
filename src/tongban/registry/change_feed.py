"""Reading a base's change log (``registry_changes``): the changes after a seq, in publish order, each with the
record's current values and their sources — the registry's read API for change subscriptions.

Why a cursor loses nothing: every publish writes its changes in its one transaction, and two builds of one base never
run together, so the seqs of a base become visible in order — once a reader has seen seq n of a base, no change of
that base with a seq below n can appear later. A reader that asks for "after the last seq I saw" therefore gets every
change exactly once. (Seqs come from one sequence shared by the bases, so a base's seqs have gaps; that is fine.)

What a change carries is the record as it is *now*, not as it was at that change: the log keeps keys and field names,
the serving table keeps values. A record retired since carries no values, only the note that it is retired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.db import Base
from tongban.identity.model import Department
from tongban.registry import provenance
from tongban.registry.bases import BASES, BaseSpec
from tongban.registry.model import Change

CHUNK = 500  # log rows read at a time
SCAN = 20_000  # log rows one call reads at most before handing back a cursor (a filter may reject most of them)


@dataclass(frozen=True)
class Source:
    """Where a value came from: the department whose feed supplied it, and when the value was true."""

    department_id: int | None
    department: str
    at: str


@dataclass(frozen=True)
class Value:
    """One field of a record as it is now, with its source."""

    value: object
    source: Source | None


@dataclass(frozen=True)
class ChangeEvent:
    """One entry of the log: a record ``created``, ``changed`` (in ``fields``) or ``retired``, at ``at`` — with the
    requested fields of the record as it is now, or ``retired`` and no values when it no longer is."""

    seq: int
    base: str
    key: str
    change: str
    fields: tuple[str, ...]
    at: dt.datetime
    retired: bool
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangePage:
    """What one read returned, and where the next read continues: ``last_seq`` is the last seq read (events the
    filter rejected included), ``more`` whether the log may go on after it."""

    events: list[ChangeEvent]
    last_seq: int
    more: bool


Match = Callable[[str, tuple[str, ...]], bool]  # (change, fields) → worth loading the record for
Keep = Callable[[ChangeEvent], bool]  # the event with its values → returned


def spec_of(base: str) -> BaseSpec:
    """The base called ``base``; ValueError for one there is not (callers check names first)."""
    try:
        return BASES[base]
    except KeyError:
        raise ValueError(f"no base {base!r}") from None


def head(session: Session, base: str) -> int:
    """The last seq of ``base``'s log (0 when it is empty): a new reader starts here to see only what comes next."""
    return int(session.scalar(select(func.max(Change.seq)).where(Change.base == spec_of(base).name)) or 0)


def changes_after(session: Session, base: str, after: int, *, limit: int = 100, columns: Sequence[str] = (),
                  until: int | None = None, match: Match | None = None, keep: Keep | None = None,
                  scan: int = SCAN) -> ChangePage:
    """Up to ``limit`` changes of ``base`` with a seq above ``after`` (and at most ``until``), in seq order, each with
    the current values of ``columns``. ``match`` sees a log row before its record is read, ``keep`` the event with its
    values; rows either rejects are skipped, yet counted in ``last_seq``. At most ``scan`` rows are read per call.

    Reads the log through ``ix_registry_changes_base_seq`` and the records by primary key, a chunk at a time."""
    spec = spec_of(base)
    unknown = set(columns) - set(spec.columns)
    if unknown:
        raise ValueError(f"not fields of the {base} base: {sorted(unknown)}")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    events: list[ChangeEvent] = []
    cursor, read = after, 0
    names = _DepartmentNames(session)
    while read < scan:
        size = min(CHUNK, scan - read)
        query = (select(Change.seq, Change.key, Change.change, Change.fields, Change.at)
                 .where(Change.base == spec.name, Change.seq > cursor).order_by(Change.seq).limit(size))
        if until is not None:
            query = query.where(Change.seq <= until)
        rows = session.execute(query).all()
        wanted = [r for r in rows if match is None or match(r.change, tuple(r.fields or ()))]
        records = _records(session, spec, {r.key for r in wanted}, columns)
        chosen = {r.seq for r in wanted}
        for row in rows:
            if row.seq in chosen:
                event = _event(spec, row, records.get(row.key), columns, names)
                if keep is None or keep(event):
                    events.append(event)
                    if len(events) == limit:
                        return ChangePage(events, row.seq, True)
            cursor = row.seq
        read += len(rows)
        if len(rows) < size:
            return ChangePage(events, cursor, False)
    return ChangePage(events, cursor, True)


def _records(session: Session, spec: BaseSpec, keys: set[str], columns: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The serving rows of ``keys``: the requested columns, provenance and whether retired."""
    if not keys:
        return {}
    table = Base.metadata.tables[spec.table]
    picked = [table.c[spec.key], *(table.c[c] for c in columns), table.c.provenance, table.c.retired_at]
    found: dict[str, dict[str, Any]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        batch = ordered[start:start + CHUNK]
        for row in session.execute(select(*picked).where(table.c[spec.key].in_(batch))).mappings():
            found[row[spec.key]] = dict(row)
    return found


def _event(spec: BaseSpec, row: Any, record: dict[str, Any] | None, columns: Sequence[str],
           names: _DepartmentNames) -> ChangeEvent:
    retired = record is None or record["retired_at"] is not None
    values: dict[str, Value] = {}
    if not retired:
        assert record is not None
        sources = provenance.per_field(record.get("provenance"))
        for column in columns:
            source = sources.get(column)
            values[column] = Value(record[column], None if source is None else Source(
                source.get("department"), names.get(source.get("department")), str(source.get("at") or "")))
    return ChangeEvent(row.seq, spec.name, row.key, row.change, tuple(row.fields or ()), row.at, retired, values)


class _DepartmentNames:
    """Department names for provenance, read once per call when first needed."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._names: dict[int, str] | None = None

    def get(self, department_id: int | None) -> str:
        if department_id is None:
            return ""
        if self._names is None:
            self._names = dict(self._session.execute(select(Department.id, Department.name)).all())
        return self._names.get(department_id, "")
