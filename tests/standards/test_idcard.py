"""Citizen ID numbers (GB 11643-1999, ISO 7064 MOD 11-2) and the shared CodeError messages."""

from __future__ import annotations

import datetime
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.standards import (
    MESSAGES_EN,
    MESSAGES_ZH,
    CodeError,
    id_check_char,
    is_valid_citizen_id,
    mask_citizen_id,
    parse_citizen_id,
)
from tongban.standards.idcard import ID_PREFIXES

TODAY = datetime.date(2025, 6, 1)
prefixes = st.sampled_from(sorted(ID_PREFIXES))


@st.composite
def first17s(draw, earliest=datetime.date(1900, 1, 1), latest=TODAY):
    """The first 17 digits of a plausible number: province prefix, 4 digits, birth date, sequence."""
    born = draw(st.dates(min_value=earliest, max_value=latest))
    rest = draw(st.text(alphabet=string.digits, min_size=4, max_size=4))
    seq = draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    return draw(prefixes) + rest + born.strftime("%Y%m%d") + seq


valid_ids = first17s().map(lambda f: f + id_check_char(f))


def rule_of(raw: str, **kwargs) -> str:
    with pytest.raises(CodeError) as caught:
        parse_citizen_id(raw, today=TODAY, **kwargs)
    return caught.value.rule


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_published_valid_examples_pass(number):
    assert parse_citizen_id(number, today=TODAY).number == number


def test_a_birth_date_before_the_floor_is_rejected():
    assert rule_of("440524188001010014", earliest=datetime.date(1900, 1, 1)) == "idcard.birth_date"


def test_published_invalid_example_fails_the_checksum_with_expected_and_actual():
    with pytest.raises(CodeError) as caught:
        parse_citizen_id("110105194912310021")
    assert caught.value.rule == "idcard.checksum"
    assert caught.value.params == {"expected": "X", "actual": "1"}
    assert caught.value.message_en == "check character should be X, not 1"


def test_fifteen_digit_number_is_upgraded():
    parsed = parse_citizen_id("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from == "110105491231002"
    assert parsed.birth_date == datetime.date(1949, 12, 31)


def test_parsed_number_exposes_its_parts():
    parsed = parse_citizen_id("11010519491231002X")
    assert (parsed.division_code, parsed.birth_date, parsed.sex) == ("110105", datetime.date(1949, 12, 31), "2")
    assert parsed.upgraded_from is None


@pytest.mark.parametrize(
    "raw",
    ["11010519491231002x", " 110105 19491231 002X ", "１１０１０５１９４９１２３１００２Ｘ", "110105194912310０2ｘ"],
)
def test_lower_case_x_spaces_and_full_width_characters_are_normalised(raw):
    assert parse_citizen_id(raw).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("body", "expected"),
    [("19490230", "idcard.birth_date"), ("19000229", "idcard.birth_date"), ("19491301", "idcard.birth_date"),
     ("19491200", "idcard.birth_date"), ("17991231", "idcard.birth_date"), ("20250602", "idcard.birth_date")],
)  # fmt: skip
def test_impossible_or_implausible_birth_dates_fail(body, expected):
    first17 = "110105" + body + "002"
    assert rule_of(first17 + id_check_char(first17)) == expected


def test_birth_date_today_is_accepted_but_tomorrow_is_not():
    first17 = "110105" + TODAY.strftime("%Y%m%d") + "001"
    assert parse_citizen_id(first17 + id_check_char(first17), today=TODAY).birth_date == TODAY
    with pytest.raises(CodeError, match="birth date"):
        parse_citizen_id(first17 + id_check_char(first17), today=TODAY - datetime.timedelta(days=1))


@pytest.mark.parametrize("raw", ["", "1101051949", "11010519491231002", "11010519491231002XX", "1101054912310"])
def test_wrong_length_fails_with_the_length(raw):
    with pytest.raises(CodeError) as caught:
        parse_citizen_id(raw)
    assert caught.value.rule == "idcard.length"
    assert caught.value.params["length"] == len(raw)


@pytest.mark.parametrize(
    ("raw", "char", "position"),
    [("1101051949123100XX", "X", 17), ("A1010519491231002X", "A", 1), ("11010519491231002Y", "Y", 18),
     ("11010549123100X", "X", 15), ("110105-49123100", "-", 7)],
)  # fmt: skip
def test_bad_characters_fail_with_their_position(raw, char, position):
    with pytest.raises(CodeError) as caught:
        parse_citizen_id(raw)
    assert (caught.value.rule, caught.value.params) == ("idcard.charset", {"char": char, "position": position})


@pytest.mark.parametrize("prefix", ["00", "10", "20", "30", "47", "55", "66", "72", "80", "84", "99"])
def test_unknown_province_prefix_fails(prefix):
    first17 = prefix + "010519491231002"
    assert rule_of(first17 + id_check_char(first17)) == "idcard.division"


@pytest.mark.parametrize("county", ["310103", "310108", "310225", "310230", "310102", "830000", "810000"])
def test_historical_districts_and_residence_permit_prefixes_are_accepted(county):
    first17 = county + "19800101001"
    assert parse_citizen_id(first17 + id_check_char(first17)).division_code == county


@pytest.mark.parametrize(("seq", "sex"), [("001", "1"), ("002", "2"), ("999", "1"), ("000", "2")])
def test_sex_follows_the_parity_of_the_sequence(seq, sex):
    first17 = "31010119900101" + seq
    assert parse_citizen_id(first17 + id_check_char(first17)).sex == sex


@pytest.mark.parametrize(
    ("number", "masked"),
    [("310101199001011234", "310***********1234"), ("110105491231002", "110********1002"), ("1234567", "*******")],
)
def test_masking_keeps_only_the_first_three_and_last_four(number, masked):
    assert mask_citizen_id(number) == masked


@pytest.mark.parametrize("first17", ["1234567890123456", "123456789012345678", "1101051949123100A"])
def test_check_char_rejects_anything_but_seventeen_digits(first17):
    with pytest.raises(CodeError):
        id_check_char(first17)


@given(valid_ids)
def test_valid_numbers_round_trip(number):
    parsed = parse_citizen_id(number.lower(), today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]
    assert is_valid_citizen_id(number, today=TODAY)


@given(valid_ids, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_character_change_is_detected(number, position, data):
    alphabet = string.digits if position < 17 else string.digits + "X"
    replacement = data.draw(st.sampled_from([ch for ch in alphabet if ch != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_citizen_id(changed, today=TODAY)


@given(valid_ids, st.integers(min_value=0, max_value=15))
def test_swapping_two_adjacent_different_digits_is_detected(number, position):
    a, b = number[position], number[position + 1]
    if a != b:
        assert not is_valid_citizen_id(number[:position] + b + a + number[position + 2 :], today=TODAY)


@given(first17s(latest=datetime.date(1999, 12, 31)))
def test_any_fifteen_digit_number_upgrades_to_a_valid_eighteen_digit_one(first17):
    old = first17[:6] + first17[8:]
    parsed = parse_citizen_id(old, today=TODAY)
    assert parsed.number == first17 + id_check_char(first17)
    assert parsed.upgraded_from == old


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("rule", sorted(MESSAGES_EN))
def test_every_rule_has_a_chinese_template_with_the_same_placeholders(rule):
    assert _placeholders(MESSAGES_ZH[rule]) == _placeholders(MESSAGES_EN[rule])


def test_code_error_is_a_value_error_whose_params_rebuild_both_messages():
    with pytest.raises(ValueError) as caught:
        parse_citizen_id("110105194902300021", today=TODAY)
    error = caught.value
    assert error.message_en == MESSAGES_EN[error.rule].format(**error.params) == str(error)
    zh = MESSAGES_ZH[error.rule].format(**error.params)
    assert zh == "出生日期 19490230 不是 1800-01-01 至 2025-06-01 之间的有效日期"
