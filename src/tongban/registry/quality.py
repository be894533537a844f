"""The quality report of a build: per feed and per base, on the six GB/T 36344 dimensions, with per-field figures.

Measured in DuckDB after matching, from the build's tables (``std_{feed}``, ``outcomes``, ``golden``, ``conflicts``),
the ingested feeds and their rejects; set-based SQL only, a handful of queries per feed and per base. Every figure
is ``checked`` values, ``passed``, ``failed`` and ``rate`` = passed / checked (None when nothing was checked).

Per feed (unit: the feed's rows and delivered values):

- conformance 规范性, accuracy 准确性, consistency 一致性, and completeness 完整性 of required items: the validation
  rules of :mod:`rules`, each tagged with its dimension, counted per item by :func:`rules.quality_summary`
  (completeness on every row, the other dimensions on the values that are not empty);
- timeliness 时效性: the rule findings of that dimension (a district that no longer exists), and the delivery: every
  row passes when the newest feed of its resource in the build was delivered no longer ago than one update cycle
  of the catalog (realtime and daily 1 day, weekly 7, monthly 31, quarterly 92, half-yearly 183, yearly 366; an
  irregular resource is not checked). ``delivery`` also says how old the data was when delivered: ``lag_days`` from
  the newest ``updated_on`` to the delivery, and ``recent_rows``, the rows whose ``updated_on`` is within one cycle
  of the delivery (informational: a full extract holds records that have not changed for years);
- accessibility 可访问性: every row passes when ingest could read it (not rejected) and its resource is published in
  the catalog with a sharing type other than 不予共享.

Per base (unit: golden records), per golden field F:

- completeness: of the records linked to a row of a feed that has F's column, those whose golden F has a value
  (fields whose emptiness is a fact, such as a death date, only report how many are ``filled``);
- conformance, accuracy, consistency, timeliness (rules): a record fails when a linked row of it (not a duplicate)
  has a finding of that dimension on F; consistency also fails a record with a conflict on F (two departments gave
  different values); checked are the records with a value for F, and those that failed without one;
- timeliness (delivery) and accessibility: a record fails when its value for F came from a feed that fails the
  feed's delivery or accessibility check above.

``overall`` sums the figures of every feed, ``base.dimensions`` those of the base's fields: each dimension's rate
is weighted by the values checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from tongban.registry import rules
from tongban.registry.bases import BaseSpec
from tongban.registry.ingest import non_empty
from tongban.registry.rules_data import DIMENSIONS, RULES, sql_literal

if TYPE_CHECKING:
    from tongban.registry.model import Feed

VERSION = 1
# Days of one update cycle (catalog vocabulary); an irregular resource has none and is never late.
CYCLE_DAYS: dict[str, int] = {"realtime": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92,
                              "half_yearly": 183, "yearly": 366}
SHARED = frozenset({"unconditional", "conditional"})  # sharing types that let other departments use a resource
OPTIONAL = frozenset({"death_date"})  # golden fields whose emptiness is a fact (alive), not a gap
ROW_TIME = "updated_on"  # when a source row last changed
# Dimensions the base measures from rule findings (completeness and accessibility from the golden records).
_RULE_DIMENSIONS = ("conformance", "accuracy", "consistency", "timeliness")


@dataclass(frozen=True)
class ResourceInfo:
    """What the report needs of a feed's catalog resource (read with the feeds, so no session is held later)."""

    id: int
    code: str
    name: str
    department: str
    update_cycle: str
    sharing_type: str
    status: str

    @classmethod
    def of(cls, feed: Feed) -> ResourceInfo:
        r = feed.resource
        return cls(r.id, r.code, r.name, feed.department.name, r.update_cycle, r.sharing_type, r.status)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def figure(checked: int, passed: int) -> dict[str, Any]:
    """One figure: checked, passed, failed and the rate (None when nothing was checked)."""
    checked, passed = int(checked), int(passed)
    return {"checked": checked, "passed": passed, "failed": checked - passed,
            "rate": round(passed / checked, 4) if checked else None}


def totals(fields: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per dimension, the figures of ``fields`` summed: the rate weighted by the values checked."""
    sums = {d: [0, 0] for d in DIMENSIONS}
    for f in fields:
        sums[f["dimension"]][0] += f["checked"]
        sums[f["dimension"]][1] += f["passed"]
    return {d: figure(c, p) for d, (c, p) in sums.items()}


class _Fields:
    """(item, dimension) → [checked, passed], summed when one is added twice."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str | None, str], list[int]] = {}

    def add(self, item: str | None, dimension: str, checked: int, passed: int) -> None:
        entry = self.counts.setdefault((item, dimension), [0, 0])
        entry[0] += int(checked)
        entry[1] += int(passed)

    def rows(self) -> list[dict[str, Any]]:
        order = list(DIMENSIONS)
        keys = sorted(self.counts, key=lambda k: (k[0] is not None, k[0] or "", order.index(k[1])))
        return [{"item": item, "dimension": dim, **figure(*self.counts[(item, dim)])} for item, dim in keys]


def _delivery(con: duckdb.DuckDBPyConnection, feed: Any, newest: dt.date, as_of: dt.date) -> dict[str, Any]:
    """How current the feed is against its resource's update cycle (``newest``: its resource's latest delivery)."""
    cycle = feed.resource.update_cycle if feed.resource else ""
    days = CYCLE_DAYS.get(cycle)
    out: dict[str, Any] = {"cycle": cycle, "cycle_days": days, "delivered_on": feed.delivered_on.isoformat(),
                           "age_days": (as_of - newest).days, "on_time": None if days is None else
                           (as_of - newest).days <= days, "newest_row": None, "lag_days": None, "recent_rows": None}
    if ROW_TIME in feed.columns:
        window = days if days is not None else 0
        latest, dated, recent = con.execute(
            f"SELECT max({ROW_TIME}), count({ROW_TIME}), count(*) FILTER (WHERE ?::DATE - {ROW_TIME} <= ?) "
            f"FROM std_{int(feed.id)}", [feed.delivered_on, window]).fetchone() or (None, 0, 0)
        if latest is not None:
            out |= {"newest_row": latest.isoformat(), "lag_days": (feed.delivered_on - latest).days,
                    "recent_rows": figure(dated, recent) if days is not None else None}
    return out


def _feed_report(con: duckdb.DuckDBPyConnection, spec: BaseSpec, feed: Any, ingested: Path, rejects: Path,
                 newest: dt.date, as_of: dt.date) -> dict[str, Any]:
    (read,) = con.execute(f"SELECT count(*) FROM read_parquet({_path(ingested)})").fetchone() or (0,)
    (rejected,) = con.execute(f"SELECT count(*) FROM read_parquet({_path(rejects)})").fetchone() or (0,)
    rows = int(read) + int(rejected)
    fields = _Fields()
    for fq in rules.quality_summary(con, f"read_parquet({_path(ingested)})", f"std_{int(feed.id)}", spec.kind,
                                    present=non_empty(ingested)):
        fields.add(fq.item, fq.dimension, fq.checked, fq.passed)
    delivery = _delivery(con, feed, newest, as_of)
    if delivery["on_time"] is not None:
        fields.add(None, "timeliness", rows, rows if delivery["on_time"] else 0)
    resource = feed.resource
    shared = resource is not None and resource.status == "published" and resource.sharing_type in SHARED
    fields.add(None, "accessibility", rows, int(read) if shared else 0)
    listed = fields.rows()
    return {"id": feed.id, "filename": feed.filename, "department_id": feed.department_id,
            "department": resource.department if resource else "",
            "resource": None if resource is None else {
                "id": resource.id, "code": resource.code, "name": resource.name, "update_cycle": resource.update_cycle,
                "sharing_type": resource.sharing_type, "status": resource.status},
            "rows": rows, "rejected": int(rejected), "shared": shared, "delivery": delivery,
            "dimensions": totals(listed), "fields": listed}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()
    return bool(found and found[0])


def field_masks(spec: BaseSpec, feeds: Sequence[Any]) -> dict[int, int]:
    """Feed id → the golden fields its file has a column for (directly or through an alias), a bit per field in
    the order of ``spec.fields``. Survivorship ORs them over each record's linked rows into golden's ``_carried``,
    which completeness reads: per record, the fields some source could have given."""
    if len(spec.fields) > 62:
        raise ValueError("a base with more than 62 fields needs a wider mask for its quality report")
    aliases = getattr(spec, "aliases", {}) or {}
    out = {}
    for feed in feeds:
        targets = {aliases.get(column, column) for column in feed.columns}
        out[int(feed.id)] = sum(1 << n for n, f in enumerate(spec.fields) if f in targets)
    return out


def _base_report(con: duckdb.DuckDBPyConnection, spec: BaseSpec, feeds: Sequence[Any],
                 reports: list[dict[str, Any]]) -> dict[str, Any]:
    if not _exists(con, "golden") or not feeds:
        return {"records": 0, "filled": {}, "dimensions": totals([]), "fields": []}
    late = {r["id"] for r in reports if r["delivery"]["on_time"] is False}
    measurable = {r["id"] for r in reports if r["delivery"]["on_time"] is not None}
    closed = {r["id"] for r in reports if not r["shared"]}
    # The records counted by which feeds carry each field (golden's mask) and which feed each value came from: a few
    # hundred groups, summed here (66 filtered counts over every record cost 79-110 s at 24 M people).
    groups = con.execute(f"SELECT _carried, {', '.join(f'{_q(f)}.feed' for f in spec.fields)}, count(*) "
                         "FROM golden GROUP BY ALL").fetchall()
    records = sum(int(g[-1]) for g in groups)
    fields, filled = _Fields(), {}
    for n, f in enumerate(spec.fields):
        value = carried = carried_filled = timed = stale = hidden = 0
        for mask, *sources, count in groups:
            source, count = sources[n], int(count)
            has = (int(mask or 0) >> n) & 1 == 1
            value += count if source is not None else 0
            carried += count if has else 0
            carried_filled += count if has and source is not None else 0
            timed += count if source in measurable else 0
            stale += count if source in late else 0
            hidden += count if source in closed else 0
        filled[f] = value
        if f not in OPTIONAL:
            fields.add(f, "completeness", carried, carried_filled)
        if timed:
            fields.add(f, "timeliness", timed, timed - stale)
        fields.add(f, "accessibility", value, value - hidden)
    for f, dimension, checked, failed in _rule_failures(con, spec, feeds, reports, filled):
        fields.add(f, dimension, checked, checked - failed)
    listed = fields.rows()
    return {"records": records, "filled": filled, "dimensions": totals(listed), "fields": listed}


def _rule_failures(con: duckdb.DuckDBPyConnection, spec: BaseSpec, feeds: Sequence[Any],
                   reports: list[dict[str, Any]], values: dict[str, int]) -> list[tuple[str, str, int, int]]:
    """(field, dimension, records checked, records failed) for the rule dimensions, over the linked rows' findings
    and the conflicts; a pair is listed when some feed's rules check it, or it is a conflict field. ``values``:
    the records with a value of each field."""
    aliases = getattr(spec, "aliases", {}) or {}
    mapping = {**{f: f for f in spec.fields}, **{a: f for a, f in aliases.items() if f in spec.fields}}
    pairs = {(mapping[f["item"]], f["dimension"]) for r in reports for f in r["fields"]
             if f["item"] in mapping and f["dimension"] in _RULE_DIMENSIONS}
    pairs |= {(f, "consistency") for f in spec.conflicts if f in spec.fields}
    dims = ", ".join(f"({sql_literal(r.code)}, {sql_literal(r.dimension)})" for r in RULES.values())
    items = ", ".join(f"({sql_literal(a)}, {sql_literal(f)})" for a, f in mapping.items())
    with_findings = " UNION ALL ".join(
        f'SELECT {int(feed.id)}::BIGINT AS feed_id, "row", findings FROM std_{int(feed.id)} WHERE len(findings) > 0'
        for feed in feeds)
    conflicts = "UNION SELECT key, item, 'consistency' FROM conflicts" if _exists(con, "conflicts") else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE q_bad AS
        SELECT DISTINCT o.key, m.field, d.dimension
        FROM (SELECT feed_id, "row", unnest(findings) AS x FROM ({with_findings})) f
        JOIN outcomes o ON o.feed_id = f.feed_id AND o."row" = f."row" AND o.outcome = 'linked'
        JOIN (VALUES {dims}) d(rule, dimension) ON d.rule = f.x.rule
        JOIN (VALUES {items}) m(item, field) ON m.item = f.x.item
        {conflicts}""")
    empty = "CASE b.field " + " ".join(f"WHEN {sql_literal(f)} THEN g.{_q(f)} IS NULL" for f in spec.fields) + " END"
    failed = {(f, d): (int(n), int(blank)) for f, d, n, blank in con.execute(
        f"""SELECT b.field, b.dimension, count(*), count(*) FILTER (WHERE {empty})
            FROM q_bad b JOIN golden g USING (key) GROUP BY ALL""").fetchall()}
    pairs |= {pair for pair in failed if pair[1] in _RULE_DIMENSIONS}
    out = []
    for f, d in sorted(pairs):
        n, blank = failed.get((f, d), (0, 0))
        out.append((f, d, int(values.get(f, 0)) + blank, n))
    return out


def measure(con: duckdb.DuckDBPyConnection, spec: BaseSpec, feeds: Sequence[Any], workspace: Any, *,
            as_of: dt.date | None = None) -> dict[str, Any]:
    """The quality report of the build on ``con`` (after matching): per feed, per base and overall (JSON-ready).

    ``feeds`` are the build's FeedInfo (with their ``resource``); ``workspace`` gives each feed's ingested and
    rejects files; ``as_of`` (default today) is the day delivery ages are counted to."""
    as_of = as_of or dt.date.today()
    newest: dict[object, dt.date] = {}
    for feed in feeds:
        group = feed.resource.id if feed.resource else ("feed", feed.id)
        newest[group] = max(newest.get(group, feed.delivered_on), feed.delivered_on)
    reports = [_feed_report(con, spec, feed, workspace.ingested(feed.id), workspace.rejects(feed.id),
                            newest[feed.resource.id if feed.resource else ("feed", feed.id)], as_of)
               for feed in feeds]
    every = [f for r in reports for f in r["fields"]]
    return {"version": VERSION, "base": spec.name, "as_of": as_of.isoformat(), "dimensions": list(DIMENSIONS),
            "overall": totals(every), "feeds": reports, "golden": _base_report(con, spec, feeds, reports)}
