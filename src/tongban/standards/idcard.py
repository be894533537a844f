"""Citizen identity numbers, GB 11643-1999, with the ISO 7064 MOD 11-2 check character.

Old 15-digit numbers (GB 11643-1989) are upgraded to 18 digits. Historical address codes are deliberately
accepted: only the province prefix is checked, because people keep the number they were first given.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tongban.standards import CodeError, normalize
from tongban.standards.division import PROVINCES

# Weights 2^(18-i) mod 11 for positions i = 1..17.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"
_DIGITS = "0123456789"
EARLIEST_BIRTH_DATE = datetime.date(1800, 1, 1)  # the standard's own example is born 1880

# Province prefixes plus 83, used by residence permits of Taiwan residents.
ID_PREFIXES: frozenset[str] = frozenset(PROVINCES) | {"83"}


@dataclass(frozen=True)
class CitizenId:
    """A valid 18-character citizen ID number and what it encodes."""

    number: str
    division_code: str
    birth_date: datetime.date
    sex: str  # GB/T 2261.1: "1" male, "2" female
    upgraded_from: str | None


def _check_digits(value: str, count: int) -> None:
    for position, ch in enumerate(value[:count], start=1):
        if ch not in _DIGITS:
            raise CodeError("idcard.charset", char=ch, position=position)


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character ("0"-"9" or "X") for the first 17 digits."""
    if len(first17) != 17:
        raise CodeError("idcard.length", length=len(first17) + 1)
    _check_digits(first17, 17)
    total = sum(int(ch) * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(digits: str, today: datetime.date, earliest: datetime.date) -> datetime.date:
    params = {"date": digits, "earliest": earliest.isoformat(), "today": today.isoformat()}
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise CodeError("idcard.birth_date", **params, reason="not_a_date") from None
    if born < earliest:
        raise CodeError("idcard.birth_date", **params, reason="too_early")
    if born > today:
        raise CodeError("idcard.birth_date", **params, reason="in_future")
    return born


def parse_citizen_id(
    raw: str, *, today: datetime.date | None = None, earliest: datetime.date = EARLIEST_BIRTH_DATE
) -> CitizenId:
    """Parse and check a 15- or 18-character citizen ID number; raise CodeError with the precise reason."""
    today = today or datetime.date.today()
    number = normalize(raw)
    if len(number) not in (15, 18):
        raise CodeError("idcard.length", length=len(number))
    _check_digits(number, len(number) if len(number) == 15 else 17)
    if len(number) == 18 and number[17] not in _DIGITS + "X":
        raise CodeError("idcard.charset", char=number[17], position=18)
    if number[:2] not in ID_PREFIXES:
        raise CodeError("idcard.division", prefix=number[:2])
    upgraded_from = None
    if len(number) == 15:
        upgraded_from = number
        first17 = number[:6] + "19" + number[6:]
    else:
        first17 = number[:17]
    born = _birth_date(first17[6:14], today, earliest)
    expected = id_check_char(first17)
    if upgraded_from is None and number[17] != expected:
        raise CodeError("idcard.checksum", expected=expected, actual=number[17])
    sex = "1" if int(first17[16]) % 2 else "2"
    return CitizenId(first17 + expected, first17[:6], born, sex, upgraded_from)


def is_valid_citizen_id(
    raw: str, *, today: datetime.date | None = None, earliest: datetime.date = EARLIEST_BIRTH_DATE
) -> bool:
    """True when parse_citizen_id accepts the number."""
    try:
        parse_citizen_id(raw, today=today, earliest=earliest)
    except CodeError:
        return False
    return True


def mask_citizen_id(number: str) -> str:
    """Keep the first 3 and last 4 characters, e.g. "310***********1234"; short input is fully masked."""
    number = number.strip()
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]
