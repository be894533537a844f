"""API and session tokens: recognisable, random, stored only as digests. Pure."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.identity.tokens import (
    API_TOKEN_PREFIX,
    digest,
    new_api_token,
    new_session_token,
    same_digest,
    split_api_token,
)


def test_an_api_token_starts_with_tbk_and_carries_its_key_id():
    key_id, token = new_api_token()
    assert API_TOKEN_PREFIX == "tbk_"
    assert token.startswith(f"tbk_{key_id}_")
    assert re.fullmatch(r"[0-9a-f]{12}", key_id)


def test_splitting_an_api_token_returns_its_key_id():
    key_id, token = new_api_token()
    assert split_api_token(token) == key_id


@given(st.builds(new_api_token))
def test_any_token_from_new_api_token_round_trips(made):
    key_id, token = made
    assert split_api_token(token) == key_id
    assert same_digest(token, digest(token))


def test_two_api_tokens_differ():
    assert new_api_token() != new_api_token()


GOOD_KEY, GOOD_SECRET = "0123456789ab", "s" * 43


@pytest.mark.parametrize("token", [
    "",
    "tbk_",
    "tbk__",
    "Bearer tbk_0123456789ab_" + GOOD_SECRET,
    "TBK_0123456789ab_" + GOOD_SECRET,
    "tbx_0123456789ab_" + GOOD_SECRET,
    "0123456789ab_" + GOOD_SECRET,
    "tbk_0123456789ab" + GOOD_SECRET,
    "tbk_0123456789a_" + GOOD_SECRET,
    "tbk_0123456789abc_" + GOOD_SECRET,
    "tbk_0123456789ab_" + "s" * 31,
    "tbk_0123456789ab_",
], ids=["empty", "prefix-only", "separators-only", "with-scheme", "upper-case-prefix", "wrong-prefix", "no-prefix",
        "no-separator", "short-key-id", "long-key-id", "short-secret", "no-secret"])
def test_a_malformed_api_token_has_no_key_id(token):
    assert split_api_token(token) is None


@given(st.text().filter(lambda t: not t.startswith(API_TOKEN_PREFIX)))
def test_any_text_without_the_prefix_has_no_key_id(text):
    assert split_api_token(text) is None


@given(st.text(alphabet="0123456789abcdef", max_size=20).filter(lambda k: len(k) != 12), st.text(min_size=32))
def test_any_key_id_of_the_wrong_length_is_refused(key_id, secret):
    assert split_api_token(f"tbk_{key_id}_{secret}") is None


def test_a_digest_is_sha256_hex_and_does_not_contain_the_token():
    _, token = new_api_token()
    hashed = digest(token)
    assert re.fullmatch(r"[0-9a-f]{64}", hashed)
    assert token not in hashed


@given(st.text(min_size=1), st.text(min_size=1))
def test_a_digest_matches_only_its_own_token(token, other):
    assert same_digest(token, digest(token))
    if other != token:
        assert not same_digest(other, digest(token))


def test_session_tokens_are_long_random_and_url_safe():
    first, second = new_session_token(), new_session_token()
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first)
