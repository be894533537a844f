"""Chinese personal names, and the ways real registers misspell them.

Surname weights follow the published national frequencies (per mille, 2020 household-register report), nudged towards
Shanghai (徐 沈 陆 顾 朱 are commoner there); compound surnames appear at their low real rates. Given names have one or
two characters drawn from pools that differ by sex and by generation, because a 1950s 建国 and a 2010s 梓涵 both look
wrong in the other's decade.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tongban.synth._arrow import cumulative, join, optional, pick, weighted, words

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 66), ("刘", 54), ("陈", 48), ("杨", 31), ("黄", 24), ("赵", 22), ("吴", 21),
    ("周", 21), ("徐", 20), ("孙", 15), ("马", 14), ("朱", 15), ("胡", 13), ("郭", 12), ("何", 12), ("林", 11),
    ("高", 11), ("罗", 11), ("郑", 10), ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 8), ("韩", 7), ("冯", 7),
    ("邓", 7), ("曹", 7), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5),
    ("蒋", 6), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 8), ("姚", 4), ("卢", 4), ("姜", 4), ("崔", 4), ("钟", 4), ("谭", 3), ("陆", 7), ("汪", 3),
    ("范", 3), ("金", 4), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("付", 3), ("方", 3), ("白", 3),
    ("邹", 3), ("孟", 3), ("熊", 3), ("秦", 3), ("邱", 3), ("江", 3), ("尹", 3), ("薛", 2), ("闫", 2), ("段", 2),
    ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 6), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 3), ("严", 2), ("覃", 1), ("武", 2), ("戴", 2), ("莫", 1), ("孔", 1),
    ("向", 1), ("汤", 2), ("施", 2), ("倪", 2), ("俞", 2), ("葛", 1), ("费", 1), ("瞿", 1), ("浦", 1), ("储", 1),
    ("欧阳", 0.3), ("上官", 0.05), ("司马", 0.05), ("诸葛", 0.04),
)  # fmt: skip

# Given-name characters by (sex, generation): men before 1980, men since, women before 1980, women since.
GIVEN_CHARS: dict[tuple[str, str], str] = {
    ("M", "old"): "国建华明伟军平志强勇文德庆福忠林海荣永春东金宝兴俊光德才卫红根富贵祥龙宏振良仁义",
    ("M", "new"): "浩宇轩杰俊涛磊鹏博睿晨泽子辰一诚凯鑫昊航天逸然哲翔宸瑞霖皓铭毅健彬峰超宁佳熙",
    ("F", "old"): "秀英兰凤珍玉芳桂梅丽霞萍华红敏静琴云莲美娟菊素月金花翠惠芬娣凤爱淑君",
    ("F", "new"): "婷雪颖欣怡佳悦雨涵诗梦思晓倩琳晶丹洁蕾璐瑶琪萱梓妍可馨宁雯薇一诺语嘉慧敏",
}
TWO_CHAR_SHARE = {"old": 0.72, "new": 0.86}  # the rest have one-character given names
MODERN_FROM = 1980

# A small simplified → traditional table: the surnames and given-name characters that differ.
TRADITIONAL: dict[str, str] = dict(zip(
    "张陈刘杨黄赵吴孙马郑谢韩冯邓叶苏龙罗许钟卢贾陆顾钱龚汤华国伟军涛辉红丽艳静兰凤云东飞鹏刚宝庆义杰兴"
    "荣贵龙俊宁怡琳晶泽辰诚凯鑫昊航毅彬颖诗梦晓馨语慧敏娟凤爱",
    "張陳劉楊黃趙吳孫馬鄭謝韓馮鄧葉蘇龍羅許鐘盧賈陸顧錢龔湯華國偉軍濤輝紅麗艷靜蘭鳳雲東飛鵬剛寶慶義傑興"
    "榮貴龍俊寧怡琳晶澤辰誠凱鑫昊航毅彬穎詩夢曉馨語慧敏娟鳳愛", strict=True,
))

# Characters a clerk typing by pinyin easily swaps for another with the same sound.
HOMOPHONES: dict[str, str] = dict(zip(
    "王李张刘杨吴周徐林明伟华丽静军涛杰红芳娟峰斌勇英婷慧萍敏玲强磊浩宇琳晨欣怡佳雪",
    "汪黎章柳阳伍州许琳铭玮桦俪婧君韬洁虹方鹃锋彬永瑛亭惠平珉铃蔷垒皓雨霖辰昕仪嘉学", strict=True,
))

_SURNAME_WORDS = words([s for s, _ in SURNAMES])
_SURNAME_CDF = cumulative([w for _, w in SURNAMES])
_POOL_KEYS = tuple(GIVEN_CHARS)
_POOL = words([ch for key in _POOL_KEYS for ch in GIVEN_CHARS[key]])
_POOL_SIZE = np.array([len(GIVEN_CHARS[key]) for key in _POOL_KEYS], dtype=np.int64)
_POOL_START = np.r_[0, np.cumsum(_POOL_SIZE)[:-1]]


def person_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> pa.StringArray:
    """A surname and a one- or two-character given name per person, fitting their sex and generation."""
    n = len(male)
    surname = pick(_SURNAME_WORDS, weighted(rng, _SURNAME_CDF, n))
    modern = birth_year >= MODERN_FROM
    group = np.where(male, 0, 2) + modern  # the order of GIVEN_CHARS' keys
    first = _POOL_START[group] + (rng.random(n) * _POOL_SIZE[group]).astype(np.int64)
    shift = 1 + (rng.random(n) * (_POOL_SIZE[group] - 1)).astype(np.int64)  # never the same character twice
    second = _POOL_START[group] + (first - _POOL_START[group] + shift) % _POOL_SIZE[group]
    two = rng.random(n) < np.where(modern, TWO_CHAR_SHARE["new"], TWO_CHAR_SHARE["old"])
    return join(surname, pick(_POOL, first), optional(pick(_POOL, second), two))


def traditional(name: str) -> str | None:
    """The name in traditional characters, or None when none of its characters is in the table."""
    changed = "".join(TRADITIONAL.get(ch, ch) for ch in name)
    return changed if changed != name else None


def homophone(name: str) -> str | None:
    """The name with its last swappable character replaced by a homophone, or None when none is swappable."""
    for position in range(len(name) - 1, -1, -1):
        if name[position] in HOMOPHONES:
            return name[:position] + HOMOPHONES[name[position]] + name[position + 1:]
    return None


def spaced(name: str, ideographic: bool) -> str:
    """A space after the surname (after ``上海`` in a company name), half-width or full-width as clerks type them."""
    cut = 2 if name[:2] in {"欧阳", "上官", "司马", "诸葛"} or len(name) > 4 else 1
    return name[:cut] + ("\u3000" if ideographic else " ") + name[cut:]
