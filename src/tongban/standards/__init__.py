"""Chinese national identifier standards: citizen ID (GB 11643), credit code (GB 32100), divisions (GB/T 2260).

Pure functions on strings; standard library only. Every rejection is a :class:`CodeError` carrying a stable
``rule``, the ``params`` that fill its message, and the formatted English ``message_en``. ``MESSAGES_EN`` holds
the English templates (usable as Babel msgids) and ``MESSAGES_ZH`` the Chinese ones, with the same placeholders.
"""

from __future__ import annotations

from typing import Any

MESSAGES_EN: dict[str, str] = {
    "idcard.length": "a citizen ID number has 15 or 18 characters, not {length}",
    "idcard.charset": "character {char} at position {position} is not allowed in a citizen ID number",
    "idcard.division": "{prefix} is not a province code, so the number cannot start with it",
    "idcard.birth_date": "birth date {date} is not a real date between {earliest} and {today}",
    "idcard.checksum": "check character should be {expected}, not {actual}",
    "uscc.length": "a unified social credit code has 18 characters, not {length}",
    "uscc.charset": "character {char} at position {position} is not allowed in a unified social credit code",
    "uscc.checksum": "check character should be {expected}, not {actual}",
    "uscc.org_code_checksum": "the organisation code {org_code} should end in {expected}, not {actual}",
    "uscc.org_code_length": "an organisation code has 8 characters before its check character, not {length}",
    "uscc.division": "characters 3 to 8 must be a six-digit division code, not {division}",
    "division.length": "a division code has 6 or 9 digits, not {length} characters",
    "division.charset": "character {char} at position {position} is not a digit",
    "division.structure": "{code} is not a well-formed division code",
    "division.unknown": "{code} is not a known division code",
}

MESSAGES_ZH: dict[str, str] = {
    "idcard.length": "身份号码应为 15 位或 18 位，而不是 {length} 位",
    "idcard.charset": "身份号码第 {position} 位的字符 {char} 不合法",
    "idcard.division": "{prefix} 不是省级行政区划代码，身份号码不能以它开头",
    "idcard.birth_date": "出生日期 {date} 不是 {earliest} 至 {today} 之间的有效日期",
    "idcard.checksum": "校验码应为 {expected}，而不是 {actual}",
    "uscc.length": "统一社会信用代码应为 18 位，而不是 {length} 位",
    "uscc.charset": "统一社会信用代码第 {position} 位的字符 {char} 不合法",
    "uscc.checksum": "校验码应为 {expected}，而不是 {actual}",
    "uscc.org_code_checksum": "组织机构代码 {org_code} 的校验码应为 {expected}，而不是 {actual}",
    "uscc.org_code_length": "组织机构代码校验码前应为 8 位，而不是 {length} 位",
    "uscc.division": "第 3 至 8 位应为六位数字的行政区划代码，而不是 {division}",
    "division.length": "行政区划代码应为 6 位或 9 位数字，而不是 {length} 位",
    "division.charset": "行政区划代码第 {position} 位的字符 {char} 不是数字",
    "division.structure": "{code} 不是结构正确的行政区划代码",
    "division.unknown": "{code} 不是已知的行政区划代码",
}


class CodeError(ValueError):
    """Invalid identifier: a stable ``rule``, its ``params`` and the formatted English ``message_en``."""

    def __init__(self, rule: str, **params: Any) -> None:
        self.rule = rule
        self.params = dict(params)
        self.template = MESSAGES_EN[rule]
        self.message_en = self.template.format(**self.params)
        super().__init__(self.message_en)

    def __repr__(self) -> str:
        return f"CodeError({self.rule!r}, {self.params!r})"


def normalize(raw: str) -> str:
    """Full-width ASCII to half-width, drop all whitespace, upper-case."""
    chars = []
    for ch in raw:
        cp = ord(ch)
        if 0xFF01 <= cp <= 0xFF5E:
            ch = chr(cp - 0xFEE0)
        if ch.isspace():
            continue
        chars.append(ch)
    return "".join(chars).upper()


# The submodules import CodeError and normalize from here, so they must be defined first.
from tongban.standards.division import (  # noqa: E402
    HISTORICAL_SHANGHAI,
    PROVINCES,
    SHANGHAI_DISTRICTS,
    Division,
    current_division,
    is_valid_division_code,
    parse_division_code,
)
from tongban.standards.idcard import (  # noqa: E402
    CitizenId,
    id_check_char,
    is_valid_citizen_id,
    mask_citizen_id,
    parse_citizen_id,
)
from tongban.standards.uscc import (  # noqa: E402
    USCC_CHARSET,
    CreditCode,
    is_valid_credit_code,
    make_credit_code,
    org_code_check_char,
    parse_credit_code,
    uscc_check_char,
)

__all__ = [
    "HISTORICAL_SHANGHAI",
    "MESSAGES_EN",
    "MESSAGES_ZH",
    "PROVINCES",
    "SHANGHAI_DISTRICTS",
    "USCC_CHARSET",
    "CitizenId",
    "CodeError",
    "CreditCode",
    "Division",
    "current_division",
    "id_check_char",
    "is_valid_citizen_id",
    "is_valid_credit_code",
    "is_valid_division_code",
    "make_credit_code",
    "mask_citizen_id",
    "normalize",
    "org_code_check_char",
    "parse_citizen_id",
    "parse_credit_code",
    "parse_division_code",
    "uscc_check_char",
]
