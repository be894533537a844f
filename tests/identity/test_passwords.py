"""The password strength rule and argon2id hashing. Pure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.identity.passwords import MIN_LENGTH, PASSPHRASE_LENGTH, dummy_verify, hash_password, verify_password, weakness

TOO_SHORT = "must be at least 10 characters long"
TOO_COMMON = "is too common or too simple"
HAS_USERNAME = "must not contain the username"
ONE_CLASS = "must mix at least two of: lower case, upper case, digits, symbols"


@pytest.mark.parametrize("password,username,reason", [
    ("Ab1!xyz", "", TOO_SHORT),
    ("", "", TOO_SHORT),
    ("Abcdef12!", "", TOO_SHORT),
    ("1234567890", "", TOO_COMMON),
    ("Password1", "", TOO_SHORT),
    ("QwertyUiop", "", TOO_COMMON),
    ("woaini1314", "", TOO_COMMON),
    ("aaaaaaaaaaaa1", "", TOO_COMMON),
    ("abcabcabcabc", "", TOO_COMMON),
    ("wangfang-2024X", "wangfang", HAS_USERNAME),
    ("X9-WangFang-y", "wangfang", HAS_USERNAME),
    ("correcthorse", "", ONE_CLASS),
    ("CORRECTHORSE", "", ONE_CLASS),
    ("3141592653589", "", ONE_CLASS),
    ("!@#$%^&*()_+", "", ONE_CLASS),
    ("中华人民共和国万岁通办平台", "", ONE_CLASS),
], ids=lambda v: v if isinstance(v, str) and v else None)
def test_a_weak_password_is_rejected_with_the_reason(password, username, reason):
    assert weakness(password, username) == reason


@pytest.mark.parametrize("password,username", [
    ("Correct-Horse-42", ""),
    ("Correct-Horse-42", "wangfang"),
    ("correct horse 42", "clerk"),
    ("Tb-Zx81kPq0aLm", "operator"),
    ("通办平台Password2024", "zhangsan"),
    ("通办平台2024年上线", ""),
    ("correcthorsebatterystaple", ""),
    ("让数据多跑路让群众少跑腿通办平台", ""),
])
def test_a_good_password_is_accepted(password, username):
    assert weakness(password, username) is None


@given(st.text(max_size=MIN_LENGTH - 1), st.text(max_size=12))
def test_any_password_shorter_than_ten_characters_is_rejected(password, username):
    assert weakness(password, username) == TOO_SHORT


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=MIN_LENGTH, max_size=PASSPHRASE_LENGTH - 1))
def test_any_lower_case_only_password_is_rejected(password):
    assert weakness(password) is not None


@pytest.fixture(scope="module")
def hashed() -> str:
    return hash_password("Correct-Horse-42")


def test_a_hash_is_argon2id_and_does_not_contain_the_password(hashed):
    assert hashed.startswith("$argon2id$")
    assert "Correct-Horse-42" not in hashed


def test_a_hash_verifies_the_right_password_only(hashed):
    assert verify_password(hashed, "Correct-Horse-42")
    assert not verify_password(hashed, "correct-horse-42")
    assert not verify_password(hashed, "")


def test_the_same_password_hashes_differently_each_time(hashed):
    again = hash_password("Correct-Horse-42")
    assert again != hashed and verify_password(again, "Correct-Horse-42")


@pytest.mark.parametrize("stored", ["", "not a hash", "$argon2id$v=19$m=65536,t=3,p=4$broken", "Correct-Horse-42"])
def test_a_malformed_stored_hash_never_verifies_and_never_raises(stored):
    assert verify_password(stored, "Correct-Horse-42") is False


def test_a_non_ascii_password_round_trips_through_its_hash():
    hashed = hash_password("通办-密码-2024")
    assert verify_password(hashed, "通办-密码-2024")
    assert not verify_password(hashed, "通办-密码-2025")


def test_the_dummy_verification_accepts_any_input_without_raising():
    assert dummy_verify("whatever") is None
