"""Unified social credit codes, GB 32100-2015, with the embedded organisation code of GB 11714-1997.

Layout: registration authority (1) + category (1) + division (6) + organisation code (8 + its check) + check (1).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from tongban.standards import CodeError, normalize

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {ch: value for value, ch in enumerate(USCC_CHARSET)}
# Weights 3^(i-1) mod 31 for positions i = 1..17.
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

_ORG_CHARSET = string.digits + string.ascii_uppercase  # valued 0..35
_ORG_VALUES = {ch: value for value, ch in enumerate(_ORG_CHARSET)}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class CreditCode:
    """A valid 18-character unified social credit code and its parts."""

    code: str
    registration_authority: str
    category: str
    division_code: str
    org_code: str  # "XXXXXXXX-C"


def _check_charset(value: str, allowed: dict[str, int], offset: int = 0) -> None:
    for position, ch in enumerate(value, start=offset + 1):
        if ch not in allowed:
            raise CodeError("uscc.charset", char=ch, position=position)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    if len(first17) != 17:
        raise CodeError("uscc.length", length=len(first17) + 1)
    _check_charset(first17, _USCC_VALUES)
    total = sum(_USCC_VALUES[ch] * weight for ch, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character ("0"-"9" or "X") for an 8-character organisation code body."""
    if len(first8) != 8:
        raise CodeError("uscc.org_code_length", length=len(first8))
    _check_charset(first8, _ORG_VALUES, offset=8)
    total = sum(_ORG_VALUES[ch] * weight for ch, weight in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def parse_credit_code(raw: str) -> CreditCode:
    """Parse and check a unified social credit code; raise CodeError with the precise reason."""
    code = normalize(raw)
    if len(code) != 18:
        raise CodeError("uscc.length", length=len(code))
    _check_charset(code, _USCC_VALUES)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise CodeError("uscc.checksum", expected=expected, actual=code[17])
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        raise CodeError(
            "uscc.org_code_checksum", org_code=f"{code[8:16]}-{code[16]}", expected=org_expected, actual=code[16]
        )
    division = code[2:8]
    if not all(ch in string.digits for ch in division):
        raise CodeError("uscc.division", division=division)
    return CreditCode(code, code[0], code[1], division, f"{code[8:16]}-{code[16]}")


def is_valid_credit_code(raw: str) -> bool:
    """True when parse_credit_code accepts the code."""
    try:
        parse_credit_code(raw)
    except CodeError:
        return False
    return True


def make_credit_code(registration_authority: str, category: str, division_code: str, org_base8: str) -> str:
    """Build a valid code from its parts, computing the organisation-code and credit-code check characters."""
    body = registration_authority + category + division_code + org_base8
    if len(registration_authority) != 1 or len(category) != 1 or len(division_code) != 6 or len(body) != 16:
        raise CodeError("uscc.length", length=len(body) + 2)
    _check_charset(body, _USCC_VALUES)
    if not all(ch in string.digits for ch in division_code):
        raise CodeError("uscc.division", division=division_code)
    first17 = body + org_code_check_char(org_base8)
    return first17 + uscc_check_char(first17)
