"""Publishing on SQLite through staging tables: rows written by a loader process (ADBC), moved in by the serving
transaction; the first publish of a base takes the staged table whole, with the table's indexes made again."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from sqlalchemy import Engine, func, select, text

from tests.registry.conftest import City
from tongban.registry import findings, publish, quality
from tongban.registry.model import Build, Change, Entity, Person


def _sqlite(city: City) -> Engine:
    engine: Engine = city.sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("staging is SQLite's publish path; PostgreSQL takes COPY in the serving transaction")
    return engine


def _schema(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {name: kind for name, kind in conn.execute(text("SELECT name, type FROM sqlite_master"))}


def test_the_first_publish_takes_the_staged_table_whole_and_keeps_the_indexes(city):
    engine = _sqlite(city)
    before = _schema(engine)
    city.deliver_entities()
    city.build("population")
    city.build("entity")
    after = _schema(engine)
    assert not [name for name in after if "staged" in name]
    assert after["ix_registry_entities_legal_rep_id_number"] == "index"
    assert {n for n, k in before.items() if k == "index"} <= {n for n, k in after.items() if k == "index"}
    with engine.connect() as conn:
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'registry_people'")).scalar_one()
        assert "PRIMARY KEY" in ddl and "REFERENCES registry_builds" in ddl
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    with city.sessions() as session:
        people = session.scalar(select(func.count()).select_from(Person))
        entities = session.scalar(select(func.count()).select_from(Entity))
        logged = dict(session.execute(select(Change.base, func.count()).group_by(Change.base)).all())
    assert people and entities and logged == {"population": people, "entity": entities}


def test_a_staging_table_left_by_a_killed_build_is_made_afresh(city):
    engine = _sqlite(city)
    with engine.begin() as conn:  # what a build killed while staging leaves behind
        conn.execute(text("CREATE TABLE registry_people_staged (id_number TEXT PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO registry_people_staged VALUES ('110101199003077777', 'stale')"))
    report = city.build()
    with city.sessions() as session:
        assert session.get(Person, "110101199003077777") is None
        assert session.scalar(select(func.count()).select_from(Person)) == report.published.created
    assert "registry_people_staged" not in _schema(engine)


def test_a_failing_loader_fails_the_publish_with_its_reason(city, tmp_path):
    engine = _sqlite(city)
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    con.execute("CREATE TABLE rows AS SELECT 'x' AS nothing_like_the_table")
    with pytest.raises(publish.StageFailed, match="registry_no_such_table"):
        publish._load(engine.url.database, "registry_no_such_table", con, "SELECT * FROM rows")


def test_the_loader_says_how_it_is_run():
    run = subprocess.run([sys.executable, "-m", "tongban.registry.sqlite_loader"], capture_output=True, text=True)
    assert run.returncode == 2 and "DATABASE TABLE PARENT_PID" in run.stderr


def test_the_build_never_loads_a_second_sqlite_into_its_own_process(city):
    """ADBC's driver carries its own SQLite; two copies in one process release each other's file locks."""
    _sqlite(city)
    city.build()
    assert "adbc_driver_sqlite" not in sys.modules


def test_a_publish_that_fails_leaves_no_staging_tables_and_nothing_published(city, monkeypatch):
    engine = _sqlite(city)

    def broken(*args: object) -> int:
        raise RuntimeError("the serving transaction failed")
    monkeypatch.setattr(findings, "apply", broken)
    with pytest.raises(RuntimeError, match="serving transaction failed"):
        city.build()
    assert not [name for name in _schema(engine) if "staged" in name]
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalars(select(Build.status)).all() == ["failed"]


def test_a_quality_report_that_fails_beside_the_staging_leaves_no_staging_tables(city, monkeypatch):
    engine = _sqlite(city)

    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("the quality report failed")
    monkeypatch.setattr(quality, "measure", broken)
    with pytest.raises(RuntimeError, match="quality report failed"):
        city.build()
    assert not [name for name in _schema(engine) if "staged" in name]


def test_when_the_quality_report_and_the_staging_both_fail_the_reports_failure_is_told(city, monkeypatch):
    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("the quality report failed")
    monkeypatch.setattr(quality, "measure", broken)
    monkeypatch.setattr(publish, "_changes_sql", lambda spec, build_id: "SELECT 1 AS no_such_column")
    with pytest.raises(RuntimeError, match="quality report failed"):
        city.build()
    with city.sessions() as session:
        assert session.scalars(select(Build.status)).all() == ["failed"]


def test_a_loader_that_fails_leaves_no_staging_tables(city, monkeypatch):
    engine = _sqlite(city)
    monkeypatch.setattr(publish, "_changes_sql", lambda spec, build_id: "SELECT 1 AS no_such_column")
    with pytest.raises(publish.StageFailed, match="no_such_column"):
        city.build()
    assert not [name for name in _schema(engine) if "staged" in name]
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_query_failing_part_way_fails_the_publish_and_publishes_nothing(city, monkeypatch):
    """Any DuckDB error after the first batches (a full disk while spilling, say) must not end the loader's stream
    cleanly: a partial table taken for the whole would be lost for good (the mirror would list it published)."""
    _sqlite(city)
    monkeypatch.setattr(publish, "STAGE_BATCH", 50)
    whole = publish._serving_rows

    def failing(spec, build_id):  # type: ignore[no-untyped-def]
        return (f"SELECT * EXCLUDE (_n) REPLACE (CASE WHEN _n <= 120 THEN name ELSE error('disk full') END AS name) "
                f"FROM (SELECT *, row_number() OVER () AS _n FROM ({whole(spec, build_id)}))")
    monkeypatch.setattr(publish, "_serving_rows", failing)
    with pytest.raises(Exception, match="disk full"):
        city.build()
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
    monkeypatch.setattr(publish, "_serving_rows", whole)
    report = city.build()
    with city.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == report.published.created > 120


HANGS = """
import sqlite3, sys, duckdb
from tongban.registry import publish
publish.STAGE_BATCH = 20_000
sqlite3.connect(sys.argv[1]).execute("CREATE TABLE other (x)").connection.commit()
con = duckdb.connect()
con.execute("CREATE TABLE rows AS SELECT repeat('x', 200) || i AS v FROM range(80000) t(i)")
try:
    publish._load(sys.argv[1], "registry_no_such_table", con, "SELECT v FROM rows")
except publish.StageFailed as exc:
    print("StageFailed:", exc)
"""


def test_a_loader_that_dies_with_batches_still_queued_fails_instead_of_hanging(tmp_path):
    run = subprocess.run([sys.executable, "-c", HANGS, str(tmp_path / "s.db")], capture_output=True, text=True,
                         timeout=120)
    assert "StageFailed" in run.stdout and "registry_no_such_table" in run.stdout, run.stderr
