"""Masking rules, pure: what each rule keeps of a value and that none ever returns more (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.exchange import masking

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@pytest.mark.parametrize("rule,value,expected", [
    ("id_number", "310115199001011234", "310***********1234"),
    ("id_number", "31011519900101123X", "310***********123X"),
    ("id_number", "1234567", "*******"),
    ("phone", "13812345678", "138****5678"),
    ("phone", "021-12345678", "021*****5678"),
    ("name", "张三明", "张*明"),
    ("name", "张三", "张*"),
    ("name", "张", "*"),
    ("name", "欧阳娜娜", "欧阳*娜"),
    ("name", "欧阳娜", "欧阳*"),
    ("name", "司马相如", "司马*如"),
    ("name", "张三明亮", "张**亮"),
    ("name", "买买提·艾力", "买**·**"),
    ("address", "上海市浦东新区张杨路100弄5号", "上海市浦东新区张杨路****"),
    ("address", "上海市浦东新区世纪大道1号", "上海市浦东新区世纪大道****"),
    ("address", "上海市浦东新区陆家嘴街道银城中路8号", "上海市浦东新区陆家嘴街道银城中路****"),
    ("address", "上海市崇明区陈家镇裕安村3组12号", "上海市崇明区陈家镇****"),
    ("address", "张杨路", "张杨路"),
    ("address", "某处12号", "****"),
    ("date", dt.date(1990, 1, 1), "1990"),
    ("date", "1990-01-01", "1990"),
    ("date", "不详", None),
    ("hide", "13812345678", None),
])
def test_each_rule_keeps_what_it_promises(rule, value, expected):
    assert masking.apply(rule, value) == expected


def test_no_rule_or_an_unknown_rule_hides_the_value():
    assert masking.apply(None, "张三明") is None
    assert masking.apply("reveal", "张三明") is None


def test_an_empty_value_stays_empty_under_every_rule():
    assert all(masking.apply(rule, None) is None for rule in masking.RULES)


@given(st.text(alphabet="0123456789X", min_size=8, max_size=20))
def test_an_id_number_keeps_only_its_first_three_and_last_four(value):
    masked = masking.apply("id_number", value)
    assert len(masked) == len(value)
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:]
    assert set(masked[3:-4]) <= {"*"}


@given(st.text(alphabet="0123456789-", max_size=7))
def test_a_value_too_short_to_keep_its_ends_is_masked_completely(value):
    assert masking.apply("phone", value) == "*" * len(value.strip())


@given(st.text(alphabet="0123456789", min_size=8, max_size=15))
def test_a_phone_number_reveals_at_most_seven_digits(value):
    masked = masking.apply("phone", value)
    assert len(masked) == len(value) and sum(ch != "*" for ch in masked) == 7


@given(st.text(alphabet=CJK, min_size=2, max_size=6))
def test_a_chinese_name_keeps_its_surname_and_hides_all_but_the_last_character_of_the_given_name(name):
    masked = masking.apply("name", name)
    surname = masking.surname_length(name)
    assert len(masked) == len(name)
    assert masked[:surname] == name[:surname]
    given_name = name[surname:]
    hidden = masked[surname:-1] if len(given_name) > 1 else masked[surname:]
    assert set(hidden) == {"*"}
    assert masked != name


@given(st.text(alphabet=CJK, min_size=0, max_size=20), st.sampled_from(["路", "大道", "街", "巷"]),
       st.text(alphabet="0123456789弄号室栋", min_size=1, max_size=12))
def test_an_address_never_shows_what_follows_its_road(prefix, road, rest):
    address = prefix + road + rest
    masked = masking.apply("address", address)
    assert masked.endswith(masking.HIDDEN)
    assert len(masked) - len(masking.HIDDEN) <= len(prefix) + len(road)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_date_leaves_as_its_year_only(day):
    assert masking.apply("date", day) == f"{day.year:04d}"
    assert masking.apply("date", day.isoformat()) == f"{day.year:04d}"


@given(st.sampled_from(["id_number", "phone"]), st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_a_masked_number_never_shows_more_than_seven_of_its_digits(rule, value):
    masked = masking.apply(rule, value)
    assert sum(ch != "*" for ch in masked) <= 7 and masked != value
