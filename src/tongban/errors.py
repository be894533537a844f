"""The one exception tree of Tongban's domain code.

    TongbanError                 code, message (English msgid), params, status, errors, audit
    ├── InvalidInput             422  a value breaks a rule (errors: field + message)
    ├── NotFound                 404
    ├── Conflict                 409  duplicate or state clash
    ├── Unauthenticated          401  no or bad credentials
    ├── PermissionDenied         403  the policy says no
    └── Locked                   429  too many failures; retry later

Messages are English msgids, translated by the web and CLI layers through the message catalog.
An error may carry an ``audit`` event: the unit of work records it after rolling back the failed work,
so denials and failures are logged even though nothing else is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field (and row, for files)."""

    field: str
    message: str  # English msgid with {placeholders}
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    code: str | None = None  # stable rule code, e.g. "idcard.checksum"


class TongbanError(Exception):
    """Base of every domain error: a stable code and a human message."""

    status = 400
    code = "tongban.error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        errors: list[FieldError] | None = None,
        audit: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.params = params or {}
        self.errors = errors or []
        self.audit = audit

    def __str__(self) -> str:
        try:
            return self.message.format(**self.params)
        except (KeyError, IndexError):
            return self.message


class InvalidInput(TongbanError):
    status = 422
    code = "invalid_input"


class NotFound(TongbanError):
    status = 404
    code = "not_found"


class Conflict(TongbanError):
    status = 409
    code = "conflict"


class Unauthenticated(TongbanError):
    status = 401
    code = "unauthenticated"


class PermissionDenied(TongbanError):
    status = 403
    code = "permission_denied"


class Locked(TongbanError):
    status = 429
    code = "locked"
