"""What changed between two versions of a resource: its metadata fields and its data items by code. Pure.

Snapshots are the dicts kept in ``ResourceVersion.snapshot`` or made by ``ResourceDraft.as_dict()``; a key missing
from one side counts as empty, so snapshots of different shapes still compare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Metadata in the order people read it; keys outside this list follow in alphabetical order.
FIELD_ORDER = ("code", "class_code", "name", "department", "abstract", "format", "sharing_type", "sharing_condition",
               "share_methods", "open_type", "open_condition", "update_cycle", "legal_basis", "related_codes",
               "record_count")
ITEM_FIELDS = ("name", "data_type", "length", "description", "personal", "sensitivity", "authoritative")


@dataclass(frozen=True)
class Change:
    """One field whose value changed."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemChange:
    """A data item present in both versions (same code) whose attributes changed."""

    code: str
    name: str
    changes: list[Change]


@dataclass(frozen=True)
class Diff:
    """Everything that differs between two snapshots."""

    fields: list[Change] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    reordered: bool = False  # the same items in another order

    @property
    def empty(self) -> bool:
        """True when the two snapshots describe the same resource."""
        return not (self.fields or self.added or self.removed or self.changed or self.reordered)


def _blank(value: Any) -> Any:
    """None, "" and [] all mean 'not stated'."""
    return None if value in (None, "", [], ()) else value


def _same(old: Any, new: Any) -> bool:
    old, new = _blank(old), _blank(new)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return list(old) == list(new)
    return bool(old == new)


def _changes(old: Mapping[str, Any], new: Mapping[str, Any], keys: Sequence[str]) -> list[Change]:
    return [Change(key, old.get(key), new.get(key)) for key in keys if not _same(old.get(key), new.get(key))]


def _metadata_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    present = (set(old) | set(new)) - {"items"}
    return [k for k in FIELD_ORDER if k in present] + sorted(present - set(FIELD_ORDER))


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> Diff:
    """The changes that turn ``old`` into ``new`` (``old`` None: everything in ``new`` is new)."""
    old = old or {}
    old_items = {item["code"]: item for item in old.get("items") or []}
    new_items = {item["code"]: item for item in new.get("items") or []}
    changed = []
    for code, item in new_items.items():
        before = old_items.get(code)
        if before is not None and (changes := _changes(before, item, ITEM_FIELDS)):
            changed.append(ItemChange(code, str(item.get("name") or before.get("name") or code), changes))
    common_old = [code for code in old_items if code in new_items]
    common_new = [code for code in new_items if code in old_items]
    return Diff(
        fields=_changes(old, new, _metadata_keys(old, new)),
        added=[item for code, item in new_items.items() if code not in old_items],
        removed=[item for code, item in old_items.items() if code not in new_items],
        changed=changed,
        reordered=common_old != common_new,
    )


def consecutive(snapshots: Sequence[Mapping[str, Any]]) -> list[Diff | None]:
    """For each snapshot, its diff against the one before (None for the first)."""
    return [None if i == 0 else diff(snapshots[i - 1], snapshot) for i, snapshot in enumerate(snapshots)]
