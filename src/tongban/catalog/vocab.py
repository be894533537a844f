"""Controlled vocabularies of the catalog (GB/T 21063, 《政务信息资源目录编制指南》). Pure data.

Values are stored as stable English codes; labels are the Chinese terms departments use. Both the national and
Shanghai's sharing vocabularies are supported; imports accept either set of labels.
"""

from __future__ import annotations

# 类 / 项: the top of the classification (目 and 细目 are free 3-digit codes below these).
CLASSES: dict[str, str] = {"1": "基础信息资源目录", "2": "主题信息资源目录", "3": "部门信息资源目录"}
ITEMS: dict[str, dict[str, str]] = {
    "1": {"01": "人口", "02": "法人单位", "03": "自然资源和空间地理", "04": "社会信用", "05": "电子证照"},
    "2": {"01": "公共服务", "02": "健康保障", "03": "社会保障", "04": "食品药品安全", "05": "安全生产",
          "06": "价格监管", "07": "能源安全", "08": "信用体系", "09": "城乡建设", "10": "社区治理",
          "11": "生态环保", "12": "应急维稳"},
    "3": {"01": "部门业务", "02": "部门管理"},
}

FORMATS: dict[str, str] = {
    "file": "电子文件", "spreadsheet": "电子表格", "database": "数据库", "image": "图形图像",
    "stream": "流媒体", "self_describing": "自描述格式", "service": "服务接口",
}

DATA_TYPES: dict[str, str] = {
    "string": "字符型", "number": "数值型", "currency": "货币型", "date": "日期型", "datetime": "日期时间型",
    "boolean": "逻辑型", "text": "备注型", "binary": "二进制",
}

SHARING_TYPES: dict[str, dict[str, str]] = {
    "national": {"unconditional": "无条件共享", "conditional": "有条件共享", "not_shared": "不予共享"},
    "shanghai": {"unconditional": "无条件共享", "conditional": "授权共享", "not_shared": "非共享"},
}

SHARE_METHODS: dict[str, str] = {"api": "接口", "table": "库表", "file": "文件"}

OPEN_TYPES: dict[str, str] = {"open": "无条件开放", "conditional": "有条件开放", "closed": "不予开放"}

UPDATE_CYCLES: dict[str, str] = {
    "realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月", "quarterly": "每季度",
    "half_yearly": "每半年", "yearly": "每年", "irregular": "不定期",
}

SENSITIVITY: dict[int, str] = {1: "一级（公开）", 2: "二级（内部）", 3: "三级（敏感）", 4: "四级（高度敏感）"}

STATUSES: dict[str, str] = {
    "draft": "草稿", "submitted": "待审核", "returned": "已退回", "published": "已发布", "retired": "已撤销",
}


def sharing_label(code: str, vocabulary: str = "national") -> str:
    """The label of a sharing type in the chosen vocabulary."""
    return SHARING_TYPES[vocabulary][code]


def _reverse(*tables: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in tables:
        for code, label in table.items():
            out[label] = code
            out[code] = code
    return out


# Label or code → code, for imports (both sharing vocabularies are accepted).
PARSE = {
    "format": _reverse(FORMATS),
    "data_type": _reverse(DATA_TYPES, {"string": "字符", "number": "数值", "currency": "货币", "date": "日期",
                                       "datetime": "日期时间", "boolean": "逻辑", "text": "备注"}),
    "sharing_type": _reverse(*SHARING_TYPES.values()),
    "share_method": _reverse(SHARE_METHODS),
    "open_type": _reverse(OPEN_TYPES, {"open": "开放", "closed": "不开放"}),
    "update_cycle": _reverse(UPDATE_CYCLES),
}
