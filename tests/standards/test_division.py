"""Administrative division codes (GB/T 2260, GB/T 10114), with Shanghai's current and retired districts."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.standards import (
    HISTORICAL_SHANGHAI,
    PROVINCES,
    SHANGHAI_DISTRICTS,
    CodeError,
    Division,
    current_division,
    is_valid_division_code,
    parse_division_code,
)


def rule_of(raw: str) -> str:
    with pytest.raises(CodeError) as caught:
        parse_division_code(raw)
    return caught.value.rule


def test_shanghai_has_the_sixteen_current_districts_with_full_names():
    assert len(SHANGHAI_DISTRICTS) == 16
    assert SHANGHAI_DISTRICTS["310101"] == "黄浦区"
    assert SHANGHAI_DISTRICTS["310151"] == "崇明区"
    assert SHANGHAI_DISTRICTS["310115"] == "浦东新区"
    assert all(name.endswith("区") for name in SHANGHAI_DISTRICTS.values())


def test_provinces_cover_the_34_provincial_divisions():
    assert len(PROVINCES) == 34
    assert (PROVINCES["11"], PROVINCES["31"], PROVINCES["71"]) == ("北京市", "上海市", "台湾省")
    assert (PROVINCES["81"], PROVINCES["82"]) == ("香港特别行政区", "澳门特别行政区")


@pytest.mark.parametrize(("code", "name"), sorted(SHANGHAI_DISTRICTS.items()))
def test_current_shanghai_districts_are_accepted_as_they_are(code, name):
    assert parse_division_code(code) == Division(code, name, "county", code, False)
    assert current_division(code) == code


@pytest.mark.parametrize(
    ("old", "name", "current"),
    [("310103", "卢湾区", "310101"), ("310108", "闸北区", "310106"), ("310225", "南汇县", "310115"),
     ("310230", "崇明县", "310151"), ("310102", "南市区", "310101"), ("310119", "南汇区", "310115"),
     ("310228", "金山县", "310116")],
)  # fmt: skip
def test_historical_shanghai_codes_are_accepted_and_mapped(old, name, current):
    assert parse_division_code(old) == Division(old, name, "county", current, True)
    assert current_division(old) == current


@pytest.mark.parametrize("old", sorted(HISTORICAL_SHANGHAI))
def test_every_historical_code_maps_to_a_current_district(old):
    name, current, note = HISTORICAL_SHANGHAI[old]
    assert current in SHANGHAI_DISTRICTS and old not in SHANGHAI_DISTRICTS
    assert name and note


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [("310000", "上海市", "province"), ("110000", "北京市", "province"), ("810000", "香港特别行政区", "province"),
     ("310100", "市辖区", "city"), ("440100", None, "city"), ("440524", None, "county"),
     ("310101002", None, "street"), ("440524101", None, "street")],
)  # fmt: skip
def test_level_and_name_follow_the_trailing_zeros(code, name, level):
    parsed = parse_division_code(code)
    assert (parsed.name, parsed.level, parsed.current_code, parsed.historical) == (name, level, code, False)


def test_a_street_of_a_retired_district_maps_to_the_current_district():
    parsed = parse_division_code("310103001")
    assert (parsed.level, parsed.current_code, parsed.historical) == ("street", "310101", True)
    assert current_division("310103001") == "310101"


@pytest.mark.parametrize("raw", [" 310101 ", "３１０１０１", "310 101"])
def test_spaces_and_full_width_digits_are_normalised(raw):
    assert parse_division_code(raw).code == "310101"


@pytest.mark.parametrize("raw", ["", "3101", "31010", "3101011", "31010100", "3101010010"])
def test_wrong_length_fails(raw):
    with pytest.raises(CodeError) as caught:
        parse_division_code(raw)
    assert (caught.value.rule, caught.value.params) == ("division.length", {"length": len(raw)})


def test_non_digits_fail_with_their_position():
    with pytest.raises(CodeError) as caught:
        parse_division_code("3101A1")
    assert (caught.value.rule, caught.value.params) == ("division.charset", {"char": "A", "position": 5})


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("990000", "division.unknown"), ("000000", "division.unknown"), ("830000", "division.unknown"),
     ("310111", "division.unknown"), ("310199", "division.unknown"), ("310200", "division.unknown"),
     ("310111001", "division.unknown"), ("110010", "division.structure"), ("310100001", "division.structure"),
     ("310000001", "division.structure"), ("310101000", "division.structure")],
)  # fmt: skip
def test_unknown_or_malformed_codes_fail_with_the_rule(raw, rule):
    assert rule_of(raw) == rule
    assert not is_valid_division_code(raw)


@pytest.mark.parametrize("code", ["310104", "abc", "999999", "12"])
def test_current_division_is_the_identity_for_anything_not_retired(code):
    assert current_division(code) == code


non_shanghai = st.sampled_from(sorted(set(PROVINCES) - {"31"}))
two_digits = st.text(alphabet=string.digits, min_size=2, max_size=2)


@given(non_shanghai, two_digits.filter(lambda d: d != "00"), two_digits)
def test_any_well_formed_code_outside_shanghai_is_accepted_at_the_right_level(province, city, county):
    code = province + city + county
    parsed = parse_division_code(code)
    assert parsed.level == ("city" if county == "00" else "county")
    assert (parsed.current_code, parsed.historical) == (code, False)


@given(st.sampled_from(sorted(SHANGHAI_DISTRICTS) + sorted(HISTORICAL_SHANGHAI)), st.integers(1, 999))
def test_streets_of_any_known_shanghai_district_are_accepted(district, street):
    parsed = parse_division_code(f"{district}{street:03d}")
    assert parsed.level == "street"
    assert parsed.current_code[:6] == current_division(district)
