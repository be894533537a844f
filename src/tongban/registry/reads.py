"""Reading the base databases: a golden record with its provenance, the lineage of every source row, exports.

Every look-up of a person is itself audited (who looked at whose record), like every other access to personal data.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.errors import Conflict, FieldError, InvalidInput, NotFound
from tongban.identity.model import Department
from tongban.identity.policy import Action, Actor, Role, Target
from tongban.identity.service import actor_ref, require
from tongban.registry.bases import BASES
from tongban.registry.model import Build, Conflict, Feed, Person, QuarantinedRow
from tongban.registry.workspace import Workspace
from tongban.standards import CodeError
from tongban.standards.idcard import parse_citizen_id

LINEAGE_COLUMNS = ("feed", "row", "outcome", "key", "reason")


@dataclass(frozen=True)
class FieldView:
    """One field of a golden record and where its value came from."""

    name: str
    value: object
    department: str
    feed: str
    row: int | None
    at: str


def _citizen_id(raw: str) -> str:
    try:
        return parse_citizen_id(raw).number
    except CodeError as exc:
        raise InvalidInput("{value} is not a citizen ID number", code="registry.lookup_id", params={"value": raw},
                           errors=[FieldError("id_number", exc.template, params=exc.params, code=exc.rule)]) from None


def may_look_up(actor: Actor) -> None:
    """Refuse (audited) unless ``actor`` may look up golden records (the look-up page, before any query)."""
    require(actor, Action.REGISTRY_RECORDS, target_id="person", event="registry.lookup")


def may_read(actor: Actor) -> None:
    """Refuse unless ``actor`` may see the base's state (counts, builds, progress)."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id))


def lookup_person(session: Session, actor: Actor, raw_id: str) -> tuple[Person, list[FieldView]]:
    """The golden record of one person (a 15-digit number is upgraded first), each field with its source."""
    may_look_up(actor)
    number = _citizen_id(raw_id)
    person = session.get(Person, number)
    record(session, AuditEvent("registry.lookup", actor_ref(actor), "allowed" if person else "failed", "person",
                               number, details={"found": person is not None}))
    if person is None:
        raise NotFound("No golden record for {id}", code="registry.not_found", params={"id": number})
    sources = {name: source for name, source in (person.provenance or {}).items() if source}
    feeds = {f.id: f.filename for f in session.scalars(select(Feed).where(Feed.id.in_(
        {p["feed"] for p in sources.values()})))}
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    fields = []
    for name in BASES["population"].fields:
        source = sources.get(name, {})
        fields.append(FieldView(name, getattr(person, name), departments.get(source.get("department"), ""),
                                feeds.get(source.get("feed"), ""), source.get("row"), str(source.get("at", ""))))
    return person, fields


def _read_only(registry_dir: Path, base: str) -> duckdb.DuckDBPyConnection:
    ws = Workspace.of(registry_dir, base)
    if not ws.database.exists():
        raise NotFound("The {base} base has not been built yet", code="registry.not_built", params={"base": base})
    try:
        return duckdb.connect(str(ws.database), read_only=True)
    except duckdb.IOException:
        raise Conflict("A build of the {base} base is running: try again when it has finished",
                       code="registry.build_running", params={"base": base}) from None


def lineage(session: Session, actor: Actor, registry_dir: Path, base: str) -> Iterator[tuple[object, ...]]:
    """(feed file name, row, outcome, key, reason) for every source row of the base's last build, feed by feed."""
    require(actor, Action.REGISTRY_RECORDS, target_id=base, event="registry.lineage")
    names = {f.id: f.filename for f in session.scalars(select(Feed))}
    with _read_only(registry_dir, base) as con:
        cursor = con.execute('SELECT feed_id, "row", outcome, key, reason FROM outcomes ORDER BY feed_id, "row"')
        while batch := cursor.fetchmany(50_000):
            for feed_id, row, outcome, key, reason in batch:
                yield names.get(feed_id, str(feed_id)), row, outcome, key or "", reason or ""


def write_lineage(rows: Iterator[tuple[object, ...]], out: Path) -> int:
    """The lineage as CSV (UTF-8), header first; returns the number of rows written."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LINEAGE_COLUMNS)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def export_base(actor: Actor, registry_dir: Path, base: str, out: Path, fmt: str) -> int:
    """The published golden records of a base, key first, as CSV or Parquet; returns how many."""
    require(actor, Action.REGISTRY_RECORDS, target_id=base, event="registry.export")
    spec = BASES[base]
    if fmt not in ("csv", "parquet"):
        raise InvalidInput("Unknown export format {format}", code="registry.export_format", params={"format": fmt})
    fields = ", ".join(f'"{f}"' for f in spec.fields)
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    with _read_only(registry_dir, base) as con:
        target = str(out).replace("'", "''")
        con.execute(f"""COPY (SELECT key AS "{spec.key}", {fields}, history AS former_names FROM published
                             ORDER BY key) TO '{target}' ({options})""")
        found = con.execute("SELECT count(*) FROM published").fetchone()
    return int(found[0]) if found else 0


@dataclass(frozen=True)
class Overview:
    """What the base overview page shows."""

    people: int
    retired: int
    quarantine_open: int
    conflicts_open: int
    review: int
    builds: list[Build]


def overview(session: Session, actor: Actor, base: str = "population") -> Overview:
    """Counts of the base and its latest builds (operator, auditor; a data admin sees it too)."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base)
    count = select(func.count())
    people = session.scalar(count.select_from(Person).where(Person.retired_at.is_(None))) or 0
    retired = session.scalar(count.select_from(Person).where(Person.retired_at.is_not(None))) or 0
    quarantine = session.scalar(count.select_from(QuarantinedRow).where(
        QuarantinedRow.base == base, QuarantinedRow.status == "open")) or 0
    conflicts = session.scalar(count.select_from(Conflict).where(
        Conflict.base == base, Conflict.status == "open")) or 0
    builds = list(session.scalars(select(Build).where(Build.base == base).order_by(Build.id.desc()).limit(10)))
    last = next((b for b in builds if b.status == "published"), None)
    review = sum(v.get("review", 0) for v in (last.stats.get("feeds", {}) if last else {}).values())
    return Overview(people, retired, quarantine, conflicts, review, builds)


def quarantine(session: Session, actor: Actor, base: str = "population", *, status: str = "open",
               limit: int = 200) -> list[tuple[QuarantinedRow, str]]:
    """Quarantined rows with their feed's file name, oldest first (the operator's work list)."""
    require(actor, Action.REGISTRY_RECORDS, target_id=base, event="registry.quarantine")
    rows = session.execute(select(QuarantinedRow, Feed.filename).join(Feed, Feed.id == QuarantinedRow.feed_id)
                           .where(QuarantinedRow.base == base, QuarantinedRow.status == status)
                           .order_by(QuarantinedRow.id).limit(limit)).all()
    return [(r, name) for r, name in rows]


def conflicts(session: Session, actor: Actor, base: str = "population", *, limit: int = 200) -> list[Conflict]:
    """Doubtful-data notices: a data admin sees those sent to their department, the operator all."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base)
    query = select(Conflict).where(Conflict.base == base).order_by(Conflict.status.desc(), Conflict.id).limit(limit)
    if actor.kind != "system" and (actor.role is None or actor.role is Role.DATA_ADMIN):
        query = query.where(Conflict.department_id == actor.department_id)
    return list(session.scalars(query))
