"""Administrative division codes, GB/T 2260 (six digits) and GB/T 10114 (nine digits, streets and towns).

Shanghai is known district by district, including the district and county codes since retired; elsewhere only
the province prefix is checked and the rest must merely be well formed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.standards import CodeError, normalize

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip

SHANGHAI_DISTRICTS: dict[str, str] = {
    "310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区",
    "310107": "普陀区", "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区",
    "310113": "宝山区", "310114": "嘉定区", "310115": "浦东新区", "310116": "金山区",
    "310117": "松江区", "310118": "青浦区", "310120": "奉贤区", "310151": "崇明区",
}  # fmt: skip

HISTORICAL_SHANGHAI: dict[str, tuple[str, str, str]] = {
    "310102": ("南市区", "310101", "2000 并入黄浦区"),
    "310103": ("卢湾区", "310101", "2011 并入黄浦区"),
    "310108": ("闸北区", "310106", "2015 并入静安区"),
    "310119": ("南汇区", "310115", "2009 并入浦东新区"),
    "310225": ("南汇县", "310115", "2001 撤县设南汇区 310119，2009 并入浦东新区"),
    "310226": ("奉贤县", "310120", "2001 撤县设奉贤区"),
    "310227": ("松江县", "310117", "1998 撤县设松江区"),
    "310228": ("金山县", "310116", "1997 撤县设金山区"),
    "310229": ("青浦县", "310118", "1999 撤县设青浦区"),
    "310230": ("崇明县", "310151", "2016 撤县设崇明区"),
}

# City-level codes whose name is known: the "市辖区" of the four municipalities.
_KNOWN_CITIES: dict[str, str] = {"110100": "市辖区", "120100": "市辖区", "310100": "市辖区", "500100": "市辖区"}

_LEVELS = ("province", "city", "county", "street")


@dataclass(frozen=True)
class Division:
    """A parsed division code; ``current_code`` differs from ``code`` only for retired codes."""

    code: str
    name: str | None
    level: str  # "province" | "city" | "county" | "street"
    current_code: str
    historical: bool


def _check_digits(code: str) -> None:
    if len(code) not in (6, 9):
        raise CodeError("division.length", length=len(code))
    for position, ch in enumerate(code, start=1):
        if ch not in "0123456789":
            raise CodeError("division.charset", char=ch, position=position)


def _parse_six(code: str) -> Division:
    province, city, county = code[:2], code[2:4], code[4:6]
    if province not in PROVINCES:
        raise CodeError("division.unknown", code=code)
    if city == "00" and county != "00":
        raise CodeError("division.structure", code=code)
    if city == "00":
        return Division(code, PROVINCES[province], "province", code, False)
    if county == "00":
        if province == "31" and code != "310100":
            raise CodeError("division.unknown", code=code)
        return Division(code, _KNOWN_CITIES.get(code), "city", code, False)
    if province != "31":
        return Division(code, None, "county", code, False)
    if code in SHANGHAI_DISTRICTS:
        return Division(code, SHANGHAI_DISTRICTS[code], "county", code, False)
    if code in HISTORICAL_SHANGHAI:
        name, current, _note = HISTORICAL_SHANGHAI[code]
        return Division(code, name, "county", current, True)
    raise CodeError("division.unknown", code=code)


def parse_division_code(raw: str) -> Division:
    """Parse a 6-digit GB/T 2260 or 9-digit GB/T 10114 code; raise CodeError when it is not acceptable."""
    code = normalize(raw)
    _check_digits(code)
    if len(code) == 6:
        return _parse_six(code)
    county = _parse_six(code[:6])
    if county.level != "county" or code[6:] == "000":
        raise CodeError("division.structure", code=code)
    # A retired district's streets were renumbered: the best current answer is the district itself.
    current = county.current_code if county.historical else code
    return Division(code, None, "street", current, county.historical)


def current_division(code: str) -> str:
    """Map a retired Shanghai code to its current district; any other code is returned unchanged."""
    normal = normalize(code)
    if len(normal) in (6, 9) and normal.isascii() and normal.isdigit() and normal[:6] in HISTORICAL_SHANGHAI:
        return HISTORICAL_SHANGHAI[normal[:6]][1]
    return code


def is_valid_division_code(raw: str) -> bool:
    """True when parse_division_code accepts the code."""
    try:
        parse_division_code(raw)
    except CodeError:
        return False
    return True
