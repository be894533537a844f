"""Match and survivorship in DuckDB: keys link, the 数源 wins, else the latest value; conflicts and lineage."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from tongban.registry.bases import POPULATION
from tongban.registry.golden import accounting, resolve

POLICE, HRSS, HEALTH = 1, 2, 3
A, B = "11010519491231002X", "440524188001010014"
COLUMNS = ("row BIGINT, id_number VARCHAR, id_upgraded VARCHAR, id_status VARCHAR, name VARCHAR, sex VARCHAR, "
           "birth_date DATE, ethnicity VARCHAR, household_address VARCHAR, residence_address VARCHAR, "
           "marital_status VARCHAR, insurance_status VARCHAR, employer_credit_code VARCHAR, phone VARCHAR, "
           "death_date DATE, registered_on DATE, updated_on DATE, "
           "findings STRUCT(rule VARCHAR, item VARCHAR, value VARCHAR, severity VARCHAR)[], hard BOOLEAN")


def _row(row: int, key: str | None, name: str | None, *, status: str = "valid18", upgraded: str | None = None,
         sex: str | None = None, birth: str | None = None, phone: str | None = None, updated: str | None = None,
         hard: bool = False) -> tuple:  # type: ignore[type-arg]
    findings = [{"rule": "name.missing", "item": "name", "value": "", "severity": "hard"}] if hard else []
    return (row, key, upgraded, status, name, sex, dt.date.fromisoformat(birth) if birth else None, None, None, None,
            None, None, None, phone, None, None, dt.date.fromisoformat(updated) if updated else None, findings, hard)


@pytest.fixture
def con():  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE std ({COLUMNS}, feed_id BIGINT)")
    con.execute("CREATE TABLE feeds (feed_id BIGINT, department_id BIGINT, filename VARCHAR, delivered_on DATE)")
    con.execute("CREATE TABLE rejects (feed_id BIGINT, row BIGINT, rule VARCHAR, text VARCHAR)")
    con.executemany("INSERT INTO feeds VALUES (?, ?, ?, ?)", [
        (10, POLICE, "police.csv", dt.date(2026, 1, 1)), (20, HRSS, "hrss.csv", dt.date(2026, 2, 1)),
        (30, HEALTH, "health.csv", dt.date(2026, 3, 1))])
    return con


def _load(con, feed_id: int, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def, type-arg]
    placeholders = ", ".join("?" * 20)
    con.executemany(f"INSERT INTO std VALUES ({placeholders})", [(*r, feed_id) for r in rows])


def _golden(con) -> dict[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    cur = con.execute("SELECT * FROM golden")
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _outcomes(con) -> dict[tuple[int, int], tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {(f, r): (o, k) for f, r, o, k, _ in con.execute("SELECT * FROM outcomes").fetchall()}


def test_the_authoritative_source_wins_else_the_latest_value(con):
    _load(con, 10, [_row(1, A, "张三", sex="1", birth="1949-12-31", updated="2025-01-01")])
    _load(con, 20, [_row(1, A, "张叁", phone="13800000000", updated="2026-01-05")])
    _load(con, 30, [_row(1, A, "张三", phone="13911111111", birth="1949-12-30", updated="2026-02-01")])
    resolve(con, POPULATION, {"name": POLICE, "sex": POLICE, "birth_date": POLICE})
    record = _golden(con)[A]
    assert (record["name"]["v"], record["name"]["dept"], record["name"]["feed"], record["name"]["row"]) == (
        "张三", POLICE, 10, 1)
    assert record["birth_date"]["v"] == "1949-12-31"  # the police (数源) over the newer health record
    assert (record["phone"]["v"], record["phone"]["dept"]) == ("13911111111", HEALTH)  # no 数源: the latest


def test_conflicts_go_to_the_department_whose_value_lost(con):
    _load(con, 10, [_row(1, A, "张三", birth="1949-12-31")])
    _load(con, 30, [_row(1, A, "张三", birth="1949-12-30"), _row(2, A, "张三", birth="1949-12-30")])
    resolve(con, POPULATION, {"name": POLICE, "birth_date": POLICE})
    rows = con.execute("SELECT key, item, kept_value, kept_from, other_value, department_id, feed_id, row "
                       "FROM conflicts").fetchall()
    assert rows == [(A, "birth_date", "1949-12-31", POLICE, "1949-12-30", HEALTH, 30, 1)]


def test_every_row_has_exactly_one_outcome(con):
    _load(con, 10, [_row(1, A, "张三"), _row(2, A, "张三"), _row(3, B, "李四"), _row(4, None, None, hard=True,
                                                                                  status="missing")])
    _load(con, 30, [_row(1, None, "王五", status="checksum_fail"),
                    _row(2, "110105491231002", "张三", status="upgradable15", upgraded=A),
                    _row(3, "310101900101001", "赵六", status="upgradable15", upgraded="310101199001010015")])
    con.execute("INSERT INTO rejects VALUES (30, 4, 'feed.field_count', '1,2')")
    resolve(con, POPULATION, {"name": POLICE})
    outcomes = _outcomes(con)
    assert outcomes == {(10, 1): ("linked", A), (10, 2): ("duplicate", A), (10, 3): ("linked", B),
                        (10, 4): ("quarantined", None), (30, 1): ("review", None), (30, 2): ("linked", A),
                        (30, 3): ("review", None), (30, 4): ("quarantined", None)}
    assert accounting(con) == {10: {"linked": 2, "duplicate": 1, "quarantined": 1},
                               30: {"review": 2, "linked": 1, "quarantined": 1}}
    assert set(_golden(con)) == {A, B}


def test_former_names_come_from_the_authoritative_source(con):
    _load(con, 10, [_row(1, A, "张小三", updated="2001-01-01"), _row(2, A, "张三", updated="2020-01-01")])
    _load(con, 20, [_row(1, A, "张叁", updated="2026-01-01")])
    resolve(con, POPULATION, {"name": POLICE})
    record = _golden(con)[A]
    assert (record["name"]["v"], record["history"]) == ("张三", ["张小三"])


@pytest.mark.parametrize(("feed_id", "row"), [(10, 2 ** 40), (2 ** 24, 1)], ids=["row", "feed"])
def test_a_row_or_feed_number_too_large_for_survivorships_packed_order_is_refused(con, feed_id, row):
    if feed_id not in (10, 20, 30):
        con.execute("INSERT INTO feeds VALUES (?, ?, 'big.csv', DATE '2026-01-01')", [feed_id, POLICE])
    _load(con, feed_id, [_row(row, A, "张三")])
    with pytest.raises(ValueError, match="too large for survivorship"):
        resolve(con, POPULATION, {"name": POLICE})


def test_without_an_address_library_the_address_codes_are_empty_columns(con):
    _load(con, 10, [_row(1, A, "张三", sex="1")])
    resolve(con, POPULATION, {"name": POLICE})
    columns = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE golden)").fetchall())
    assert columns["household_address_code"] == columns["household_address"]  # the struct of its source field
    assert con.execute("SELECT household_address_code, residence_address_code FROM golden").fetchall() == [(None, None)]
