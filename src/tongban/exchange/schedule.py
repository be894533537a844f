"""A year's schedule of holidays and make-up working days, as the operator's CSV file or the chinese-calendar library
gives it: read, and every row checked with its row, field and rule named. Pure: bytes in, days out.

The file has the columns 日期,类型,名称 (or date,kind,name); 类型 is 节假日 (holiday) or 调休上班 (makeup_workday).
Rows are numbered from the first row under the header. A year's file lists days of that year; because the notice
for a year may move the last days of December before it (元旦), those are accepted too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version

import chinese_calendar

from tongban.errors import FieldError, InvalidInput

HOLIDAY, MAKEUP_WORKDAY = "holiday", "makeup_workday"
KIND_NAMES = {"节假日": HOLIDAY, "holiday": HOLIDAY, "调休上班": MAKEUP_WORKDAY, "makeup_workday": MAKEUP_WORKDAY}
COLUMN_NAMES = {"日期": "date", "date": "date", "类型": "kind", "kind": "kind", "名称": "name", "name": "name"}
NAME_LENGTH = 60
EXTRA = "extra"  # the key of a row's values beyond the header's columns
DECEMBER_BEFORE = 25  # from this day of December, days of the year before may be in a year's file (元旦)
FIRST_YEAR, LAST_YEAR = 2000, 2100

# The library names holidays in English; the State Council's notices use these names.
_LIBRARY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class Day:
    """One special day of a schedule."""

    day: dt.date
    kind: str  # holiday | makeup_workday
    name: str = ""


def check_year(year: int) -> None:
    """Refuse a year no schedule can be for."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("{year} is not a year between {first} and {last}", code="calendar.year",
                           params={"year": year, "first": FIRST_YEAR, "last": LAST_YEAR},
                           errors=[FieldError("year", "is not a year between {first} and {last}",
                                              {"first": FIRST_YEAR, "last": LAST_YEAR}, code="calendar.year")])


# The operator's file -------------------------------------------------------------------------------------------

def read_csv(data: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of a schedule file (UTF-8 with or without BOM, or GB18030 as Excel saves it) keyed date, kind and
    name; a file that is not such a CSV is refused naming the file or the column."""
    records = list(csv.reader(io.StringIO(_decode(data, filename))))
    filled = [n for n, cells in enumerate(records) if any(cell.strip() for cell in cells)]
    if not filled:
        raise InvalidInput("{file} is empty", code="calendar.empty_file", params={"file": filename})
    lines = records[filled[0]:filled[-1] + 1]  # a blank line inside keeps its place, so row numbers stay true
    header, problems, seen = [], [], set()
    for position, cell in enumerate(lines[0], start=1):
        column = COLUMN_NAMES.get(cell.strip().lower(), COLUMN_NAMES.get(cell.strip()))
        if column is None:
            problems.append(FieldError(cell.strip() or str(position), "is not a column of a schedule: use 日期, 类型, "
                                       "名称 (or date, kind, name)", code="calendar.unknown_column"))
        elif column in seen:
            problems.append(FieldError(cell.strip(), "appears twice in the header", code="calendar.repeated_column"))
        header.append(column or "")
        seen.add(column)
    problems += [FieldError(c, "is missing from the header", code="calendar.missing_column")
                 for c in ("date", "kind") if c not in seen]
    if problems:
        raise InvalidInput("{file} does not have the columns of a schedule", code="calendar.header",
                           params={"file": filename}, errors=problems)
    rows = []
    for cells in lines[1:]:
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            row[EXTRA] = " ".join(c.strip() for c in cells[len(header):] if c.strip())
        rows.append(row)
    return rows


def _decode(data: bytes, filename: str) -> str:
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise InvalidInput("{file} is not a CSV file in UTF-8 or GB18030", code="calendar.unreadable",
                       params={"file": filename})


def parse_date(value: str) -> dt.date | None:
    """A date written 2027-01-01, 2027/1/1, 2027年1月1日 or 20270101; None when it is not one."""
    match = _DATE.fullmatch(value.strip())
    if not match:
        return None
    year, month, day = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def check_rows(year: int, rows: Sequence[Mapping[str, str]]) -> list[Day]:
    """The schedule's days, or InvalidInput naming every problem's row, field and rule (nothing half-read)."""
    check_year(year)
    days: list[Day] = []
    problems: list[FieldError] = []
    first_row: dict[dt.date, int] = {}
    for number, row in enumerate(rows, start=1):
        if not any(str(value).strip() for value in row.values()):
            continue  # a blank line
        found = _check_row(year, number, row, first_row)
        if isinstance(found, Day):
            days.append(found)
        else:
            problems += found
    if not days and not problems:
        raise InvalidInput("The schedule for {year} lists no days", code="calendar.no_days", params={"year": year},
                           errors=[FieldError("rows", "list at least one holiday", code="calendar.no_days")])
    if problems:
        raise InvalidInput("The schedule for {year} has {count} problem(s); nothing was loaded",
                           code="calendar.invalid_schedule", params={"year": year, "count": len(problems)},
                           errors=problems)
    return days


def _problem(row: int, field: str, message: str, rule: str, **params: object) -> FieldError:
    return FieldError(field, message, params, row=row, code=rule)


def _check_row(year: int, number: int, row: Mapping[str, str],
               first_row: dict[dt.date, int]) -> Day | list[FieldError]:
    raw_date, raw_kind, name = (row.get(k, "").strip() for k in ("date", "kind", "name"))
    problems = []
    if row.get(EXTRA):
        problems.append(_problem(number, EXTRA, "has more values than the header has columns",
                                 "calendar.extra_values"))
    day = parse_date(raw_date) if raw_date else None
    if not raw_date:
        problems.append(_problem(number, "date", "is required", "calendar.required"))
    elif day is None:
        problems.append(_problem(number, "date", "{value} is not a date (YYYY-MM-DD)", "calendar.date_format",
                                 value=raw_date))
    elif not (day.year == year or (day.year == year - 1 and day.month == 12 and day.day >= DECEMBER_BEFORE)):
        problems.append(_problem(number, "date", "{value} is not in {year}", "calendar.date_outside_year",
                                 value=raw_date, year=year))
    elif day in first_row:
        problems.append(_problem(number, "date", "{value} is already listed in row {other}",
                                 "calendar.duplicate_date", value=raw_date, other=first_row[day]))
    kind = KIND_NAMES.get(raw_kind, KIND_NAMES.get(raw_kind.lower()))
    if not raw_kind:
        problems.append(_problem(number, "kind", "is required", "calendar.required"))
    elif kind is None:
        problems.append(_problem(number, "kind", "{value} is not a kind of day: use 节假日 or 调休上班 (holiday or "
                                 "makeup_workday)", "calendar.unknown_kind", value=raw_kind))
    elif kind == MAKEUP_WORKDAY and day is not None and day.weekday() < 5 and not problems:
        problems.append(_problem(number, "date", "{value} is a weekday: a make-up working day is a Saturday or "
                                 "Sunday", "calendar.makeup_on_weekday", value=raw_date))
    if len(name) > NAME_LENGTH:
        problems.append(_problem(number, "name", "is longer than {max} characters", "calendar.name_length",
                                 max=NAME_LENGTH))
    if day is not None:
        first_row.setdefault(day, number)
    if problems or day is None or kind is None:
        return problems
    return Day(day, kind, name)


# The chinese-calendar library ----------------------------------------------------------------------------------

@cache
def library_source() -> str:
    """How a year seeded from the library names its source: the package and its version."""
    return f"chinese-calendar {version('chinese-calendar')}"


@cache
def library_years() -> frozenset[int]:
    """The years the installed chinese-calendar has a schedule for."""
    return frozenset(day.year for day in chinese_calendar.holidays)


def library_days(year: int) -> list[Day]:
    """The library's holidays (named as the notices name them) and make-up working days in ``year``."""
    days = [Day(d, HOLIDAY, _LIBRARY_NAMES.get(n, n)) for d, n in chinese_calendar.holidays.items() if d.year == year]
    days += [Day(d, MAKEUP_WORKDAY, _LIBRARY_NAMES.get(n, n)) for d, n in chinese_calendar.workdays.items()
             if d.year == year]
    return sorted(days, key=lambda d: d.day)
