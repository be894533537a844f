"""``tongban calendar seed|load|show|deadline``: the operator's commands, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.cli.test_cli import assert_clean_failure, cli_env, tongban  # noqa: F401 (fixtures)
from tests.exchange.conftest import schedule_bytes
from tongban.exchange.model import CalendarYear
from tongban.exchange.schedule import library_source

NOTICE = "国办发明电〔2026〕x号"


def test_deadline_into_a_year_not_loaded_is_marked_estimated_until_it_is_loaded(tongban, tmp_path: Path):  # noqa: F811
    assert tongban("calendar", "seed").exit_code == 0
    before = tongban("calendar", "deadline", "--from", "2026-12-25", "--days", "10")
    assert before.exit_code == 0, before.output
    assert "2027-01-08 (Friday)" in before.output and "估算" in before.output and "2027 not loaded" in before.output

    schedule = tmp_path / "2027.csv"
    schedule.write_bytes(schedule_bytes())
    loaded = tongban("calendar", "load", str(schedule), "--year", "2027", "--source", NOTICE)
    assert loaded.exit_code == 0, loaded.output
    assert f"Loaded 2027 from {NOTICE}: 12 holidays, 2 make-up working days" in loaded.output

    after = tongban("calendar", "deadline", "--from", "2026-12-25", "--days", "10")
    assert "2027-01-11 (Monday)" in after.output and "估算" not in after.output


def test_deadline_across_national_day_in_chinese(cli_env, tongban):  # noqa: F811
    from typer.testing import CliRunner

    from tongban.cli.main import app

    tongban("calendar", "seed", "--year", "2026")
    result = CliRunner().invoke(app, ["calendar", "deadline", "--from", "2026-09-24"],
                                env={**cli_env, "TONGBAN_LANGUAGE": "zh-CN"})
    assert result.exit_code == 0, result.output
    assert "10 个工作日" in result.output and "2026-10-15 (星期四)" in result.output and "估算" not in result.output


def test_show_lists_the_years_and_one_years_days(tongban, tmp_path: Path):  # noqa: F811
    tongban("calendar", "seed", "--year", "2026")
    listed = tongban("calendar", "show")
    assert listed.exit_code == 0 and "2026" in listed.output and library_source() in listed.output
    year = tongban("calendar", "show", "--year", "2026")
    assert year.exit_code == 0, year.output
    assert "国庆节" in year.output and "Make-up working day" in year.output and "2026-10-10 (Saturday)" in year.output
    missing = tongban("calendar", "show", "--year", "2027")
    assert missing.exit_code == 0 and "2027 is not loaded" in missing.output


def test_a_bad_schedule_exits_2_naming_row_and_field_and_loads_nothing(tongban, engine, tmp_path: Path):  # noqa: F811
    bad = tmp_path / "2027.csv"
    bad.write_text("日期,类型,名称\n2027-01-01,节假日,元旦\n2027-02-30,节假日,春节\n2027-01-04,放假,\n",
                   encoding="gb18030")
    result = tongban("calendar", "load", str(bad), "--year", "2027")
    assert_clean_failure(result, 2)
    assert "row 2, date: 2027-02-30 is not a date (YYYY-MM-DD)" in result.output
    assert "row 3, kind: 放假 is not a kind of day" in result.output
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_a_bad_date_for_deadline_exits_2(tongban):  # noqa: F811
    assert_clean_failure(tongban("calendar", "deadline", "--from", "25/12/2026"), 2)


def test_demo_seed_seeds_the_calendar(tongban, engine):  # noqa: F811
    assert tongban("demo", "seed", "--people", "0").exit_code == 0
    with engine.connect() as conn:
        assert conn.scalar(select(CalendarYear.source).where(CalendarYear.year == 2026)) == library_source()
