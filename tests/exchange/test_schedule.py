"""Reading a year's schedule: the operator's CSV file (UTF-8 or GB18030, Chinese or English headers) with every bad
row named by row, field and rule, and the chinese-calendar library's years with their Chinese names."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.exchange.conftest import SCHEDULE_2027, schedule_bytes
from tongban.errors import InvalidInput
from tongban.exchange import schedule
from tongban.exchange.schedule import HOLIDAY, MAKEUP_WORKDAY, Day

D = dt.date.fromisoformat


def _problems(year: int, text: str) -> list[tuple[int | None, str, str | None]]:
    with pytest.raises(InvalidInput) as caught:
        schedule.check_rows(year, schedule.read_csv(text.encode(), "schedule.csv"))
    return [(e.row, e.field, e.code) for e in caught.value.errors]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_the_operators_file_is_read_in_the_encodings_excel_saves(encoding):
    days = schedule.check_rows(2027, schedule.read_csv(schedule_bytes(encoding=encoding), "2027.csv"))
    assert len(days) == 14
    assert days[0] == Day(D("2027-01-01"), HOLIDAY, "元旦")
    assert Day(D("2027-02-20"), MAKEUP_WORKDAY, "春节") in days


def test_english_headers_kinds_and_other_date_spellings_are_accepted():
    text = "Date,Kind,Name\n2027/1/1,holiday,New Year\n2027年2月20日,makeup_workday,\n20270205,Holiday,春节\n"
    days = schedule.check_rows(2027, schedule.read_csv(text.encode(), "en.csv"))
    assert [(d.day, d.kind) for d in days] == [(D("2027-01-01"), HOLIDAY), (D("2027-02-20"), MAKEUP_WORKDAY),
                                               (D("2027-02-05"), HOLIDAY)]


@pytest.mark.parametrize("row,field,rule", [
    ("2027-13-01,节假日,元旦", "date", "calendar.date_format"),
    ("2027-02-30,节假日,元旦", "date", "calendar.date_format"),
    ("下周一,节假日,元旦", "date", "calendar.date_format"),
    (",节假日,元旦", "date", "calendar.required"),
    ("2027-01-04,补班,元旦", "kind", "calendar.unknown_kind"),
    ("2027-01-04,,元旦", "kind", "calendar.required"),
    ("2028-01-01,节假日,元旦", "date", "calendar.date_outside_year"),
    ("2026-06-01,节假日,端午节", "date", "calendar.date_outside_year"),
    ("2027-01-05,调休上班,元旦", "date", "calendar.makeup_on_weekday"),  # a Tuesday
    ("2027-01-04,节假日," + "名" * 61, "name", "calendar.name_length"),
    ("2027-01-04,节假日,元旦,多余", "extra", "calendar.extra_values"),
])
def test_a_bad_row_is_named_by_row_field_and_rule(row, field, rule):
    text = f"日期,类型,名称\n2027-01-01,节假日,元旦\n{row}\n"
    assert _problems(2027, text) == [(2, field, rule)]


def test_a_date_listed_twice_names_both_rows():
    with pytest.raises(InvalidInput) as caught:
        schedule.check_rows(2027, schedule.read_csv(b"date,kind,name\n2027-01-01,holiday,a\n2027-01-02,holiday,b\n"
                                                    b"2027-1-1,holiday,c\n", "dup.csv"))
    [problem] = caught.value.errors
    assert (problem.row, problem.field, problem.code) == (3, "date", "calendar.duplicate_date")
    assert problem.params == {"value": "2027-1-1", "other": 1}
    assert caught.value.code == "calendar.invalid_schedule" and caught.value.params == {"year": 2027, "count": 1}


def test_every_problem_of_the_file_is_reported_at_once():
    text = "日期,类型,名称\n2027-13-01,节假日,元旦\n2027-01-02,放假,元旦\n2028-01-01,节假日,元旦\n"
    assert [(row, rule) for row, _, rule in _problems(2027, text)] == [
        (1, "calendar.date_format"), (2, "calendar.unknown_kind"), (3, "calendar.date_outside_year")]


def test_the_last_days_of_december_before_the_year_may_be_moved_by_its_notice():
    # 2023's notice: 元旦 from Saturday 31 December 2022; 2019's: Saturday 29 December 2018 worked
    text = "日期,类型,名称\n2022-12-31,节假日,元旦\n2023-01-01,节假日,元旦\n2023-01-02,节假日,元旦\n"
    assert [d.day for d in schedule.check_rows(2023, schedule.read_csv(text.encode(), "2023.csv"))][0] == \
        D("2022-12-31")
    assert _problems(2023, "日期,类型\n2022-12-20,节假日\n") == [(1, "date", "calendar.date_outside_year")]


@pytest.mark.parametrize("data,rule", [
    (b"", "calendar.empty_file"),
    (b"\r\n  \r\n", "calendar.empty_file"),
    (b"PK\x03\x04\x00\x00binary", "calendar.unreadable"),
])
def test_a_file_that_is_not_a_csv_is_refused_naming_the_file(data, rule):
    with pytest.raises(InvalidInput) as caught:
        schedule.read_csv(data, "2027.xlsx")
    assert caught.value.code == rule and caught.value.params == {"file": "2027.xlsx"}


@pytest.mark.parametrize("header,field,rule", [
    ("日期,类型,备注", "备注", "calendar.unknown_column"),
    ("日期,名称", "kind", "calendar.missing_column"),
    ("日期,类型,date", "date", "calendar.repeated_column"),
])
def test_a_bad_header_names_the_column(header, field, rule):
    with pytest.raises(InvalidInput) as caught:
        schedule.read_csv(f"{header}\n2027-01-01,节假日\n".encode(), "2027.csv")
    assert caught.value.code == "calendar.header"
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, rule)]


def test_a_schedule_without_days_or_for_an_absurd_year_is_refused():
    with pytest.raises(InvalidInput) as empty:
        schedule.check_rows(2027, schedule.read_csv("日期,类型,名称\n".encode(), "2027.csv"))
    assert empty.value.code == "calendar.no_days"
    with pytest.raises(InvalidInput) as absurd:
        schedule.check_rows(207, schedule.read_csv(SCHEDULE_2027.encode(), "2027.csv"))
    assert absurd.value.code == "calendar.year"


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_none_never_an_exception(text):
    parsed = schedule.parse_date(text)
    assert parsed is None or isinstance(parsed, dt.date)


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))
def test_every_date_written_in_the_accepted_spellings_reads_back(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
                 day.strftime("%Y%m%d")):
        assert schedule.parse_date(text) == day


def test_the_library_covers_2026_with_chinese_names_and_its_make_up_days():
    assert 2026 in schedule.library_years() and schedule.library_source().startswith("chinese-calendar 1.")
    days = {d.day: d for d in schedule.library_days(2026)}
    assert days[D("2026-10-01")] == Day(D("2026-10-01"), HOLIDAY, "国庆节")
    assert days[D("2026-02-17")].name == "春节"
    assert {d for d, v in days.items() if v.kind == MAKEUP_WORKDAY} >= {D("2026-09-20"), D("2026-10-10"),
                                                                        D("2026-02-14"), D("2026-02-28")}
    assert all(d.year == 2026 for d in days)


def test_blank_lines_are_skipped_but_keep_the_row_numbers_true():
    text = "\n日期,类型,名称\n2027-01-01,节假日,元旦\n\n,,\n2027-01-99,节假日,元旦\n\n"
    assert _problems(2027, text) == [(4, "date", "calendar.date_format")]
