"""The population build end to end on a synthetic city: every row accounted for, links right, idempotent, incremental,
one build at a time, and a killed build resumes to the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from tests.factories import SYSTEM
from tests.registry.conftest import City, csv_bytes, make_city
from tongban.audit.model import AuditRecord
from tongban.errors import Conflict as ConflictError
from tongban.registry import golden, reads
from tongban.registry.model import Build, Change, Conflict, Person, QuarantinedRow
from tongban.registry.provenance import per_field
from tongban.registry.workspace import Workspace


def _lineage(city: City) -> list[tuple[object, ...]]:
    with city.sessions() as session:
        return list(reads.lineage(session, SYSTEM, city.registry, "population"))


def _people(city: City) -> dict[str, tuple[object, ...]]:
    with city.sessions() as session:
        return {p.id_number: (p.name, p.sex, p.birth_date, p.phone, p.marital_status, p.death_date, p.retired_at)
                for p in session.scalars(select(Person))}


def test_every_row_is_accounted_for_and_every_link_is_right(city):
    report = city.build()
    truth = city.truth()
    lineage = _lineage(city)
    assert len(lineage) == len(truth)  # one outcome per source row, nothing lost
    for counts in report.feeds.values():
        assert counts["read"] == sum(v for k, v in counts.items() if k != "read")
    linked = [(feed, row, key) for feed, row, outcome, key, _ in lineage if outcome in ("linked", "duplicate")]
    assert len(linked) > 0.9 * len(truth)
    assert all(truth[(feed, row)] == key for feed, row, key in linked)
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == len({k for _, _, k in linked})
        build = session.get(Build, report.build_id)
        assert build is not None and build.status == "published"
        person = session.scalars(select(Person).limit(1)).one()
        assert {"department", "feed", "row", "at"} <= set(per_field(person.provenance)["name"])


def test_quarantine_keeps_every_reason_and_conflicts_reach_the_department(city):
    city.build()
    with city.sessions() as session:
        for row in session.scalars(select(QuarantinedRow)):
            assert row.reasons and all(r["rule"] for r in row.reasons)
            assert row.values
        conflicts = list(session.scalars(select(Conflict)))
        assert conflicts, "the generator injects conflicting birth dates in the health feed"
        assert all(c.department_id != c.kept_from for c in conflicts)


def test_a_second_build_changes_nothing(city):
    city.build()
    before, lineage = _people(city), _lineage(city)
    again = city.build()
    assert (again.published.created, again.published.changed, again.published.retired) == (0, 0, 0)
    assert _people(city) == before and _lineage(city) == lineage
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Change).where(Change.build_id == again.build_id)) == 0


def test_a_mirror_of_plain_values_from_before_still_gives_the_difference_and_the_export(city, tmp_path):
    """The mirror is now the golden records themselves (structs with provenance); one written by an earlier version
    holds the plain values. Both give the same difference and the same export."""
    city.build()
    database = str(Workspace.of(city.registry, "population").database)
    reads.export_base(SYSTEM, city.registry, "population", tmp_path / "structs.csv", "csv")
    with duckdb.connect(database) as con:
        fields = [c for (c, kind) in con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE "
                                                 "table_name = 'published'").fetchall() if kind.startswith("STRUCT")]
        assert "name" in fields and "birth_date" in fields
        plain = ", ".join(f'"{f}".v AS "{f}"' for f in fields)
        con.execute(f"CREATE OR REPLACE TABLE published AS SELECT key, {plain}, history FROM published")
    reads.export_base(SYSTEM, city.registry, "population", tmp_path / "plain.csv", "csv")
    assert (tmp_path / "plain.csv").read_text() == (tmp_path / "structs.csv").read_text()
    again = city.build()
    assert (again.published.created, again.published.changed, again.published.retired) == (0, 0, 0)


def _golden_rows(city: City, table: str = "published") -> list[tuple]:  # type: ignore[type-arg]
    """The rows of ``table`` after the build: ``published`` is its golden records, folded in as the mirror."""
    with duckdb.connect(str(Workspace.of(city.registry, "population").database), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_survivorship_a_part_of_the_keys_at_a_time_gives_the_same_golden_records(city, monkeypatch):
    city.build()
    whole, conflicts = _golden_rows(city), _golden_rows(city, "conflicts")
    monkeypatch.setattr(golden, "SURVIVORSHIP_ROWS", 97)  # a few hundred linked rows: several parts
    again = city.build()
    assert (again.published.created, again.published.changed, again.published.retired) == (0, 0, 0)
    assert conflicts and len(whole) > 97
    assert _golden_rows(city) == whole and _golden_rows(city, "conflicts") == conflicts


def test_a_later_feed_changes_only_the_records_it_touches(city, tmp_path):
    city.build()
    people = sorted(_people(city))[:2]
    header = ["公民身份号码", "姓名", "参保单位统一社会信用代码", "参保状态", "联系电话", "更新日期"]
    names = {k: v[0] for k, v in _people(city).items()}
    update = tmp_path / "hrss-update.csv"
    update.write_bytes(csv_bytes(header, [[k, names[k], "", "正常参保", f"1390000000{n}", "2099-01-01"]
                                          for n, k in enumerate(people)]))
    city.deliver("hrss-update.csv", "社会保险参保信息", update)
    report = city.build()
    assert (report.published.created, report.published.changed) == (0, 2)
    with city.sessions() as session:
        changes = session.scalars(select(Change).where(Change.build_id == report.build_id)).all()
        assert {(c.key, c.change) for c in changes} == {(k, "changed") for k in people}
        assert all("phone" in c.fields for c in changes)
        assert session.get(Person, people[0]).phone == "13900000000"


def test_a_second_build_while_one_runs_is_refused(city):
    with Workspace.of(city.registry, "population").lock("population"):
        with pytest.raises(ConflictError) as refused:
            city.build()
    assert refused.value.code == "registry.build_running"


def test_looking_up_a_person_is_audited(city):
    city.build()
    key = sorted(_people(city))[0]
    with city.sessions() as session:
        person, fields = reads.lookup_person(session, SYSTEM, key)
        session.commit()
        assert person.id_number == key and fields[0].department
        events = session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.lookup")).all()
        assert [(e.target_id, e.outcome) for e in events] == [(key, "allowed")]


BUILD = """
import sys
from tongban.db import make_engine, make_session_factory
from tongban.identity.policy import Actor
from tongban.registry.build import build_base
from pathlib import Path
root = Path(sys.argv[2])
build_base(make_session_factory(make_engine(sys.argv[1])), Actor.system("test"), "population",
           store=root / "store", registry_dir=root / "registry", memory_limit="1GB")
"""


def test_a_killed_build_resumes_to_the_same_result(city, db_url, tmp_path):
    """kill -9 a build at several points; each time the next build ends exactly as an uninterrupted one."""
    root = city.store.parent
    for delay in (0.6, 1.2, 1.8, 2.4):
        process = subprocess.Popen([sys.executable, "-c", BUILD, db_url, str(root)],
                                   env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    city.build()
    resumed, lineage = _people(city), _lineage(city)

    reference = make_city(_fresh_sessions(tmp_path), tmp_path / "reference")
    reference.build()
    assert _people(reference) == resumed
    assert _lineage(reference) == lineage
    with city.sessions() as session:
        statuses = session.scalars(select(Build.status)).all()
        assert "running" not in statuses


def _fresh_sessions(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tongban.db import make_engine, make_session_factory, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(engine)
    return make_session_factory(engine)
