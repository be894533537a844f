"""Unified social credit codes (GB 32100-2015) with the embedded organisation code (GB 11714-1997)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.standards import (
    USCC_CHARSET,
    CodeError,
    is_valid_credit_code,
    make_credit_code,
    org_code_check_char,
    parse_credit_code,
    uscc_check_char,
)

PUBLISHED = ["91350200776049653A", "91440101MA5CJQ4N59", "914403001922038216"]

charset_chars = st.sampled_from(USCC_CHARSET)
parts = st.tuples(
    charset_chars,
    charset_chars,
    st.text(alphabet=string.digits, min_size=6, max_size=6),
    st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8),
)
valid_codes = parts.map(lambda p: make_credit_code(*p))


def rule_of(raw: str) -> str:
    with pytest.raises(CodeError) as caught:
        parse_credit_code(raw)
    return caught.value.rule


def _with_checks(first16: str) -> str:
    """Append a correct credit-code check to 16 characters that already end in the org-code check."""
    return first16 + uscc_check_char(first16)


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_valid_examples_pass(code):
    assert parse_credit_code(code).code == code


@pytest.mark.parametrize(
    ("code", "authority", "category", "division", "org_code"),
    [("91350200776049653A", "9", "1", "350200", "77604965-3"),
     ("91440101MA5CJQ4N59", "9", "1", "440101", "MA5CJQ4N-5"),
     ("914403001922038216", "9", "1", "440300", "19220382-1")],
)  # fmt: skip
def test_parsed_code_exposes_its_parts(code, authority, category, division, org_code):
    parsed = parse_credit_code(code)
    assert (parsed.registration_authority, parsed.category) == (authority, category)
    assert (parsed.division_code, parsed.org_code) == (division, org_code)


@pytest.mark.parametrize("code", PUBLISHED)
def test_changing_the_last_character_of_a_published_example_fails(code):
    for other in USCC_CHARSET.replace(code[-1], ""):
        assert rule_of(code[:-1] + other) == "uscc.checksum"


@pytest.mark.parametrize(
    "raw", [" 91440101ma5cjq4n59 ", "９１４４０１０１ＭＡ５ＣＪＱ４Ｎ５９", "9144 0101 MA5C JQ4N 59"]
)
def test_case_spaces_and_full_width_characters_are_normalised(raw):
    assert parse_credit_code(raw).code == "91440101MA5CJQ4N59"


@pytest.mark.parametrize("raw", ["", "9144010", "91440101MA5CJQ4N5", "91440101MA5CJQ4N590"])
def test_wrong_length_fails_with_the_length(raw):
    with pytest.raises(CodeError) as caught:
        parse_credit_code(raw)
    assert (caught.value.rule, caught.value.params) == ("uscc.length", {"length": len(raw)})


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "-", "*"])
def test_characters_outside_the_31_character_set_fail_with_their_position(bad):
    with pytest.raises(CodeError) as caught:
        parse_credit_code("91440101MA5C" + bad + "Q4N59")
    assert (caught.value.rule, caught.value.params) == ("uscc.charset", {"char": bad, "position": 13})


def test_published_invalid_check_reports_expected_and_actual():
    with pytest.raises(CodeError) as caught:
        parse_credit_code("91350200776049653B")
    assert caught.value.params == {"expected": "A", "actual": "B"}
    assert caught.value.message_en == "check character should be A, not B"


def test_a_wrong_embedded_org_code_check_fails_even_with_a_correct_outer_check():
    code = _with_checks("9135020077604965" + "4")  # the organisation code's check should be 3
    with pytest.raises(CodeError) as caught:
        parse_credit_code(code)
    assert caught.value.rule == "uscc.org_code_checksum"
    assert caught.value.params == {"org_code": "77604965-4", "expected": "3", "actual": "4"}


def test_letters_in_the_division_fail_even_with_both_checks_correct():
    code = _with_checks("9135A200" + "77604965" + org_code_check_char("77604965"))
    assert rule_of(code) == "uscc.division"


@pytest.mark.parametrize(
    ("body", "check"),
    [("77604965", "3"), ("MA5CJQ4N", "5"), ("19220382", "1"),
     ("00000006", "X"),  # 6*2 = 12, 12 % 11 = 1, 11 - 1 = 10 -> X
     ("00000000", "0"),  # 0 % 11 = 0, 11 - 0 = 11 -> 0
     ("A0000000", "3")],  # A = 10, 10*3 = 30, 30 % 11 = 8, 11 - 8 = 3
)  # fmt: skip
def test_org_code_check_char_follows_gb_11714(body, check):
    assert org_code_check_char(body) == check


@pytest.mark.parametrize(
    ("first17", "check"),
    [("00000000000000000", "0"),  # sum 0 -> 31 - 0 = 31 -> 0
     ("10000000000000000", "Y"),  # 1*1 = 1 -> 31 - 1 = 30 -> Y
     ("9135020077604965" + "3", "A")],
)  # fmt: skip
def test_uscc_check_char_follows_gb_32100(first17, check):
    assert uscc_check_char(first17) == check


@pytest.mark.parametrize(("function", "value"), [(uscc_check_char, "9135"), (org_code_check_char, "7760")])
def test_check_functions_reject_the_wrong_length(function, value):
    with pytest.raises(CodeError):
        function(value)


@pytest.mark.parametrize(
    "arguments",
    [("9", "1", "3101", "77604965"), ("9", "1", "31010A", "77604965"), ("I", "1", "310101", "77604965"),
     ("9", "1", "310101", "7760496"), ("91", "", "310101", "77604965"), ("9", "1", "310101", "7760496O")],
)  # fmt: skip
def test_make_credit_code_rejects_bad_parts(arguments):
    with pytest.raises(CodeError):
        make_credit_code(*arguments)


def test_make_credit_code_rebuilds_a_published_example():
    assert make_credit_code("9", "1", "440101", "MA5CJQ4N") == "91440101MA5CJQ4N59"


@given(parts)
def test_made_codes_round_trip_through_the_parser(p):
    parsed = parse_credit_code(make_credit_code(*p).lower())
    assert (parsed.registration_authority, parsed.category, parsed.division_code) == p[:3]
    assert parsed.org_code[:8] == p[3] and parsed.org_code[8] == "-"
    assert is_valid_credit_code(parsed.code)


@given(valid_codes, st.integers(min_value=0, max_value=17), st.data())
def test_any_single_character_substitution_is_detected(code, position, data):
    replacement = data.draw(st.sampled_from(USCC_CHARSET.replace(code[position], "")))
    assert not is_valid_credit_code(code[:position] + replacement + code[position + 1 :])


@given(valid_codes, st.integers(min_value=0, max_value=15))
def test_swapping_two_adjacent_different_characters_is_detected(code, position):
    a, b = code[position], code[position + 1]
    if a != b:
        assert not is_valid_credit_code(code[:position] + b + a + code[position + 2 :])
