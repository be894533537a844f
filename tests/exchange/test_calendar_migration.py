"""Migration 0007 creates the calendar's tables empty (seeding is the CLI's job) and takes them away again."""

from __future__ import annotations

from sqlalchemy import inspect

from tests.test_migrations import _migrate, empty_engine  # noqa: F401 (fixture)


def test_0007_upgrades_and_downgrades(empty_engine):  # noqa: F811
    _migrate(empty_engine, "0006")
    assert "exchange_calendar_years" not in inspect(empty_engine).get_table_names()
    _migrate(empty_engine, "0007")
    tables = set(inspect(empty_engine).get_table_names())
    assert {"exchange_calendar_years", "exchange_calendar_days"} <= tables
    with empty_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM exchange_calendar_years").scalar() == 0
    _migrate(empty_engine, "0006", down=True)
    assert not {"exchange_calendar_years", "exchange_calendar_days"} & set(inspect(empty_engine).get_table_names())
    _migrate(empty_engine, "head")
