"""Password hashing (argon2id) and the strength rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()

MIN_LENGTH = 10
PASSPHRASE_LENGTH = 16  # long passphrases need no mix of character classes
_COMMON = frozenset(
    {"password", "password1", "1234567890", "qwertyuiop", "iloveyou12", "woaini1314", "a123456789", "admin12345",
     "abcdefghij", "0123456789", "1qaz2wsx3edc", "passw0rd123", "qwerty12345"}
)


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password or a malformed hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time of one verification, so unknown usernames answer as slowly as wrong passwords."""
    verify_password(_DUMMY_HASH, password)


def weakness(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak (an English msgid), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "must be at least 10 characters long"
    if password.lower() in _COMMON or len(set(password)) < 4:
        return "is too common or too simple"
    if username and username.lower() in password.lower():
        return "must not contain the username"
    if len(password) >= PASSPHRASE_LENGTH:
        return None
    classes = sum(
        (any(c.islower() for c in password), any(c.isupper() for c in password),
         any(c.isdigit() for c in password), any(not c.isalnum() for c in password),
         any(c.isalpha() and not c.isascii() for c in password))  # Chinese characters count as a class of their own
    )
    if classes < 2:
        return "must mix at least two of: lower case, upper case, digits, symbols"
    return None


_DUMMY_HASH = _HASHER.hash("tongban-dummy-password")
