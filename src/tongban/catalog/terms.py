"""Chinese-aware index terms: CJK text becomes overlapping bigrams, other text whole words. Pure.

Bigrams make "浦东" find "浦东新区建设工程许可" without a dictionary; common abbreviations (社保 → 社会保险) are
indexed alongside the full phrase so that either finds the resource.
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_TERM = 40
MAX_QUERY_TERMS = 24

# Phrase as written in resources → the short forms people search with.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "社会保险": ("社保",), "医疗保险": ("医保",), "医疗保障": ("医保",), "住房公积金": ("公积金",),
    "户籍": ("户口",), "统一社会信用代码": ("信用代码",), "不动产": ("房产", "房屋"), "身份号码": ("身份证",),
    "公民身份": ("身份证",), "市场监督管理": ("市场监管", "工商"), "人力资源和社会保障": ("人社",),
    "卫生健康": ("卫健",), "规划和自然资源": ("规土", "规划资源"), "生态环境": ("环保",),
    "机动车": ("车辆",), "驾驶证": ("驾照",), "营业执照": ("执照",), "企业登记": ("工商登记",),
}


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def terms(text: str) -> list[str]:
    """The index terms of ``text`` in order of appearance (with repeats)."""
    out: list[str] = []
    for run in _RUN.findall(normalize(text)):
        if _CJK.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run[:MAX_TERM])
    return out


def expand(text: str) -> str:
    """``text`` followed by the abbreviations of the phrases it contains."""
    norm = normalize(text)
    extra = [alias for phrase, aliases in ABBREVIATIONS.items() if phrase in norm for alias in aliases]
    return " ".join([norm, *extra])


def weighted_terms(fields: list[tuple[str, int]]) -> dict[str, int]:
    """Each term once, with the highest weight of the fields it appears in."""
    weights: dict[str, int] = {}
    for text, weight in fields:
        for term in terms(expand(text)):
            if weights.get(term, 0) < weight:
                weights[term] = weight
    return weights


def query_terms(query: str, *, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """The distinct terms a search must match (all of them), at most ``limit``."""
    seen: dict[str, None] = {}
    for term in terms(query):
        seen.setdefault(term)
    return list(seen)[:limit]
