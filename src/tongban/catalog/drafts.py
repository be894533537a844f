"""What a department submits for a resource, and the pure rules it must meet (no I/O).

Every problem is a FieldError naming the field (and the item's row for data items) and a stable rule code, so
the editor, the importer and the API all report the same thing in the same words.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from tongban.catalog import vocab
from tongban.errors import FieldError

CLASS_CODE = re.compile(r"^([123])(\d{2})(\d{3})(\d{3})?$")
ITEM_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESOURCE_CODE = re.compile(r"^[123]\d{5}(\d{3})?/\d{6}$")


@dataclass
class ItemDraft:
    """One data item as entered."""

    name: str
    code: str
    data_type: str
    length: int | None = None
    description: str = ""
    personal: bool = False
    sensitivity: int = 1
    authoritative: bool = False


@dataclass
class ResourceDraft:
    """A resource as entered by its department (codes, not labels)."""

    class_code: str
    name: str
    abstract: str
    format: str
    sharing_type: str
    update_cycle: str
    open_type: str
    items: list[ItemDraft] = field(default_factory=list)
    share_methods: list[str] = field(default_factory=list)
    sharing_condition: str = ""
    open_condition: str = ""
    legal_basis: str = ""
    related_codes: list[str] = field(default_factory=list)
    record_count: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (for revisions and snapshots)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResourceDraft:
        """The inverse of ``as_dict``."""
        values = dict(data)
        values["items"] = [ItemDraft(**item) for item in values.get("items", [])]
        return cls(**values)


def _problem(problems: list[FieldError], field_: str, message: str, rule: str, row: int | None = None,
             **params: Any) -> None:
    problems.append(FieldError(field_, message, params, row=row, code=rule))


def _check_choice(problems: list[FieldError], field_: str, value: str, choices: dict[str, str], rule: str) -> None:
    if value not in choices:
        _problem(problems, field_, "{value} is not one of: {choices}", rule, value=value,
                 choices="、".join(choices.values()))


def check_resource(draft: ResourceDraft) -> list[FieldError]:
    """Every problem with the resource's own metadata."""
    problems: list[FieldError] = []
    if not draft.name.strip():
        _problem(problems, "name", "is required", "catalog.required")
    elif len(draft.name) > 200:
        _problem(problems, "name", "must be at most {max} characters", "catalog.too_long", max=200)
    match = CLASS_CODE.match(draft.class_code or "")
    if not match:
        _problem(problems, "class_code", "must be 1 digit (类), 2 (项), 3 (目) and optionally 3 (细目)",
                 "catalog.class_code")
    elif match.group(2) not in vocab.ITEMS[match.group(1)]:
        _problem(problems, "class_code", "{item} is not an item (项) of class {klass}", "catalog.class_code",
                 item=match.group(2), klass=vocab.CLASSES[match.group(1)])
    _check_choice(problems, "format", draft.format, vocab.FORMATS, "catalog.format")
    _check_choice(problems, "sharing_type", draft.sharing_type, vocab.SHARING_TYPES["national"],
                  "catalog.sharing_type")
    _check_choice(problems, "open_type", draft.open_type, vocab.OPEN_TYPES, "catalog.open_type")
    _check_choice(problems, "update_cycle", draft.update_cycle, vocab.UPDATE_CYCLES, "catalog.update_cycle")
    for method in draft.share_methods:
        _check_choice(problems, "share_methods", method, vocab.SHARE_METHODS, "catalog.share_method")
    if draft.sharing_type in ("unconditional", "conditional") and not draft.share_methods:
        _problem(problems, "share_methods", "name at least one way of sharing (接口/库表/文件)",
                 "catalog.share_method_required")
    restricted = draft.sharing_type in ("conditional", "not_shared") or draft.open_type in ("conditional", "closed")
    if restricted and not draft.legal_basis.strip():
        _problem(problems, "legal_basis", "a restriction on sharing or opening must name its legal basis",
                 "catalog.legal_basis_required")
    if draft.sharing_type == "conditional" and not draft.sharing_condition.strip():
        _problem(problems, "sharing_condition", "conditional sharing must state its condition",
                 "catalog.sharing_condition_required")
    if draft.open_type == "conditional" and not draft.open_condition.strip():
        _problem(problems, "open_condition", "conditional opening must state its condition",
                 "catalog.open_condition_required")
    for code in draft.related_codes:
        if not RESOURCE_CODE.match(code):
            _problem(problems, "related_codes", "{code} is not a resource code", "catalog.related_code", code=code)
    if draft.record_count is not None and draft.record_count < 0:
        _problem(problems, "record_count", "must not be negative", "catalog.record_count")
    return problems


def check_items(items: list[ItemDraft]) -> list[FieldError]:
    """Every problem with the data items; ``row`` is the item's 1-based position."""
    problems: list[FieldError] = []
    if not items:
        _problem(problems, "items", "a resource needs at least one data item", "catalog.items_required")
    seen: dict[str, int] = {}
    for row, item in enumerate(items, start=1):
        if not item.name.strip():
            _problem(problems, "items.name", "is required", "catalog.required", row)
        if not ITEM_CODE.match(item.code or ""):
            _problem(problems, "items.code", "{code} must be lower-case letters, digits and _, starting with a letter",
                     "catalog.item_code", row, code=item.code)
        elif item.code in seen:
            _problem(problems, "items.code", "{code} is already used by item {other}", "catalog.item_code_duplicate",
                     row, code=item.code, other=seen[item.code])
        else:
            seen[item.code] = row
        if item.data_type not in vocab.DATA_TYPES:
            _problem(problems, "items.data_type", "{value} is not one of: {choices}", "catalog.data_type", row,
                     value=item.data_type, choices="、".join(vocab.DATA_TYPES.values()))
        if item.length is not None and not 0 < item.length <= 100_000:
            _problem(problems, "items.length", "must be between 1 and 100000", "catalog.item_length", row)
        if item.sensitivity not in vocab.SENSITIVITY:
            _problem(problems, "items.sensitivity", "must be a grade from 1 to 4", "catalog.sensitivity", row)
    return problems


def check(draft: ResourceDraft) -> list[FieldError]:
    """All problems of a draft, metadata first."""
    return check_resource(draft) + check_items(draft.items)
