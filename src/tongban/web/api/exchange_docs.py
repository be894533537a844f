"""What the OpenAPI documentation shows of the exchange API: the response shapes and examples of every answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tongban.web.errors import MEDIA_TYPE, PROBLEM_TYPE


class SourceOut(BaseModel):
    """Where a value comes from (数源): the department that delivered it and when, from the golden record."""

    department_id: int | None = Field(examples=[3])
    department: str = Field(examples=["市公安局"])
    at: str | None = Field(examples=["2026-11-01"])


class FieldOut(BaseModel):
    """One granted data item: its value (masked unless the grant says clear), the rule that masked it, its
    source (null when the value is)."""

    value: Any = Field(examples=["张*明"])
    masked: str | None = Field(None, description="The masking rule applied (id_number, phone, name, address, "
                                                 "date, hide); null when the value left clear.", examples=["name"])
    source: SourceOut | None = None


class RecordOut(BaseModel):
    """A golden record: its key (citizen ID number, credit code or address code) and the granted items."""

    key: str = Field(examples=["310115199001011234"])
    fields: dict[str, FieldOut]


class LookupOut(BaseModel):
    """The answer to a look-up by key."""

    request_id: str
    resource: str
    record: RecordOut


class BatchIn(BaseModel):
    """Up to 1,000 keys and, optionally, the items wanted (default: every granted item the base holds)."""

    keys: list[str] = Field(min_length=1, max_length=1000, examples=[["310115199001011234", "31011519900101002X"]])
    items: list[str] | None = Field(None, examples=[["name", "birth_date"]])


class BatchOut(BaseModel):
    """The records found, in the order asked, and the keys without a current record."""

    request_id: str
    resource: str
    records: list[RecordOut]
    not_found: list[str]


class QueryOut(BaseModel):
    """A page of records in key order; ``next`` is the ``after`` of the next page (null on the last)."""

    request_id: str
    resource: str
    records: list[RecordOut]
    next: str | None


FIELD = {"value": "张*明", "masked": "name",
         "source": {"department_id": 3, "department": "市公安局", "at": "2026-11-01"}}
LOOKUP_EXAMPLE = {
    "request_id": "5f0c1d9e8b7a4c3e9d2f1a0b3c4d5e6f", "resource": "101001000001",
    "record": {"key": "310115199001011234", "fields": {
        "id_number": {"value": "310***********1234", "masked": "id_number", "source": None},
        "name": FIELD,
        "birth_date": {"value": "1990", "masked": "date",
                       "source": {"department_id": 3, "department": "市公安局", "at": "2026-11-01"}},
        "sex": {"value": "1", "masked": None, "source": {"department_id": 3, "department": "市公安局",
                                                         "at": "2026-11-01"}}}}}
BATCH_EXAMPLE = {"request_id": "5f0c1d9e8b7a4c3e9d2f1a0b3c4d5e6f", "resource": "101001000001",
                 "records": [LOOKUP_EXAMPLE["record"]], "not_found": ["31011519900101002X"]}
QUERY_EXAMPLE = {"request_id": "5f0c1d9e8b7a4c3e9d2f1a0b3c4d5e6f", "resource": "103002000001",
                 "records": [{"key": "310115001002003", "fields": {
                     "road_name": {"value": "张杨路", "masked": None,
                                   "source": {"department_id": 9, "department": "市规划资源局", "at": "2026-11-01"}}}}],
                 "next": "310115001002003"}


def _problem(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_TYPE + code, "title": {401: "未认证", 403: "禁止访问", 404: "未找到", 422: "输入无效",
                                                   429: "尝试次数过多"}[status],
            "status": status, "detail": detail, "code": code, "instance": "/api/v1/exchange/resources/101001000001/"
            "records/310115199001011234", "request_id": "5f0c1d9e8b7a4c3e9d2f1a0b3c4d5e6f", **extra}


def refusals(*codes: tuple[int, str, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for the refusals of a route: problem+json examples grouped by status."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, code, detail in codes:
        entry = out.setdefault(status, {"description": "Refused (problem+json, audited as denied)",
                                        "content": {MEDIA_TYPE: {"examples": {}}}})
        entry["content"][MEDIA_TYPE]["examples"][code] = {"value": _problem(status, code, detail)}
    return out


COMMON_REFUSALS = (
    (401, "identity.bad_token", "API 令牌无效"),
    (403, "exchange.no_grant", "本部门没有该资源的授权：请先提交共享申请"),
    (403, "exchange.grant_expired", "该资源的授权已于 2026-10-31 到期"),
    (403, "exchange.grant_revoked", "该资源的授权已被撤销"),
    (403, "exchange.wrong_department", "该 API 客户端不属于授权的使用部门"),
    (403, "exchange.item_not_granted", "数据项 phone 不在授权范围内"),
    (404, "exchange.unknown_resource", "没有可通过交换接口提供的已发布目录资源 999999"),
    (422, "exchange.headers_missing", "调用个人数据须注明经办人员、用途和案件（X-Tongban-Official、X-Tongban-Purpose、"
                                      "X-Tongban-Case）"),
    (422, "exchange.malformed_key", "1 个键不是有效的 id_number"),
    (429, "exchange.rate_limited", "该 API 客户端已用完本授权每分钟 600 次的调用额度：请 3 秒后重试"),
)

RESPONSE_HEADERS = {
    "X-Tongban-Request-Id": {"description": "The id of this call in the audit log (quote it in a doubtful-data "
                                            "flag).", "schema": {"type": "string"}},
    "X-Tongban-Response-Hash": {"description": "SHA-256 binding the response to its request: hex of the "
                                               "canonical JSON (keys sorted, no spaces, UTF-8) of {body, case, "
                                               "client (key id), method, official, path, purpose, query (as sent), "
                                               "request_id}. Also kept in the call's audit record.",
                                "schema": {"type": "string"}},
}


def ok(model: type[BaseModel], example: dict[str, Any], description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 response of a route, with its example and the binding headers."""
    return {200: {"model": model, "description": description, "headers": RESPONSE_HEADERS,
                  "content": {"application/json": {"example": example}}}}
