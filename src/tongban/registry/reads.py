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
from tongban.db import Base
from tongban.registry import provenance, publish
from tongban.registry.bases import BASES, BaseSpec
from tongban.registry.model import Build, Conflict, Feed, Person, QuarantinedRow, Review
from tongban.registry.workspace import Workspace
from tongban.standards import CodeError, normalize
from tongban.standards.idcard import parse_citizen_id
from tongban.standards.uscc import parse_credit_code

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


def _key(base: str, raw: str) -> str:
    """The key a look-up asks for, checked by its standard: a citizen ID (a 15-digit one upgraded), a credit code,
    or a standard address code."""
    try:
        if base == "population":
            return parse_citizen_id(raw).number
        if base == "entity":
            return parse_credit_code(raw).code
    except CodeError as exc:
        field = BASES[base].key
        raise InvalidInput(_NOT_A_KEY[base], code="registry.lookup_key", params={"value": raw},
                           errors=[FieldError(field, exc.template, params=exc.params, code=exc.rule)]) from None
    code = normalize(raw)
    if not code.isdigit():
        raise InvalidInput(_NOT_A_KEY[base], code="registry.lookup_key", params={"value": raw},
                           errors=[FieldError("address_code", "must be digits", code="address_code.format")])
    return code


_NOT_A_KEY = {"population": "{value} is not a valid citizen ID number",
              "entity": "{value} is not a valid unified social credit code",
              "address": "{value} is not a valid standard address code"}


def may_look_up(actor: Actor, base: str = "population") -> None:
    """Refuse (audited) unless ``actor`` may look up golden records (the look-up page, before any query)."""
    require(actor, Action.REGISTRY_RECORDS, target_id=base, event="registry.lookup")


def may_read(actor: Actor) -> None:
    """Refuse unless ``actor`` may see the base's state (counts, builds, progress)."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id))


def base_spec(base: str) -> BaseSpec:
    """The base named ``base``, or a 404 naming the bases there are."""
    spec = BASES.get(base)
    if spec is None:
        raise NotFound("No base database {base}: population, entity or address", code="registry.unknown_base",
                       params={"base": base})
    return spec


def _record(session: Session, spec: BaseSpec, key: str) -> dict[str, object] | None:
    table = Base.metadata.tables[spec.table]
    row = session.execute(table.select().where(table.c[spec.key] == key)).mappings().first()
    return dict(row) if row is not None else None


def _fields(session: Session, spec: BaseSpec, record_: dict[str, object]) -> list[FieldView]:
    sources = provenance.per_field(record_.get("provenance"))  # type: ignore[arg-type]
    feeds = {f.id: f.filename for f in session.scalars(select(Feed).where(Feed.id.in_(
        {p["feed"] for p in sources.values()})))}
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    fields = []
    for name in spec.columns:
        source = sources.get(name, {})
        fields.append(FieldView(name, record_.get(name), departments.get(source.get("department"), ""),
                                feeds.get(source.get("feed"), ""), source.get("row"), str(source.get("at", ""))))
    return fields


@dataclass(frozen=True)
class RecordView:
    """A golden record as a page shows it: its key, each field with its source, former names, whether retired,
    and the records it links to (an entity's legal representative in the population base)."""

    base: str
    key: str
    fields: list[FieldView]
    former_names: list[str]
    retired: bool
    links: dict[str, str]


def lookup(session: Session, actor: Actor, base: str, raw_key: str) -> RecordView:
    """The golden record of one person, entity or standard address, each field with its source; audited."""
    spec = base_spec(base)
    may_look_up(actor, base)
    key = _key(base, raw_key)
    found = _record(session, spec, key)
    record(session, AuditEvent("registry.lookup", actor_ref(actor), "allowed" if found else "failed", base, key,
                               details={"found": found is not None}))
    if found is None:
        raise NotFound("No golden record for {id}", code="registry.not_found", params={"id": key})
    links = {}
    if base == "entity" and found.get("legal_rep_id_number"):
        rep = session.get(Person, found["legal_rep_id_number"])
        if rep is not None:
            links["legal_rep_id_number"] = rep.id_number
    return RecordView(base, key, _fields(session, spec, found), list(found.get("former_names") or []),  # type: ignore[call-overload]
                      found.get("retired_at") is not None, links)


def lookup_person(session: Session, actor: Actor, raw_id: str) -> tuple[Person, list[FieldView]]:
    """The golden record of one person (a 15-digit number is upgraded first), each field with its source."""
    view = lookup(session, actor, "population", raw_id)
    person = session.get(Person, view.key)
    assert person is not None
    return person, view.fields


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
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
    with _read_only(registry_dir, base) as con:
        fields = ", ".join(f'{value} AS "{f}"' for f, value in publish.mirror_values(con, spec).items())
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
    reviews_open: int
    builds: list[Build]


def overview(session: Session, actor: Actor, base: str = "population") -> Overview:
    """Counts of the base and its latest builds (operator, auditor; a data admin sees it too)."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base)
    table = Base.metadata.tables[base_spec(base).table]
    count = select(func.count())
    people = session.scalar(count.select_from(table).where(table.c.retired_at.is_(None))) or 0
    retired = session.scalar(count.select_from(table).where(table.c.retired_at.is_not(None))) or 0
    quarantine = session.scalar(count.select_from(QuarantinedRow).where(
        QuarantinedRow.base == base, QuarantinedRow.status == "open")) or 0
    conflicts = session.scalar(count.select_from(Conflict).where(
        Conflict.base == base, Conflict.status == "open")) or 0
    builds = list(session.scalars(select(Build).where(Build.base == base).order_by(Build.id.desc()).limit(10)))
    last = next((b for b in builds if b.status == "published"), None)
    review = sum(v.get("review", 0) for v in (last.stats.get("feeds", {}) if last else {}).values())
    reviews_open = session.scalar(count.select_from(Review).where(Review.base == base, Review.status == "open")) or 0
    return Overview(people, retired, quarantine, conflicts, review, reviews_open, builds)


def quarantine(session: Session, actor: Actor, base: str = "population", *, status: str = "open",
               limit: int = 200) -> list[tuple[QuarantinedRow, str]]:
    """Quarantined rows with their feed's file name, oldest first: the operator's work list (to accept) and a data
    admin's (their department's rows, to correct)."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base,
            event="registry.quarantine")
    query = (select(QuarantinedRow, Feed.filename).join(Feed, Feed.id == QuarantinedRow.feed_id)
             .where(QuarantinedRow.base == base, QuarantinedRow.status == status)
             .order_by(QuarantinedRow.id).limit(limit))
    if actor.kind != "system" and (actor.role is None or actor.role is Role.DATA_ADMIN):
        query = query.where(Feed.department_id == actor.department_id)
    rows = [(r, name) for r, name in session.execute(query).all()]
    record(session, AuditEvent("registry.quarantine", actor_ref(actor), target_type="base", target_id=base,
                               details={"shown": [r.id for r, _ in rows]}))  # rows as delivered: personal data
    return rows


@dataclass(frozen=True)
class ReviewView:
    """A review with its feed's file name and, side by side, the suggested golden record's fields."""

    review: Review
    filename: str
    candidate: dict[str, object]


def reviews(session: Session, actor: Actor, base: str = "population", *, status: str = "open",
            limit: int = 100) -> list[ReviewView]:
    """The clerical review queue: rows probabilistic matching could not settle, most likely first, each beside the
    record it may belong to (operator)."""
    spec = base_spec(base)
    require(actor, Action.REGISTRY_RECORDS, target_id=base, event="registry.review")
    rows = session.execute(select(Review, Feed.filename).join(Feed, Feed.id == Review.feed_id)
                           .where(Review.base == base, Review.status == status)
                           .order_by(Review.probability.desc(), Review.id).limit(limit)).all()
    table = Base.metadata.tables[spec.table]
    keys = {r.candidate for r, _ in rows if r.candidate}
    found = {m[spec.key]: dict(m) for m in session.execute(
        table.select().where(table.c[spec.key].in_(keys))).mappings()} if keys else {}
    record(session, AuditEvent("registry.review", actor_ref(actor), target_type="base", target_id=base,
                               details={"shown": [r.id for r, _ in rows], "records": sorted(keys)}))
    return [ReviewView(r, name, found.get(r.candidate or "", {})) for r, name in rows]


def conflicts(session: Session, actor: Actor, base: str = "population", *, limit: int = 200) -> list[Conflict]:
    """Doubtful-data notices: a data admin sees those sent to their department, the operator all."""
    require(actor, Action.REGISTRY_READ, Target(department_id=actor.department_id), target_id=base)
    query = select(Conflict).where(Conflict.base == base).order_by(Conflict.status.desc(), Conflict.id).limit(limit)
    if actor.kind != "system" and (actor.role is None or actor.role is Role.DATA_ADMIN):
        query = query.where(Conflict.department_id == actor.department_id)
    return list(session.scalars(query))
