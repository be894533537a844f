"""Linking parsed addresses to the standard address library, in real DuckDB: exact keys, normalised numbers, the
building and street tie-breaks, and the synthetic city's addresses finding their library codes."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from tongban.registry import rules
from tongban.registry.addresses import LINK_STATUSES, code_column, link_addresses, link_sql
from tongban.synth.feeds import LIBRARY, POLICE
from tongban.synth.generate import CityRequest, write_city

ITEMS = ("address_code", "district_code", "street_code", "road_name", "house_number", "building_number", "address",
         "longitude", "latitude")
PUDONG = "上海市浦东新区"


def _code(n: int) -> str:
    return f"310115{n:018d}"


# (code, street, road, house number, building): two streets share 张杨路 500号 on purpose.
LIBRARY_ROWS = [
    (_code(1), "花木街道", "张杨路", "123弄5号", None),
    (_code(2), "花木街道", "张杨路", "12号", None),
    (_code(3), "花木街道", "张杨路", "12号", "3幢"),
    (_code(4), "花木街道", "张杨路", "500号", None),
    (_code(5), "塘桥街道", "张杨路", "500号", None),
    (_code(6), "陆家嘴街道", "世纪大道", "100号", None),
    (_code(6), "陆家嘴街道", "世纪大道", "100号", None),  # an exact duplicate row is one address
]


def _library(con: duckdb.DuckDBPyConnection, rows=LIBRARY_ROWS, name: str = "lib") -> None:
    con.execute("CREATE TABLE lib_feed (row BIGINT" + "".join(f', "{c}" VARCHAR' for c in ITEMS) + ")")
    con.executemany(f"INSERT INTO lib_feed VALUES ({', '.join('?' * (len(ITEMS) + 1))})", [
        [n, code, "310115", "310115001", road, number, building, f"{PUDONG}{street}{road}{number}{building or ''}",
         "121.5", "31.2"] for n, (code, street, road, number, building) in enumerate(rows, start=1)])
    rules.standardize(con, "lib_feed", name, "addresses")


def link(*addresses: str | None, library=LIBRARY_ROWS) -> list[tuple[str | None, str | None]]:
    """(code, status) of each address written as a person's household address."""
    con = duckdb.connect()
    _library(con, library)
    con.execute("CREATE TABLE people (row BIGINT, name VARCHAR, birth_date VARCHAR, household_address VARCHAR)")
    con.executemany("INSERT INTO people VALUES (?, '李娜', '1980-01-01', ?)", list(enumerate(addresses, start=1)))
    rules.standardize(con, "people", "std", "people")
    link_addresses(con, "std", "household_address", "lib")
    return con.execute("SELECT household_address_code, household_address_link FROM household_address_links "
                       "ORDER BY row").fetchall()


def test_an_address_links_to_the_library_address_it_names_whatever_the_room() -> None:
    assert link(f"{PUDONG}花木街道张杨路123弄5号1203室", f"{PUDONG}花木街道张杨路123弄5号") == [
        (_code(1), "linked"), (_code(1), "linked")]


@pytest.mark.parametrize("text", [f"{PUDONG}花木街道张杨路012号", f"{PUDONG}花木街道张杨路１２号", f"{PUDONG}张杨路12号",
                                  "上海浦东新区 张杨路 12号 601室", f"{PUDONG}塘桥街道张杨路12号"])
def test_number_forms_spaces_and_a_missing_or_wrong_street_still_link(text: str) -> None:
    assert link(text) == [(_code(2), "linked")]


def test_a_building_links_to_its_building_and_an_unknown_building_to_the_door() -> None:
    assert link(f"{PUDONG}花木街道张杨路12号3幢1203室", f"{PUDONG}花木街道张杨路12号3号楼", f"{PUDONG}花木街道张杨路12号4幢") == [
        (_code(3), "linked"), (_code(3), "linked"), (_code(2), "linked")]


def test_the_street_settles_an_address_two_streets_share_and_without_it_the_address_is_ambiguous() -> None:
    assert link(f"{PUDONG}花木街道张杨路500号", f"{PUDONG}塘桥街道张杨路500号", f"{PUDONG}张杨路500号",
                f"{PUDONG}陆家嘴街道张杨路500号") == [
        (_code(4), "linked"), (_code(5), "linked"), (None, "ambiguous"), (None, "ambiguous")]


def test_a_duplicated_library_row_does_not_make_an_address_ambiguous() -> None:
    assert link(f"{PUDONG}陆家嘴街道世纪大道100号") == [(_code(6), "linked")]


@pytest.mark.parametrize(("text", "status"), [
    (f"{PUDONG}花木街道张杨路99999号", "not_found"),  # no such number
    (f"{PUDONG}花木街道张扬路12号", "not_found"),  # a garbled road name
    ("上海市徐汇区花木街道张杨路12号", "not_found"),  # another district
    (f"{PUDONG}花木街道张杨路123弄6号", "not_found"),  # another house in the lane
    (f"{PUDONG}花木街道张杨路", "incomplete"),  # no number
    ("张杨路12号", "incomplete"),  # no district
])
def test_an_address_the_library_does_not_hold_does_not_link(text: str, status: str) -> None:
    assert link(text) == [(None, status)]


def test_a_row_without_an_address_has_no_status() -> None:
    assert link(None, "") == [(None, None), (None, None)]


def test_a_library_row_without_a_valid_code_is_never_linked_to() -> None:
    rows = [("31011500000000000000000X", "花木街道", "张杨路", "12号", None)]
    assert link(f"{PUDONG}花木街道张杨路12号", library=rows) == [(None, "not_found")]


def test_the_library_can_be_a_parquet_file_and_the_key_several_columns(tmp_path: Path) -> None:
    con = duckdb.connect()
    _library(con)
    path = tmp_path / "library.parquet"
    con.execute(f"COPY lib TO '{path}' (FORMAT parquet)")
    con.execute(f"""CREATE TABLE src AS SELECT * FROM (VALUES (7, 1, '浦东新区', NULL, '张杨路', '123弄', '5号', NULL),
        (7, 2, '浦东新区', NULL, '张杨路', NULL, '500号', NULL)) v(feed, "row", {", ".join(
        f"domicile_{p}" for p in ("district", "street", "road", "lane", "number", "building"))})""")
    rows = con.execute(link_sql("src", "domicile", str(path), key=("feed", "row")) + " ORDER BY 2").fetchall()
    assert rows == [(7, 1, _code(1), "linked"), (7, 2, None, "ambiguous")]
    assert code_column("domicile") == "domicile_address_code" and code_column("residence_address") == \
        "residence_address_code"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    write_city(out, CityRequest(3_000, 400, seed=8))
    return out


def _read(con: duckdb.DuckDBPyConnection, path: Path, table: str, columns: dict[str, str]) -> None:
    select = ", ".join(f'"{header}" AS {item}' for header, item in columns.items())
    con.execute(f"CREATE TABLE {table} AS SELECT row_number() OVER () AS row, {select} "
                f"FROM read_csv('{path}', all_varchar = true, header = true)")


def test_every_address_of_the_synthetic_city_links_to_its_own_library_code(city: Path) -> None:
    con = duckdb.connect()
    _read(con, city / LIBRARY.filename, "lib_feed", dict(zip(LIBRARY.headers, ITEMS, strict=True)))
    rules.standardize(con, "lib_feed", "lib", "addresses")
    _read(con, city / POLICE.filename, "police", {"公民身份号码": "id_number", "姓名": "name", "出生日期": "birth_date",
                                                   "户籍地址": "household_address"})
    rules.standardize(con, "police", "std", "people")
    link_addresses(con, "std", "household_address", "lib")
    # The oracle: a home is a standard address and maybe a room, so its text without the room finds its library row.
    with (city / LIBRARY.filename).open(encoding="utf-8") as handle:
        codes = {row["标准地址"]: row["标准地址编码"] for row in csv.DictReader(handle)}
    linked = con.execute("SELECT s.household_address, l.household_address_code, l.household_address_link "
                         "FROM std s JOIN household_address_links l USING (row)").fetchall()
    assert len(linked) >= 3_000  # everyone, and the duplicated rows
    for text, code, status in linked:
        expected = codes[re.sub(r"[0-9]+室$", "", text)]
        if re.fullmatch("31[0-9]{22}", expected):
            assert (code, status) == (expected, "linked"), text
        else:  # the library row lost a digit of its code (bad_address_code) and was quarantined
            assert (code, status) == (None, "not_found"), text
    assert {status for _, _, status in linked} <= set(LINK_STATUSES)
    assert sum(status == "linked" for _, _, status in linked) / len(linked) > 0.99
