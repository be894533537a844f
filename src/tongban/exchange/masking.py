"""How a personal item leaves the platform when its grant does not say clear. Pure: no I/O.

    rule          example in              example out
    id_number     310115199001011234      310***********1234     first 3 and last 4 kept
    phone         13812345678             138****5678            first 3 and last 4 kept
    name          张三明 / 张三 / 欧阳娜娜   张*明 / 张* / 欧阳*娜    the surname (a compound one whole) and the last character
    address       上海市浦东新区张杨路100弄5号  上海市浦东新区张杨路****    up to the road (else the last division), the rest hidden
    date          1990-01-01              1990                   the year only
    hide          anything                null

A value too short to keep its ends (an ID of 7 characters) is masked completely: a rule never returns more than it
promises. Credit codes are not personal information and have no rule: a non-personal item always leaves clear.
A personal item without a rule is hidden (``apply`` with ``rule=None``).
"""

from __future__ import annotations

import datetime as dt
import re

from tongban.standards import mask_citizen_id

RULES: dict[str, str] = {  # rule → what it does (an English msgid, shown to the operator)
    "id_number": "First 3 and last 4 characters kept (310***********1234)",
    "phone": "First 3 and last 4 digits kept (138****5678)",
    "name": "Surname and last character kept (张*明, 张*, 欧阳*娜)",
    "address": "Kept up to the road, the rest hidden (上海市浦东新区张杨路****)",
    "date": "Year only (1990)",
    "hide": "Hidden (null)",
}

HIDDEN = "****"

# 复姓 of the Hundred Family Surnames (百家姓) and the common ones outside it; the surname is kept whole.
COMPOUND_SURNAMES = frozenset("""
万俟 司马 上官 欧阳 夏侯 诸葛 闻人 东方 赫连 皇甫 尉迟 公羊 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 公孙 仲孙 轩辕 令狐
钟离 宇文 长孙 慕容 鲜于 闾丘 司徒 司空 亓官 司寇 子车 颛孙 端木 巫马 公西 漆雕 乐正 壤驷 公良 拓跋 夹谷 宰父 谷梁
段干 百里 东郭 南门 呼延 羊舌 微生 梁丘 左丘 东门 西门 南宫 第五 独孤 诸葛 东里 公门 呼延 归海 纳兰 爱新觉罗
""".split())

# The end of a road's name (张杨路, 世纪大道, 南京东路, 淮海中路, 田子坊巷 …); 街 of 街道 is a sub-district, not a road.
_ROAD = re.compile(r"大道|公路|胡同|路|街(?!道)|巷")
# The end of an administrative division (上海市, 浦东新区, 崇明县, 张江镇, 陆家嘴街道 …), when there is no road.
_DIVISION = re.compile(r"街道|省|自治区|市|区|县|镇|乡")
_SEPARATORS = frozenset("·• ")


def mask_keep_ends(value: str, head: int = 3, tail: int = 4) -> str:
    """Keep ``head`` first and ``tail`` last characters, mask the rest one for one; shorter values fully masked."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def surname_length(name: str) -> int:
    """1, or the length of the compound surname the name starts with."""
    for size in (4, 2):
        if len(name) > size and name[:size] in COMPOUND_SURNAMES:
            return size
    return 1


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳娜娜 → 欧阳*娜, 司马相如 → 司马*如; a transliterated name with a separator
    (买买提·艾力) keeps its first character and separators only."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if any(ch in _SEPARATORS for ch in name):
        return name[0] + "".join(ch if ch in _SEPARATORS else "*" for ch in name[1:])
    surname = surname_length(name)
    given = name[surname:]
    if len(given) == 1:
        return name[:surname] + "*"
    return name[:surname] + "*" * (len(given) - 1) + given[-1]


def mask_address(address: str) -> str:
    """Keep the address up to the end of its first road (or, without a road, its last division); hide the rest."""
    address = address.strip()
    road = _ROAD.search(address)
    if road is not None:
        kept = address[:road.end()]
    else:
        divisions = list(_DIVISION.finditer(address))
        kept = address[:divisions[-1].end()] if divisions else ""
    return kept + HIDDEN if len(kept) < len(address) else kept


def mask_date(value: object) -> str | None:
    """The year of a date (a date, or text starting YYYY); anything else is hidden."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}"
    text = str(value).strip()
    return text[:4] if re.match(r"\d{4}(?:\D|$)", text) else None


def apply(rule: str | None, value: object) -> object:
    """``value`` as ``rule`` lets it leave; None (no rule) or an unknown rule hides it, as does ``hide``."""
    if value is None or rule not in RULES or rule == "hide":
        return None
    if rule == "date":
        return mask_date(value)
    text = str(value)
    if rule == "id_number":
        return mask_citizen_id(text)
    if rule == "phone":
        return mask_keep_ends(text.strip())
    if rule == "name":
        return mask_name(text)
    return mask_address(text)  # the only rule left


def is_rule(rule: str) -> bool:
    """Whether ``rule`` is one of the masking rules."""
    return rule in RULES
