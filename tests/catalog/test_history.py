"""Diffs between versions of a resource: changed metadata fields, and data items added, removed or changed by code."""

from __future__ import annotations

import pytest

from tests.factories import make_draft
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.history import Change, consecutive, diff


def snapshot(**overrides):  # type: ignore[no-untyped-def]
    return {**make_draft(**overrides).as_dict(), "code": "101001/000001", "department": "上海市公安局"}


def test_identical_snapshots_have_an_empty_diff():
    assert diff(snapshot(), snapshot()).empty


def test_changed_metadata_fields_are_listed_in_reading_order_with_old_and_new_values():
    result = diff(snapshot(), snapshot(sharing_type="conditional", name="户籍人口信息", update_cycle="weekly"))
    assert result.fields == [Change("name", "户籍人口基本信息", "户籍人口信息"),
                             Change("sharing_type", "unconditional", "conditional"),
                             Change("update_cycle", "daily", "weekly")]
    assert not (result.added or result.removed or result.changed)


def test_items_are_matched_by_code_added_removed_and_changed_with_their_attributes():
    before = snapshot()
    items = [ItemDraft("公民身份号码", "id_number", "string", 18, personal=True, sensitivity=4),  # sensitivity 3 → 4
             ItemDraft("姓名", "name", "string", 50, personal=True, sensitivity=2),
             ItemDraft("民族", "ethnicity", "string", 10)]  # birth_date removed, ethnicity added
    result = diff(before, snapshot(items=items))
    assert [i["code"] for i in result.added] == ["ethnicity"]
    assert [i["code"] for i in result.removed] == ["birth_date"]
    assert [(c.code, c.name, c.changes) for c in result.changed] == [
        ("id_number", "公民身份号码", [Change("sensitivity", 3, 4)])]
    assert result.fields == [] and not result.reordered


def test_a_renamed_item_keeps_its_code_and_shows_the_new_name():
    items = make_draft().items
    items[1] = ItemDraft("姓名（中文）", "name", "string", 50, personal=True, sensitivity=2)
    [changed] = diff(snapshot(), snapshot(items=items)).changed
    assert changed.name == "姓名（中文）" and changed.changes == [Change("name", "姓名", "姓名（中文）")]


def test_the_same_items_in_another_order_are_reported_as_reordered():
    result = diff(snapshot(), snapshot(items=list(reversed(make_draft().items))))
    assert result.reordered and not result.changed and not result.empty


@pytest.mark.parametrize("old,new", [(None, ""), ("", None), ([], None), (None, [])])
def test_missing_empty_and_none_all_mean_not_stated(old, new):
    assert diff({"items": [], "legal_basis": old}, {"items": [], "legal_basis": new}).empty


def test_a_key_present_on_one_side_only_is_a_change():
    result = diff({"items": []}, {"items": [], "record_count": 1200})
    assert result.fields == [Change("record_count", None, 1200)]


def test_a_diff_against_nothing_lists_every_item_as_added():
    result = diff(None, snapshot())
    assert [i["code"] for i in result.added] == ["id_number", "name", "birth_date"]
    assert {c.field for c in result.fields} >= {"name", "code", "department"}


def test_consecutive_versions_are_diffed_pairwise_and_the_first_has_none():
    versions = [snapshot(), snapshot(name="改名"), snapshot(name="改名", update_cycle="weekly")]
    first, second, third = consecutive(versions)
    assert first is None
    assert [c.field for c in second.fields] == ["name"]
    assert [c.field for c in third.fields] == ["update_cycle"]
