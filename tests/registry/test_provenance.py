"""Compact provenance: each source row once, each field the index of its source — written by DuckDB at publish,
read back per field by the serving side, the change feed and the record page; the older per-field form still reads."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.registry.provenance import per_field, with_provenance

COLUMNS = ["name", "sex", "phone", "death_date"]
SOURCE = st.tuples(st.integers(1, 40), st.integers(1, 9), st.integers(1, 10**7),
                   st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)) | st.none())
RECORD = st.fixed_dictionaries({c: st.none() | SOURCE for c in COLUMNS})


def _compact(records: list[dict]) -> list[str]:  # type: ignore[type-arg]
    con = duckdb.connect()
    struct = 'STRUCT(v VARCHAR, dept BIGINT, feed BIGINT, "row" BIGINT, "at" DATE)'
    con.execute(f"CREATE TABLE golden (n INTEGER, {', '.join(f'{c} {struct}' for c in COLUMNS)})")
    for n, record in enumerate(records):
        values = [n] + [None if s is None else {"v": "x", "dept": s[0], "feed": s[1], "row": s[2], "at": s[3]}
                        for s in (record[c] for c in COLUMNS)]
        con.execute(f"INSERT INTO golden VALUES ({', '.join('?' * (len(COLUMNS) + 1))})", values)
    rows = con.execute(f"SELECT provenance FROM ({with_provenance(COLUMNS, 'golden')}) ORDER BY n").fetchall()
    return [text for (text,) in rows]


@settings(max_examples=60, deadline=None)
@given(records=st.lists(RECORD, min_size=1, max_size=5))
def test_the_compact_text_reads_back_as_each_fields_own_source(records):
    for record, text in zip(records, _compact(records), strict=True):
        stored = json.loads(text)
        expected = {c: {"department": s[0], "feed": s[1], "row": s[2], "at": None if s[3] is None else s[3].isoformat()}
                    for c, s in record.items() if s is not None}
        assert per_field(stored) == expected
        assert len(stored["@"]) == len({s for s in record.values() if s is not None})  # each source once


def test_the_same_record_gives_the_same_text_whatever_the_field_order():
    a, b = (2, 1, 156860, dt.date(1999, 10, 23)), (5, 4, 133454, dt.date(2024, 6, 3))
    first, second = _compact([{"name": b, "sex": a, "phone": b, "death_date": None},
                              {"name": b, "sex": a, "phone": b, "death_date": None}])
    assert first == second == ('{"@":[[2,1,156860,"1999-10-23"],[5,4,133454,"2024-06-03"]],'
                               '"name":1,"sex":0,"phone":1}')


def test_a_record_published_before_the_compact_form_still_reads():
    old = {"name": {"department": 2, "feed": 1, "row": 7, "at": "2026-10-01"}, "phone": None}
    assert per_field(old) == {"name": {"department": 2, "feed": 1, "row": 7, "at": "2026-10-01"}}
    assert per_field(None) == {} and per_field({}) == {}


def test_a_record_without_any_source_is_an_empty_list():
    [text] = _compact([{c: None for c in COLUMNS}])
    assert json.loads(text) == {"@": []} and per_field(json.loads(text)) == {}
