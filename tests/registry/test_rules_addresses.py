"""The ``addresses`` kind of the rules: the standard address library's rows standardised in DuckDB SQL."""

from __future__ import annotations

import csv
import datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tongban.registry import rules
from tongban.registry.rules_data import RULES
from tongban.synth.faults import FaultRates
from tongban.synth.feeds import LIBRARY
from tongban.synth.generate import CityRequest, write_city

TODAY = datetime.date(2025, 6, 30)
ITEMS = ("address_code", "district_code", "street_code", "road_name", "house_number", "building_number", "address",
         "longitude", "latitude")
GOOD = {"address_code": "310115012007001230000500", "district_code": "310115", "street_code": "310115012",
        "road_name": "张杨路", "house_number": "123弄5号", "building_number": None,
        "address": "上海市浦东新区花木街道张杨路123弄5号", "longitude": "121.544321", "latitude": "31.214567"}


def standardize(rows: list[dict[str, str | None]]) -> list[dict[str, Any]]:
    """Library rows (every item VARCHAR) standardised in a fresh in-memory DuckDB, in row order."""
    con = duckdb.connect()
    con.execute("CREATE TABLE feed (row BIGINT" + "".join(f', "{c}" VARCHAR' for c in ITEMS) + ")")
    con.executemany(f"INSERT INTO feed VALUES ({', '.join('?' * (len(ITEMS) + 1))})",
                    [[n, *(row.get(c) for c in ITEMS)] for n, row in enumerate(rows, start=1)])
    rules.standardize(con, "feed", "std", "addresses", today=TODAY)
    cursor = con.execute("SELECT * FROM std ORDER BY row")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


@cache
def one(**changes: str | None) -> dict[str, Any]:
    return standardize([{**GOOD, **changes}])[0]


def found(row: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["rule"], f["item"]) for f in row["findings"]}


def test_a_clean_library_row_keeps_its_values_and_has_no_findings() -> None:
    row = one()
    assert found(row) == set() and row["hard"] is False
    assert {k: row[k] for k in ITEMS} == GOOD
    assert row["address_code_status"] == "valid"
    assert (row["address_district"], row["address_street"], row["address_road"], row["address_lane"],
            row["address_number"], row["address_building"]) == ("浦东新区", "花木街道", "张杨路", "123弄", "5号", None)


def test_every_rule_of_the_kind_names_a_quality_dimension() -> None:
    codes = {"address.no_key", "address_code.format", "address_code.district_mismatch", "district.unknown",
             "district.historical", "street_code.format", "street_code.district_mismatch", "coordinate.invalid",
             "coordinate.outside"}
    assert codes <= set(RULES)
    assert {RULES[c].dimension for c in codes} == {"completeness", "conformance", "consistency", "timeliness",
                                                    "accuracy"}
    assert RULES["coordinate.outside"].dimension == "accuracy" and RULES["address.no_key"].severity == "hard"


@pytest.mark.parametrize(("code", "status", "rules_found"), [
    ("３１０１１５０１２００７００１２３００００５００", "valid", set()),
    (" 310115012007001230000500 ", "valid", set()),
    ("31011501200700123000050", "bad_format", {("address_code.format", "address_code"), ("address.no_key", None)}),
    ("3101150120070012300005X0", "bad_format", {("address_code.format", "address_code"), ("address.no_key", None)}),
    (None, "missing", {("value.missing", "address_code"), ("address.no_key", None)}),
    ("", "missing", {("value.missing", "address_code"), ("address.no_key", None)}),
])
def test_only_a_valid_address_code_is_a_key_and_a_row_without_one_is_quarantined(code, status, rules_found) -> None:
    row = one(address_code=code)
    assert row["address_code_status"] == status
    assert row["address_code"] == ("310115012007001230000500" if status == "valid" else None)
    assert found(row) == rules_found and row["hard"] is (status != "valid")


@pytest.mark.parametrize(("given", "code", "rules_found"), [
    ("310115", "310115", set()),
    ("浦东新区", "310115", set()),
    ("310225", "310115", {("district.historical", "district_code")}),  # 南汇县, merged into 浦东 in 2009
    ("310119", "310115", {("district.historical", "district_code")}),
    ("南汇区", "310115", {("district.historical", "district_code")}),
    ("110105", None, {("district.unknown", "district_code")}),
    (None, None, {("value.missing", "district_code")}),
])
def test_district_codes_follow_gbt_2260_with_retired_codes_mapped_to_current(given, code, rules_found) -> None:
    row = one(district_code=given)
    assert row["district_code"] == code
    assert found(row) == rules_found and row["hard"] is False


def test_a_code_or_street_of_another_district_is_inconsistent() -> None:
    row = one(district_code="310101")
    assert found(row) == {("address_code.district_mismatch", "address_code"),
                          ("street_code.district_mismatch", "street_code")}
    assert RULES["address_code.district_mismatch"].dimension == "consistency"


def test_a_street_code_must_have_nine_digits() -> None:
    row = one(street_code="31011501")
    assert row["street_code"] is None and found(row) == {("street_code.format", "street_code")}


def test_street_road_number_and_building_are_cleaned() -> None:
    row = one(road_name="张 杨 路", house_number="１２３弄５号", building_number=" ３幢 ")
    assert (row["road_name"], row["house_number"], row["building_number"]) == ("张杨路", "123弄5号", "3幢")


@pytest.mark.parametrize(("lon", "lat", "expected", "rules_found"), [
    ("121.5", "31.2", ("121.500000", "31.200000"), set()),
    ("１２１.５４４３２１", "31.214567", ("121.544321", "31.214567"), set()),
    ("121.4443216", "31.2", ("121.444322", "31.200000"), set()),
    ("31.214567", "121.544321", (None, None), {("coordinate.outside", "longitude"),
                                               ("coordinate.outside", "latitude")}),
    ("116.397", "39.908", (None, None), {("coordinate.outside", "longitude"), ("coordinate.outside", "latitude")}),
    ("121.5", "0", (None, None), {("coordinate.outside", "latitude")}),
    ("121°30′", "31.2", (None, None), {("coordinate.invalid", "longitude")}),
    (None, None, (None, None), {("value.missing", "longitude"), ("value.missing", "latitude")}),
])
def test_coordinates_are_decimals_inside_shanghai_or_dropped_with_a_soft_finding(lon, lat, expected,
                                                                                  rules_found) -> None:
    row = one(longitude=lon, latitude=lat)
    assert (row["longitude"], row["latitude"]) == expected
    assert found(row) == rules_found and row["hard"] is False


def test_the_quality_summary_counts_the_library_by_dimension() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE feed (row BIGINT" + "".join(f', "{c}" VARCHAR' for c in ITEMS) + ")")
    rows = [GOOD, {**GOOD, "longitude": "31.2", "latitude": "121.5"}, {**GOOD, "address_code": "1"}]
    con.executemany(f"INSERT INTO feed VALUES ({', '.join('?' * (len(ITEMS) + 1))})",
                    [[n, *(row.get(c) for c in ITEMS)] for n, row in enumerate(rows, start=1)])
    rules.standardize(con, "feed", "std", "addresses", today=TODAY)
    summary = {(q.item, q.dimension): (q.checked, q.failed) for q in rules.quality_summary(con, "feed", "std",
                                                                                             "addresses")}
    assert summary[("longitude", "accuracy")] == (3, 1) and summary[("latitude", "accuracy")] == (3, 1)
    assert summary[(None, "completeness")] == (3, 1)
    assert summary[("address_code", "conformance")] == (3, 1)


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> list[dict[str, Any]]:
    """The synthetic city's library feed (high fault rates), standardised; with its truth."""
    out = tmp_path_factory.mktemp("library")
    rates = FaultRates().replace(missing_coordinate=0.05, swapped_coordinate=0.05, old_district_code=0.2,
                                 bad_address_code=0.05)
    write_city(out, CityRequest(6_000, 800, seed=21, rates=rates))
    with (out / LIBRARY.filename).open(encoding="utf-8") as handle:
        feed = list(csv.DictReader(handle))
    with (out / "truth" / LIBRARY.filename).open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    by_name = dict(zip(LIBRARY.headers, ITEMS, strict=True))
    rows = standardize([{by_name[k]: v or None for k, v in row.items()} for row in feed])
    return [{**row, "fault": t["fault"], "true_code": t["address_code"]} for row, t in zip(rows, truth, strict=True)]


def test_the_synthetic_library_standardises_with_exactly_its_injected_faults(library) -> None:
    expected = {"missing_coordinate": {("value.missing", "longitude"), ("value.missing", "latitude")},
                "swapped_coordinate": {("coordinate.outside", "longitude"), ("coordinate.outside", "latitude")},
                "old_district_code": {("district.historical", "district_code")},
                "bad_address_code": {("address_code.format", "address_code"), ("address.no_key", None)}}
    for row in library:
        faults = set(filter(None, row["fault"].split(";"))) - {"duplicate"}
        assert found(row) == set().union(*(expected[f] for f in faults)), row
        assert row["hard"] is ("bad_address_code" in faults)
        assert row["address_code"] == (None if "bad_address_code" in faults else row["true_code"])
        assert row["address_code"] is None or row["address_code"][:6] == row["district_code"]
    assert {f for row in library for f in row["fault"].split(";") if f} == {*expected, "duplicate"}
