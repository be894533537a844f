"""Ingest: every row of a feed kept with its data-row number, or rejected with the rule — never lost, never shifted."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tongban.registry.ingest import FeedUnreadable, ingest_feed, non_empty

COLUMNS = ["id_number", "name", "sex"]


def _run(tmp_path: Path, data: bytes, fmt: str = "csv", encoding: str = "utf-8", **kw):  # type: ignore[no-untyped-def]
    source = tmp_path / f"feed.{fmt}"
    source.write_bytes(data)
    counts = ingest_feed(source, fmt, encoding, COLUMNS, tmp_path / "out.parquet", tmp_path / "rejects.parquet", **kw)
    return counts, pq.read_table(tmp_path / "out.parquet").to_pylist(), pq.read_table(tmp_path / "rejects.parquet")


def test_quotes_embedded_newlines_crlf_and_a_missing_final_newline(tmp_path):
    data = ('公民身份号码,姓名,性别\r\n1,"张""三",1\r\n2,"李\r\n四",2\r\n3,王五,1').encode("utf-8-sig")
    counts, rows, rejects = _run(tmp_path, data, encoding="utf-8-sig")
    assert (counts.rows, counts.rejected) == (3, 0)
    assert [(r["row"], r["name"]) for r in rows] == [(1, '张"三'), (2, "李\r\n四"), (3, "王五")]
    assert rows[0]["id_number"] == "1" and rejects.num_rows == 0


def test_ragged_rows_are_rejected_with_their_number_and_text(tmp_path):
    data = "h1,h2,h3\n1,a,1\n2,b\n3,c,1,extra\n4,d,2\n".encode("gb18030")
    counts, rows, rejects = _run(tmp_path, data, encoding="gb18030")
    assert (counts.rows, counts.rejected) == (4, 2)
    assert [r["row"] for r in rows] == [1, 4]
    assert [(r["row"], r["rule"], r["text"]) for r in rejects.to_pylist()] == [
        (2, "feed.field_count", "2,b"), (3, "feed.field_count", "3,c,1,extra")]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.text("张李王\n,\"ab", max_size=6)), min_size=1, max_size=400))
def test_numbering_survives_rejects_in_any_block(tmp_path_factory, spec):
    tmp_path = tmp_path_factory.mktemp("ingest")
    lines = ["a,b,c"]
    for number, (good, text) in enumerate(spec, start=1):
        quoted = '"' + text.replace('"', '""') + '"'
        lines.append(f"{number},{quoted},x" if good else f"{number},{quoted}")
    source = tmp_path / "f.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import tongban.registry.ingest as ingest

    old, ingest.BLOCK = ingest.BLOCK, 256  # many blocks
    try:
        counts = ingest_feed(source, "csv", "utf-8", COLUMNS, tmp_path / "o.parquet", tmp_path / "r.parquet")
    finally:
        ingest.BLOCK = old
    rows = pq.read_table(tmp_path / "o.parquet").to_pylist()
    rejected = pq.read_table(tmp_path / "r.parquet").column("row").to_pylist()
    assert counts.rows == len(spec) == len(rows) + len(rejected)
    assert all(int(r["id_number"]) == r["row"] for r in rows)
    assert sorted(rejected) == [n for n, (good, _) in enumerate(spec, start=1) if not good]


def test_a_truncated_last_row_with_an_open_quote_is_rejected_not_lost(tmp_path):
    counts, rows, rejects = _run(tmp_path, b'h1,h2,h3\n1,a,1\n2,"b,1\n')
    assert (counts.rows, [r["row"] for r in rows]) == (2, [1])
    assert [(r["row"], r["rule"]) for r in rejects.to_pylist()] == [(2, "feed.unterminated_quote")]


def test_bytes_outside_the_encoding_make_the_feed_unreadable_and_leave_nothing(tmp_path):
    with pytest.raises(FeedUnreadable) as caught:
        _run(tmp_path, b"h1,h2,h3\n1,a,1\n2,\xff\xfe,1\n")
    assert caught.value.row == 2
    assert not (tmp_path / "out.parquet").exists() and not (tmp_path / "out.partial").exists()


def test_xlsx_rows_keep_their_numbers_and_dates_become_iso(tmp_path):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["公民身份号码", "姓名", "性别"])
    sheet.append(["310101199003071234", "张三", 1])
    sheet.append(["310101199003071235", dt.datetime(2020, 1, 2), None])
    sheet.append(["x", "y", "z", "too many"])
    book.save(tmp_path / "b.xlsx")
    counts = ingest_feed(tmp_path / "b.xlsx", "xlsx", "", COLUMNS, tmp_path / "o.parquet", tmp_path / "r.parquet")
    rows = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert (counts.rows, counts.rejected) == (3, 1)
    assert [(r["row"], r["name"], r["sex"]) for r in rows] == [(1, "张三", "1"), (2, "2020-01-02", "")]


def test_json_lines_map_item_names_and_reject_what_is_not_an_object(tmp_path):
    lines = [json.dumps({"公民身份号码": "1", "姓名": "张三"}, ensure_ascii=False), "[1, 2]", "{oops",
             json.dumps({"id_number": "4", "sex": 2})]
    counts, rows, rejects = _run(tmp_path, "\n".join(lines).encode(), fmt="jsonl",
                                 names={"公民身份号码": "id_number", "姓名": "name", "性别": "sex"})
    assert (counts.rows, counts.rejected) == (4, 2)
    assert [(r["row"], r["id_number"], r["name"], r["sex"]) for r in rows] == [(1, "1", "张三", ""), (4, "4", "", "2")]
    assert [(r["row"], r["rule"]) for r in rejects.to_pylist()] == [(2, "feed.not_object"), (3, "feed.bad_json")]


_SPACES = [" ", "\u3000", "\u00a0", "\u2003", "\t", "\n", "\u200b", "\ufeff"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.sampled_from([*_SPACES, "a", "张", ","]), max_size=4), min_size=3,
                         max_size=3), min_size=1, max_size=40))
def test_the_values_not_blank_are_counted_per_column_as_duckdb_trim_would(tmp_path_factory, rows):
    """What the quality report's completeness reads: counted at ingest, it must equal counting the file again."""
    tmp = tmp_path_factory.mktemp("blank")
    source = tmp / "feed.jsonl"
    source.write_text("".join(json.dumps(dict(zip(COLUMNS, r, strict=True)), ensure_ascii=False) + "\n"
                              for r in rows), encoding="utf-8")
    ingest_feed(source, "jsonl", "utf-8", COLUMNS, tmp / "out.parquet", tmp / "rejects.parquet")
    counted = non_empty(tmp / "out.parquet")
    with duckdb.connect() as con:
        counts = ", ".join(f"count(nullif(trim({c}), ''))" for c in COLUMNS)
        again = con.execute(f"SELECT {counts} FROM read_parquet('{tmp / 'out.parquet'}')").fetchone()
    assert counted == dict(zip(COLUMNS, again, strict=True))


def test_a_file_ingested_before_values_were_counted_says_so(tmp_path):
    _run(tmp_path, "a,b,c\n1,x,1\n".encode())
    pq.write_table(pq.read_table(tmp_path / "out.parquet").replace_schema_metadata(None), tmp_path / "old.parquet")
    assert non_empty(tmp_path / "old.parquet") is None and non_empty(tmp_path / "out.parquet") == {
        "id_number": 1, "name": 1, "sex": 1}
