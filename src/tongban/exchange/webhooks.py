"""Webhooks of change subscriptions, the parts without a database: the subscriber's secret (made once, shown once,
kept encrypted), the signature a receiver checks, the retry schedule, and the HTTP sender.

**What a receiver gets.** A POST whose body is JSON (``{"subscription", "delivery", "cursor", "events": [...]}``)
with the headers

    X-Tongban-Delivery   the delivery's id: the same on every retry of a batch (deduplicate on it)
    X-Tongban-Timestamp  when this attempt was signed, in Unix seconds
    X-Tongban-Signature  sha256=<hex HMAC-SHA256, keyed with the subscription's secret, of "<timestamp>.<body>">

The signature covers the timestamp as well as the body, so a captured request cannot be replayed later: the receiver
recomputes the HMAC over the timestamp header, a ".", and the raw body bytes, compares it in constant time, and
rejects a timestamp more than five minutes from its clock (:func:`verify`). Any 2xx answer acknowledges the batch;
anything else, or no answer within the timeout, is retried after 1, 2, 4 … minutes (at most an hour apart) and given
up after ``MAX_ATTEMPTS`` attempts.

**The secret at rest** is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived by HKDF-SHA256 from
the platform's secret key (``TONGBAN_SECRET_KEY`` or ``<data dir>/secret_key``), which callers pass in as a plain
value; changing the platform secret makes stored webhook secrets unreadable (deliveries then fail, saying so).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tongban.errors import FieldError, InvalidInput, TongbanError

SIGNATURE, DELIVERY, TIMESTAMP = "X-Tongban-Signature", "X-Tongban-Delivery", "X-Tongban-Timestamp"
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=1)
MAX_ATTEMPTS = 8  # waits of 1, 2, 4 … 32 and 60 minutes between them: about two hours of trying
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 10.0
URL_LENGTH = 500
_KDF_INFO = b"tongban webhook secrets v1"

# (url, body, headers) → the HTTP status; raises OSError (or anything) when no answer came.
Sender = Callable[[str, bytes, Mapping[str, str]], int]


class SecretUnreadable(TongbanError):
    """The stored secret does not decrypt: the platform's secret key changed since it was made."""

    status = 500
    code = "exchange.webhook_secret_unreadable"


def new_secret() -> str:
    """A fresh signing secret for a subscription's webhook (shown to the subscriber once)."""
    return "whsec_" + secrets.token_urlsafe(32)


def _fernet(platform_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KDF_INFO).derive(platform_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(platform_key: str, secret: str) -> str:
    """``secret`` encrypted for storage under a key derived from the platform's secret key."""
    return _fernet(platform_key).encrypt(secret.encode()).decode("ascii")


def unseal(platform_key: str, sealed: str) -> str:
    """The secret :func:`seal` encrypted; SecretUnreadable when the platform key is not the one it was sealed with."""
    try:
        return _fernet(platform_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise SecretUnreadable("The webhook secret cannot be decrypted: the platform's secret key has changed. "
                               "Subscribe again to get a new secret") from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``"<timestamp>." + body`` under the subscription's secret."""
    mac = hmac.new(secret.encode(), str(int(timestamp)).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, body: bytes, headers: Mapping[str, str], *, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the signature matches the timestamp and the body, and the timestamp is recent."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_time, sent = lowered.get(TIMESTAMP.lower(), ""), lowered.get(SIGNATURE.lower(), "")
    if not raw_time.isdigit() or abs(now - int(raw_time)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(raw_time), body), sent)


def headers_for(secret: str, delivery_id: int, body: bytes, now: dt.datetime) -> dict[str, str]:
    """The headers of one attempt: content type, delivery id, timestamp and signature."""
    stamp = int(now.timestamp())
    return {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Tongban-Webhooks/1",
            DELIVERY: str(delivery_id), TIMESTAMP: str(stamp), SIGNATURE: signature(secret, stamp, body)}


def wait_after(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def check_url(raw: str | None) -> str | None:
    """The webhook address, or None when none is given: http(s), a host, at most 500 characters."""
    url = (raw or "").strip()
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if scheme.lower() not in ("http", "https") or not host or len(url) > URL_LENGTH or any(c.isspace() for c in url):
        raise InvalidInput("{url} is not a web address the platform can deliver to", code="exchange.webhook_url",
                           params={"url": url[:80]},
                           errors=[FieldError("webhook_url", "must be an http:// or https:// address of at most "
                                                             "{max} characters", {"max": URL_LENGTH},
                                              code="exchange.webhook_url")])
    return url


def acknowledged(status: int) -> bool:
    """Only a 2xx answer acknowledges a batch (a redirect is not followed, and is not one)."""
    return 200 <= status < 300


class HttpSender:
    """The real sender: one POST with httpx, a timeout, no redirects followed."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        import httpx  # only the delivery process needs it

        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        return self._client.post(url, content=body, headers=dict(headers)).status_code

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpSender:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
