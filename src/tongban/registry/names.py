"""Chinese personal names folded for matching: simplified characters, surname split, surname-aware toneless pinyin.

Two registers write one person's name differently: in traditional characters (單田芳 for 单田芳), with a homophone
a clerk picked from the input method (汪 for 王, 铭 for 明), or with the surname read the common way rather than the
surname way (单 is *shan* as a surname, *dan* otherwise). Folding both to simplified characters and to toneless pinyin
makes those variants equal; compound surnames (欧阳, 诸葛 …) are split off whole so the given name is compared as such.

pypinyin has no surname mode (mozillazg/python-pinyin#297), so surname readings are a table here. A character's
reading is taken alone, not from phrase context: both sides of a comparison get the same reading, which is what
matching needs, and it lets a whole base be folded from its few thousand distinct characters (:func:`char_table`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

# Compound surnames, split off whole (longest first is implicit: all have two characters).
COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ouyang", "司马": "sima", "诸葛": "zhuge", "上官": "shangguan", "东方": "dongfang", "皇甫": "huangfu",
    "尉迟": "yuchi", "万俟": "moqi", "单于": "chanyu", "长孙": "zhangsun", "令狐": "linghu", "慕容": "murong",
    "宇文": "yuwen", "司徒": "situ", "夏侯": "xiahou", "公孙": "gongsun", "轩辕": "xuanyuan", "澹台": "tantai",
    "南宫": "nangong", "独孤": "dugu", "司空": "sikong", "西门": "ximen", "呼延": "huyan", "端木": "duanmu",
    "钟离": "zhongli", "宗政": "zongzheng", "濮阳": "puyang", "淳于": "chunyu", "太叔": "taishu", "申屠": "shentu",
    "公冶": "gongye", "赫连": "helian", "闻人": "wenren", "百里": "baili", "东郭": "dongguo", "羊舌": "yangshe",
}  # fmt: skip

# Single-character surnames whose surname reading is not pypinyin's default reading of the character.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao", "乐": "yue",
    "盖": "ge", "缪": "miao", "翟": "zhai", "覃": "qin", "秘": "bi", "种": "chong", "繁": "po", "重": "chong",
    "折": "she", "佴": "nai", "粘": "nian", "藏": "zang", "都": "du", "六": "lu", "薄": "bo", "阚": "kan",
    "卜": "bu", "召": "shao", "员": "yun", "句": "gou", "隗": "wei", "蕃": "pi", "祭": "zhai", "黑": "he",
    "洗": "xian", "长": "chang", "么": "yao",
}  # fmt: skip

_T2S = opencc.OpenCC("t2s")
_DROPPED = {"·", " ", "\u3000"}  # the middle dot of transliterated names and spaces carry no sound


def simplify(text: str) -> str:
    """Traditional characters to simplified ones (OpenCC t2s): 單田芳 → 单田芳."""
    return str(_T2S.convert(text))


@lru_cache(maxsize=65_536)
def char_pinyin(ch: str) -> str:
    """The toneless pinyin of one (simplified) character, its most common reading; other characters lower-cased."""
    if ch in _DROPPED:
        return ""
    reading = lazy_pinyin(ch, style=Style.NORMAL, errors="default")
    return "".join(reading).lower()


def split_name(name: str) -> tuple[str, str]:
    """A simplified full name as (surname, given name), a compound surname kept whole: 欧阳娜娜 → (欧阳, 娜娜)."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def surname_pinyin(surname: str) -> str:
    """The pinyin of a surname read as a surname: 单 → shan, 曾 → zeng, 欧阳 → ouyang."""
    if surname in COMPOUND_SURNAMES:
        return COMPOUND_SURNAMES[surname]
    if surname in SURNAME_READINGS:
        return SURNAME_READINGS[surname]
    return "".join(char_pinyin(ch) for ch in surname)


def fold_name(name: str) -> str:
    """A name in simplified characters, one character at a time (as :func:`char_table`), spaces removed."""
    return "".join(simplify(ch) for ch in name if ch not in (" ", "\u3000"))


def name_pinyin(name: str) -> tuple[str, str]:
    """A full name's (surname, given name) pinyin, toneless and surname-aware: 單田芳 → (shan, tianfang)."""
    surname, given = split_name(fold_name(name))
    return surname_pinyin(surname), "".join(char_pinyin(ch) for ch in given)


def char_table(chars: Iterable[str]) -> list[tuple[str, str, str]]:
    """(character, simplified, pinyin of the simplified) for each character: what a bulk fold looks up.

    Like :func:`fold_name` it converts one character at a time, so a name folded in bulk from this table (surname
    split and readings as here) equals its :func:`name_pinyin`; phrase-dependent conversions are not made."""
    return [(ch, simple, "".join(char_pinyin(c) for c in simple)) for ch in chars for simple in (simplify(ch),)]
