"""Random secrets for sessions and API clients; only their SHA-256 digests are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_TOKEN_PREFIX = "tbk_"


def digest(token: str) -> str:
    """SHA-256 hex digest of a high-entropy token (salting is unnecessary at 256 bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(token: str, stored: str) -> bool:
    """Constant-time comparison of a token with a stored digest."""
    return hmac.compare_digest(digest(token), stored)


def new_session_token() -> str:
    """A random login-session token."""
    return secrets.token_urlsafe(32)


def new_api_token() -> tuple[str, str]:
    """(key id, full token) — the token reads ``tbk_<key id>_<secret>`` so it is recognisable in logs and scanners."""
    key_id = secrets.token_hex(6)
    return key_id, f"{API_TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def split_api_token(token: str) -> str | None:
    """The key id inside a well-formed token, else None."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    key_id, sep, secret = token[len(API_TOKEN_PREFIX):].partition("_")
    if not sep or len(key_id) != 12 or len(secret) < 32:
        return None
    return key_id
