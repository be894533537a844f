"""The demo city's departments: the ones a Shanghai-like city has, plus district offices. Pure data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tongban.standards import make_credit_code

CITY_DIVISION = "310000"


@dataclass(frozen=True)
class DepartmentSpec:
    """A department of the demo city."""

    name: str
    short_name: str
    division_code: str = CITY_DIVISION
    parent: str | None = None  # short name of the parent


CITY_DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("上海市大数据中心", "大数据中心"),
    DepartmentSpec("上海市公安局", "公安局"),
    DepartmentSpec("上海市人力资源和社会保障局", "人社局"),
    DepartmentSpec("上海市民政局", "民政局"),
    DepartmentSpec("上海市卫生健康委员会", "卫健委"),
    DepartmentSpec("上海市市场监督管理局", "市场监管局"),
    DepartmentSpec("国家税务总局上海市税务局", "税务局"),
    DepartmentSpec("上海市规划和自然资源局", "规划资源局"),
    DepartmentSpec("上海市教育委员会", "教委"),
    DepartmentSpec("上海市住房和城乡建设管理委员会", "住建委"),
    DepartmentSpec("上海市交通委员会", "交通委"),
    DepartmentSpec("上海市生态环境局", "生态环境局"),
    DepartmentSpec("上海市司法局", "司法局"),
    DepartmentSpec("上海市财政局", "财政局"),
    DepartmentSpec("上海市医疗保障局", "医保局"),
    DepartmentSpec("上海市应急管理局", "应急局"),
    DepartmentSpec("上海市文化和旅游局", "文旅局"),
    DepartmentSpec("上海市退役军人事务局", "退役军人局"),
    DepartmentSpec("上海市发展和改革委员会", "发改委"),
    DepartmentSpec("上海市经济和信息化委员会", "经信委"),
    DepartmentSpec("上海市商务委员会", "商务委"),
    DepartmentSpec("上海市农业农村委员会", "农业农村委"),
    DepartmentSpec("上海市水务局", "水务局"),
    DepartmentSpec("上海市统计局", "统计局"),
    DepartmentSpec("上海市公积金管理中心", "公积金中心"),
    DepartmentSpec("浦东新区行政服务中心", "浦东服务中心", "310115"),
    DepartmentSpec("黄浦区行政服务中心", "黄浦服务中心", "310101"),
    DepartmentSpec("徐汇区行政服务中心", "徐汇服务中心", "310104"),
    DepartmentSpec("上海市公安局浦东分局", "浦东公安分局", "310115", "公安局"),
    DepartmentSpec("闵行区市场监督管理局", "闵行市场监管局", "310112", "市场监管局"),
)


def department_credit_code(spec: DepartmentSpec) -> str:
    """A stable, valid credit code for a government body (registration authority 1, category 1)."""
    digest = hashlib.sha256(spec.name.encode()).digest()
    return make_credit_code("1", "1", spec.division_code, "".join(str(b % 10) for b in digest[:8]))
