"""The build of a base: ingest → standardise → match and survive → publish, every stage restartable.

A job, not a use case: it owns its transactions (one to start, one to publish), because a build runs for minutes and
must not hold the serving database meanwhile. Each stage's output appears atomically (a Parquet file renamed into
place, a DuckDB table created in one statement) and a stage whose output exists is skipped, so a build killed at any
point and started again ends with the same golden records and lineage. Two builds of one base never run together.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import AuditEvent, record
from tongban.audit.unit_of_work import transaction
from tongban.catalog import queries as catalog_queries
from tongban.db import utcnow
from tongban.errors import TongbanError
from tongban.identity.policy import Action, Actor
from tongban.identity.service import actor_ref, require
from tongban.registry import findings, golden, publish, quality, rules
from tongban.registry.bases import BASES, BaseSpec
from tongban.registry.ingest import FeedUnreadable, ingest_feed
from tongban.registry.model import Build, Feed, QuarantinedRow, Review
from tongban.registry.workspace import Workspace, load_rows

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]  # stage, done, total


class AccountingBroken(TongbanError):
    """Rows read ≠ linked + duplicate + quarantined + review for some feed: the build stops, nothing published."""

    status = 500
    code = "registry.accounting"


@dataclass(frozen=True)
class FeedInfo:
    """What the batch stages need of a feed (read in the first transaction, so no session is held afterwards)."""

    id: int
    department_id: int
    filename: str
    delivered_on: dt.date
    format: str
    encoding: str
    columns: list[str]
    names: dict[str, str]
    path: Path
    new: bool  # not yet in a published build (its quarantined rows are published with the first one)
    resource: quality.ResourceInfo | None = None  # its catalog resource, for the quality report


@dataclass
class BuildReport:
    """The outcome of one build, for the CLI, the page and the audit record."""

    build_id: int
    base: str
    feeds: dict[int, dict[str, int]] = field(default_factory=dict)
    published: publish.Published = field(default_factory=publish.Published)
    conflicts: int = 0
    linkage: dict[str, Any] = field(default_factory=dict)  # what probabilistic linkage decided, when it ran
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: bool = False


def _feeds(session: Session, spec: BaseSpec, store: Path) -> list[FeedInfo]:
    out = []
    for feed in session.scalars(select(Feed).order_by(Feed.id)):
        codes = {item.code for item in feed.resource.items}
        if spec.feeds_resource(codes):
            out.append(FeedInfo(feed.id, feed.department_id, feed.filename, feed.delivered_at.date(), feed.format,
                                feed.encoding, list(feed.columns), {i.name: i.code for i in feed.resource.items},
                                store / feed.stored_as, feed.status == "received", quality.ResourceInfo.of(feed)))
    return out


def _start(sessions: sessionmaker[Session], actor: Actor, spec: BaseSpec, store: Path, ws: Workspace,
           con: duckdb.DuckDBPyConnection) -> tuple[int, list[FeedInfo], dict[str, int]]:
    with transaction(sessions) as session:
        require(actor, Action.REGISTRY_BUILD, target_id=spec.name, event="registry.build")
        pending = publish.pending_build(con)
        if pending is not None:  # a build was killed between its publish commit and folding the mirror
            finished = session.get(Build, pending)
            if finished is not None and finished.status == "published":
                _fold(con, ws, spec)
            else:
                publish.discard(con)
                findings.discard(con)
                ws.pending_library.unlink(missing_ok=True)
        session.execute(update(Build).where(Build.base == spec.name, Build.status == "running")
                        .values(status="failed", error="interrupted", finished_at=utcnow()))
        build = Build(base=spec.name)
        session.add(build)
        session.flush()
        sources = catalog_queries.authoritative_departments(session)
        _decisions(session, con, spec)
        record(session, AuditEvent("registry.build", actor_ref(actor), target_type="base", target_id=spec.name,
                                   details={"build": build.id, "stage": "start"}))
        return build.id, _feeds(session, spec, store), sources


def _decisions(session: Session, con: duckdb.DuckDBPyConnection, spec: BaseSpec) -> None:
    """What people decided about rows, for matching to honour: a clerk's answers to reviews (``decisions``), and the
    quarantined rows a department corrected (replayed with its values) or the operator accepted as they are
    (``replays``). Moved as Arrow tables: an INSERT per row into DuckDB costs milliseconds."""
    answered = session.execute(select(Review.feed_id, Review.row, Review.candidate, Review.status)
                               .where(Review.base == spec.name, Review.status.in_(("accepted", "rejected")))).all()
    load_rows(con, "decisions",
              {"feed_id": pa.int64(), "row": pa.int64(), "key": pa.string(), "decision": pa.string()},
           answered)
    replayed = session.execute(select(QuarantinedRow.feed_id, QuarantinedRow.row, QuarantinedRow.status,
                                      QuarantinedRow.corrected)
                               .where(QuarantinedRow.base == spec.name,
                                      QuarantinedRow.status.in_(("corrected", "accepted")))).all()
    load_rows(con, "replays",
              {"feed_id": pa.int64(), "row": pa.int64(), "status": pa.string(), "corrected": pa.string()},
           [(f, r, st, json.dumps(c or {}, ensure_ascii=False)) for f, r, st, c in replayed])
    con.execute("CREATE OR REPLACE TEMP TABLE replays AS SELECT * REPLACE (CAST(corrected AS JSON) AS corrected) "
                "FROM replays")


INGEST_THREADS = 2  # feeds read at once: reading one keeps a core busy (pyarrow lets go of the GIL meanwhile)


def _ingest(ws: Workspace, feeds: list[FeedInfo], progress: Progress) -> None:
    """Ingest the feeds not ingested yet, the largest first, two at a time."""
    waiting = sorted((f for f in feeds if not ws.ingested(f.id).exists()), key=lambda f: -f.path.stat().st_size)
    done = len(feeds) - len(waiting)
    progress("ingest", done, len(feeds))
    with ThreadPoolExecutor(INGEST_THREADS, thread_name_prefix="ingest") as pool:
        running = [pool.submit(ingest_feed, f.path, f.format, f.encoding, f.columns, ws.ingested(f.id),
                               ws.rejects(f.id), names=f.names) for f in waiting]
        try:
            for future in as_completed(running):
                future.result()  # a feed that cannot be read stops the build: feeds not started are not read
                done += 1
                progress("ingest", done, len(feeds))
        except BaseException:
            for future in running:
                future.cancel()
            raise


def _standardize(con: duckdb.DuckDBPyConnection, ws: Workspace, spec: BaseSpec, feeds: list[FeedInfo],
                 progress: Progress) -> None:
    existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for n, feed in enumerate(feeds, start=1):
        if f"std_{feed.id}" not in existing:
            con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM read_parquet('{ws.ingested(feed.id)}')")
            rules.standardize(con, "src", f"std_{feed.id}", spec.kind)
        progress("standardize", n, len(feeds))


def _corrections(con: duckdb.DuckDBPyConnection, ws: Workspace, spec: BaseSpec, feed: FeedInfo) -> bool:
    """Standardise the rows of ``feed`` a department corrected, with the corrected values, as ``fix_<feed>``."""
    (count,) = con.execute("SELECT count(*) FROM replays WHERE feed_id = ? AND status = 'corrected'",
                           [feed.id]).fetchone() or (0,)
    if not count:
        return False
    replaced = ", ".join(f"coalesce(json_extract_string(c.corrected, '$.\"{col}\"'), p.\"{col}\") AS \"{col}\""
                         for col in feed.columns)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW src AS SELECT p.* REPLACE ({replaced})
                    FROM read_parquet('{ws.ingested(feed.id)}') p
                    JOIN replays c ON c.feed_id = {feed.id} AND c."row" = p."row" AND c.status = 'corrected'""")
    con.execute(f"DROP TABLE IF EXISTS fix_{feed.id}")
    rules.standardize(con, "src", f"fix_{feed.id}", spec.kind)
    return True


def _inputs(con: duckdb.DuckDBPyConnection, ws: Workspace, spec: BaseSpec, feeds: list[FeedInfo]) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE feeds (feed_id BIGINT, department_id BIGINT, filename VARCHAR, "
                "delivered_on DATE)")
    con.executemany("INSERT INTO feeds VALUES (?, ?, ?, ?)",
                    [(f.id, f.department_id, f.filename, f.delivered_on) for f in feeds])
    parts = []
    for f in feeds:
        if _corrections(con, ws, spec, f):  # a corrected row replaces the row as delivered
            parts.append(f"""SELECT {f.id}::BIGINT AS feed_id, * FROM std_{f.id} WHERE "row" NOT IN
                             (SELECT "row" FROM replays WHERE feed_id = {f.id} AND status = 'corrected')""")
            parts.append(f"SELECT {f.id}::BIGINT AS feed_id, * FROM fix_{f.id}")
        else:
            parts.append(f"SELECT {f.id}::BIGINT AS feed_id, * FROM std_{f.id}")
    union = " UNION ALL BY NAME ".join(parts)
    con.execute(f"CREATE OR REPLACE TEMP VIEW std AS {union}")
    rejects = ", ".join(f"'{ws.rejects(f.id)}'" for f in feeds)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW rejects AS
        SELECT CAST(regexp_extract(filename, '(\\d+)\\.rejects\\.parquet$', 1) AS BIGINT) AS feed_id, row, rule, text
        FROM read_parquet([{rejects}], filename = true)""")


def _check_accounting(con: duckdb.DuckDBPyConnection, ws: Workspace,
                      feeds: list[FeedInfo]) -> dict[int, dict[str, int]]:
    counts = golden.accounting(con)
    for feed in feeds:
        read = con.execute(f"SELECT (SELECT count(*) FROM read_parquet('{ws.ingested(feed.id)}')) + "
                           f"(SELECT count(*) FROM read_parquet('{ws.rejects(feed.id)}'))").fetchone()
        accounted = sum(counts.get(feed.id, {}).values())
        if not read or read[0] != accounted:
            raise AccountingBroken("Feed {feed} has {read} rows but {accounted} outcomes", params={
                "feed": feed.filename, "read": read[0] if read else 0, "accounted": accounted})
        counts.setdefault(feed.id, {})["read"] = int(read[0])
    return counts


def build_base(sessions: sessionmaker[Session], actor: Actor, base: str, *, store: Path, registry_dir: Path,
               progress: Progress | None = None, memory_limit: str = "4GB") -> BuildReport:
    """Run every stage of ``base``'s build and publish it."""
    spec = BASES[base]
    ws = Workspace.of(registry_dir, base)
    tick = progress or (lambda stage, done, total: None)
    with ws.lock(base), ws.connect(memory_limit=memory_limit) as con:
        build_id, feeds, sources = _start(sessions, actor, spec, store, ws, con)
        report = BuildReport(build_id, base)
        try:
            for stage, run in (("ingest", lambda: _ingest(ws, feeds, tick)),
                               ("standardize", lambda: _standardize(con, ws, spec, feeds, tick)),
                               ("match", lambda: _resolve(con, ws, spec, feeds, sources, report, tick))):
                started = time.perf_counter()
                run()
                report.seconds[stage] = round(time.perf_counter() - started, 2)
            if spec.name == "address" and feeds:
                _write_library(con, ws)  # aside: in place once the publish has committed
            _publish(sessions, actor, con, ws, spec, feeds, [f.id for f in feeds if f.new], report)
            tick("publish", 1, 1)
        except BaseException as exc:
            _fail(sessions, build_id, exc)
            raise
    return report


def _resolve(con: duckdb.DuckDBPyConnection, ws: Workspace, spec: BaseSpec, feeds: list[FeedInfo],
             sources: dict[str, int], report: BuildReport, tick: Progress) -> None:
    if not feeds:
        con.execute("CREATE OR REPLACE TABLE outcomes (feed_id BIGINT, row BIGINT, outcome VARCHAR, key VARCHAR, "
                    "reason VARCHAR)")
        return
    _inputs(con, ws, spec, feeds)
    library = Workspace.of(ws.root.parent, "address").library
    steps: dict[str, float] = {}
    linked = golden.resolve(con, spec, sources, seconds=steps, carried=quality.field_masks(spec, feeds),
                            library=str(library) if spec.derived_from and library.exists() else None)
    report.seconds.update({f"match.{k}": v for k, v in steps.items()})
    if linked is not None:
        report.linkage = {"accept": linked.accept, "review": linked.review, "none": linked.none,
                          "training_pairs": linked.training_pairs, "seconds": linked.seconds}
    report.feeds = _check_accounting(con, ws, feeds)
    tick("match", 1, 1)


def _write_library(con: duckdb.DuckDBPyConnection, ws: Workspace) -> None:
    """The address base's standard addresses, standardised and parsed — the file the other bases link their
    addresses to — written aside; :func:`_fold` puts it in place after the publish commits."""
    con.execute(f"COPY (SELECT * EXCLUDE (findings, copy, _copy) FROM linked WHERE copy = 1) TO '{ws.pending_library}' "
                "(FORMAT parquet, COMPRESSION zstd)")


def _fold(con: duckdb.DuckDBPyConnection, ws: Workspace, spec: BaseSpec) -> None:
    """After the serving commit: fold the published difference and the sent findings into DuckDB's mirrors in one
    DuckDB transaction (``pending_meta`` goes last, with them), then put a new address library in place."""
    con.execute("BEGIN")
    findings.fold(con)
    publish.fold(con, spec)
    con.execute("COMMIT")
    if ws.pending_library.exists():
        ws.pending_library.replace(ws.library)


def _publish(sessions: sessionmaker[Session], actor: Actor, con: duckdb.DuckDBPyConnection, ws: Workspace,
             spec: BaseSpec, feeds: list[FeedInfo], new_feeds: list[int], report: BuildReport) -> None:
    started = lap = time.perf_counter()

    def step(name: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        report.seconds[f"publish.{name}"], lap = round(now - lap, 2), now
    if feeds:
        publish.diff(con, spec, report.build_id)
        findings.diff(con, {f: ws.ingested(f) for f in new_feeds})
    step("diff")
    bind = sessions.kw["bind"]
    staged = None
    try:
        # Outside the serving transaction, side by side: the records staged (DuckDB sorts them, then the loader
        # process writes them on a core of its own) while the quality report is measured here.
        with ThreadPoolExecutor(1, thread_name_prefix="publish-stage") as pool, con.cursor() as cursor:
            staging = pool.submit(publish.stage, bind, cursor, spec, report.build_id) if feeds else None
            try:
                measured = quality.measure(con, spec, feeds, ws) if feeds else {}
            except BaseException:  # the report's failure is the one to tell; what was staged is dropped below
                staged = _settled(staging)
                raise
            staged = staging.result() if staging else None  # waits, and raises what staging raised
        step("quality_and_stage")
        with transaction(sessions) as session:
            if feeds:
                report.published = publish.apply(session, con, spec, report.build_id, staged)
                step("records")
                report.conflicts = findings.apply(session, con, spec.name, report.build_id)
                step("findings")
            build = session.get(Build, report.build_id)
            assert build is not None
            report.seconds["publish"] = round(time.perf_counter() - started, 2)
            build.status, build.finished_at, build.stats = "published", utcnow(), _stats(report)
            build.quality = measured
            session.execute(update(Feed).where(Feed.id.in_(new_feeds)).values(status="processed"))
            record(session, AuditEvent("registry.build", actor_ref(actor), target_type="base", target_id=spec.name,
                                       details={"build": report.build_id, "stage": "published", **_stats(report)}))
    except BaseException:
        publish.unstage(bind, staged)
        raise
    step("commit")
    if feeds:
        _fold(con, ws, spec)
        golden.drop_working(con)
        step("fold")


def _settled(staging: Future[publish.Staged | None] | None) -> publish.Staged | None:
    """What ``staging`` staged once it has finished, or None when it failed (its error logged: another is raised)."""
    try:
        return staging.result() if staging else None
    except Exception:
        log.warning("staging failed too", exc_info=True)
        return None


def _stats(report: BuildReport) -> dict[str, Any]:
    return {"feeds": {str(k): v for k, v in report.feeds.items()}, "created": report.published.created,
            "changed": report.published.changed, "retired": report.published.retired,
            "conflicts": report.conflicts, "linkage": report.linkage, "seconds": report.seconds}


def _fail(sessions: sessionmaker[Session], build_id: int, exc: BaseException) -> None:
    detail = str(exc) if not isinstance(exc, FeedUnreadable) else f"row {exc.row}: {exc.detail}"
    with transaction(sessions) as session:
        session.execute(update(Build).where(Build.id == build_id, Build.status == "running")
                        .values(status="failed", error=f"{type(exc).__name__}: {detail}"[:2000],
                                finished_at=utcnow()))


def may_build(actor: Actor, base: str) -> None:
    """Refuse (audited) unless ``actor`` may start a build of ``base`` — checked before a page starts one in the
    background, where the build's own check would come too late to answer the request."""
    require(actor, Action.REGISTRY_BUILD, target_id=base, event="registry.build")
