"""The catalog's read side: statistics that add up, the review queue, a department's worklist, and the read use cases
that guard them."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import update

from tests.factories import SYSTEM, make_department, make_draft, make_resource, make_user
from tongban.catalog import queries, reads
from tongban.catalog import service as catalog
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.model import Resource
from tongban.errors import Conflict, NotFound, PermissionDenied
from tongban.identity.policy import Role
from tongban.identity.service import actor_for

RESTRICTED = {"sharing_condition": "经授权的政务服务场景", "legal_basis": "《上海市公共数据管理办法》第二十条"}


def _items(n: int) -> list[ItemDraft]:
    return [ItemDraft(f"信息项{i}", f"item_{i}", "string", 20) for i in range(n)]


@pytest.fixture
def city(session):  # type: ignore[no-untyped-def]
    """Two departments with published resources of every kind, plus resources that must not be counted."""
    police = make_department(session, name="市公安局", short_name="公安")
    civil = make_department(session, name="市民政局", short_name="民政")
    for name, sharing, opening, cycle, items in [
        ("户籍人口基本信息", "unconditional", "closed", "daily", 3),
        ("户籍迁移记录", "conditional", "closed", "daily", 2),
        ("出入境证件信息", "not_shared", "closed", "realtime", 4),
    ]:
        make_resource(session, police, name=name, sharing_type=sharing, open_type=opening, update_cycle=cycle,
                      items=_items(items), share_methods=[] if sharing == "not_shared" else ["api"], **RESTRICTED)
    make_resource(session, civil, name="婚姻登记信息", class_code="101002", sharing_type="unconditional",
                  open_type="open", update_cycle="monthly", items=_items(5), legal_basis="")
    make_resource(session, civil, name="养老机构名录", class_code="210001", sharing_type="unconditional",
                  open_type="conditional", open_condition="申请开放", update_cycle="monthly", items=_items(1),
                  **RESTRICTED)
    make_resource(session, civil, name="民政草稿", publish=False, items=_items(7))  # a draft: not counted
    retired = make_resource(session, civil, name="已撤销资源", items=_items(9))
    catalog.retire_resource(session, SYSTEM, retired.code, reason="重复登记")
    session.commit()
    return dataclasses.make_dataclass("City", ["police", "civil"])(police, civil)


def test_statistics_count_published_resources_and_items_per_department(session, city):
    stats = queries.catalog_statistics(session)
    rows = {d.short_name: (d.resources, d.items, d.sharing) for d in stats.departments}
    assert rows == {
        "公安": (3, 9, {"unconditional": 1, "conditional": 1, "not_shared": 1}),
        "民政": (2, 6, {"unconditional": 2, "conditional": 0, "not_shared": 0}),
    }
    assert [d.short_name for d in stats.departments] == ["公安", "民政"]  # most resources first
    assert (stats.resources, stats.items) == (5, 15)


def test_every_distribution_adds_up_to_the_number_of_published_resources(session, city):
    stats = queries.catalog_statistics(session)
    assert stats.sharing == {"unconditional": 3, "conditional": 1, "not_shared": 1}
    assert stats.open == {"open": 1, "conditional": 1, "closed": 3}
    assert stats.update_cycles["daily"] == 2 and stats.update_cycles["monthly"] == 2
    assert stats.update_cycles["realtime"] == 1 and stats.update_cycles["yearly"] == 0
    for distribution in (stats.sharing, stats.open, stats.update_cycles):
        assert sum(distribution.values()) == stats.resources
    assert sum(d.resources for d in stats.departments) == stats.resources
    assert sum(sum(d.sharing.values()) for d in stats.departments) == stats.resources


def test_restrictions_without_a_legal_basis_are_counted_not_assumed(session, city):
    assert queries.catalog_statistics(session).unfounded_restrictions == 0
    # Rows written around the use cases (an old import, a manual fix) are still caught.
    session.execute(update(Resource).where(Resource.name == "户籍迁移记录").values(legal_basis="   "))
    session.execute(update(Resource).where(Resource.name == "婚姻登记信息").values(open_type="closed"))
    session.execute(update(Resource).where(Resource.name == "民政草稿").values(legal_basis="",
                                                                                sharing_type="not_shared"))
    stats = queries.catalog_statistics(session)
    names = {r.code: r.name for r in session.query(Resource)}
    assert sorted(names[c] for c in stats.unfounded) == ["婚姻登记信息", "户籍迁移记录"]  # the draft is not counted
    assert stats.unfounded_restrictions == 2


def test_statistics_of_an_empty_catalog_are_zero(session):
    stats = queries.catalog_statistics(session)
    assert (stats.resources, stats.items, stats.departments, stats.unfounded) == (0, 0, [], [])
    assert set(stats.sharing.values()) == {0}


# The review queue ---------------------------------------------------------------------------------------------

@pytest.fixture
def actors(session):  # type: ignore[no-untyped-def]
    police = make_department(session, name="市公安局", short_name="公安")
    admin = actor_for(make_user(session, Role.DATA_ADMIN, department_id=police.id))
    operator = actor_for(make_user(session, Role.OPERATOR))
    clerk = actor_for(make_user(session, Role.CLERK, department_id=police.id))
    return dataclasses.make_dataclass("A", ["police", "admin", "operator", "clerk"])(police, admin, operator, clerk)


def test_the_queue_holds_submitted_resources_and_revisions_oldest_first(session, actors):
    published = make_resource(session, actors.police, name="已发布资源", items=_items(2))
    first = catalog.create_resource(session, actors.admin, make_draft(name="先提交的资源"))
    second = catalog.create_resource(session, actors.admin, make_draft(name="后提交的资源"))
    catalog.create_resource(session, actors.admin, make_draft(name="未提交的草稿"))
    returned = catalog.create_resource(session, actors.admin, make_draft(name="被退回的资源"))
    catalog.submit_resource(session, actors.admin, returned.code)
    catalog.return_resource(session, actors.operator, returned.code, comment="请补充摘要")
    catalog.submit_resource(session, actors.admin, first.code)
    catalog.update_resource(session, actors.admin, published.code,
                            make_draft(name="已发布资源（修订）", items=_items(3)))
    catalog.submit_resource(session, actors.admin, published.code)
    catalog.submit_resource(session, actors.admin, second.code)
    session.flush()

    queue = queries.list_review_queue(session)
    assert [(e.resource.code, e.revision is not None) for e in queue] == [
        (first.code, False), (published.code, True), (second.code, False)]
    revision = queue[1]
    assert revision.items == 3 and revision.revision.draft["name"] == "已发布资源（修订）"
    assert revision.submitted_by == actors.admin.name and revision.submitted_at is not None
    assert queue[0].items == 3


def test_the_review_queue_is_the_operators(session, actors):
    resource = catalog.create_resource(session, actors.admin, make_draft())
    catalog.submit_resource(session, actors.admin, resource.code)
    [item] = reads.view_review_queue(session, actors.operator)
    assert item.entry.resource.code == resource.code and item.diff is None
    for actor in (actors.admin, actors.clerk):
        with pytest.raises(PermissionDenied):
            reads.view_review_queue(session, actor)


def test_a_revision_in_the_queue_carries_its_diff_against_the_published_version(session, actors):
    resource = make_resource(session, actors.police)
    catalog.update_resource(session, actors.admin, resource.code, make_draft(update_cycle="weekly"))
    catalog.submit_resource(session, actors.admin, resource.code)
    [item] = reads.view_review_queue(session, actors.operator)
    assert [(c.field, c.old, c.new) for c in item.diff.fields] == [("update_cycle", "daily", "weekly")]


# A department's resources and one resource --------------------------------------------------------------------

def test_the_department_list_shows_revisions_and_the_comment_a_resource_was_returned_with(session, actors):
    published = make_resource(session, actors.police, name="已发布资源")
    draft = catalog.create_resource(session, actors.admin, make_draft(name="草稿"))
    catalog.submit_resource(session, actors.admin, draft.code)
    catalog.return_resource(session, actors.operator, draft.code, comment="第一次意见")
    catalog.submit_resource(session, actors.admin, draft.code)
    catalog.return_resource(session, actors.operator, draft.code, comment="第二次意见")
    catalog.update_resource(session, actors.admin, published.code, make_draft(name="已发布资源（修订）"))
    make_resource(session, name="别的部门的资源")
    session.flush()

    rows = {r.resource.name: r for r in reads.view_department_resources(session, actors.admin)}
    assert set(rows) == {"已发布资源", "草稿"}
    assert rows["草稿"].returned.comment == "第二次意见" and rows["草稿"].needs_attention
    assert rows["已发布资源"].revision_status == "draft" and rows["已发布资源"].returned is None
    assert rows["已发布资源"].items == 3
    with pytest.raises(PermissionDenied):
        reads.view_department_resources(session, actors.operator)


def test_versions_and_the_review_trail_are_read_oldest_first(session, actors):
    resource = make_resource(session, actors.police)
    catalog.update_resource(session, actors.admin, resource.code, make_draft(name="改名"))
    catalog.submit_resource(session, actors.admin, resource.code)
    catalog.approve_resource(session, actors.operator, resource.code, comment="同意")
    assert [v.version for v in queries.list_versions(session, resource.id)] == [1, 2]
    trail = queries.list_review_events(session, resource.id)
    assert [e.action for e in trail] == ["create", "submit", "approve", "update", "submit", "approve"]
    assert trail[-1].comment == "同意"


def test_the_resource_view_diffs_each_version_and_offers_the_owner_and_the_operator_their_buttons(session, actors):
    resource = make_resource(session, actors.police)
    catalog.update_resource(session, actors.admin, resource.code, make_draft(name="改名"))
    catalog.submit_resource(session, actors.admin, resource.code)
    catalog.approve_resource(session, actors.operator, resource.code)
    catalog.update_resource(session, actors.admin, resource.code, make_draft(name="再改名"))

    owner = reads.view_resource(session, actors.admin, resource.code)
    assert [e.version.version for e in owner.versions] == [2, 1]  # newest first
    assert owner.versions[1].diff is None and [c.field for c in owner.versions[0].diff.fields] == ["name"]
    assert owner.revision is not None and [c.new for c in owner.revision_diff.fields] == ["再改名"]
    assert (owner.can_edit, owner.can_submit, owner.can_review, owner.can_retire) == (True, True, False, True)

    operator = reads.view_resource(session, actors.operator, resource.code)
    assert (operator.can_edit, operator.can_submit, operator.can_review) == (False, False, False)
    catalog.submit_resource(session, actors.admin, resource.code)
    assert reads.view_resource(session, actors.operator, resource.code).can_review

    clerk = reads.view_resource(session, actors.clerk, resource.code)
    assert clerk.revision is None and not (clerk.can_edit or clerk.can_review or clerk.can_retire)


def test_the_editor_opens_on_the_revision_and_refuses_what_is_under_review(session, actors):
    resource = make_resource(session, actors.police)
    catalog.update_resource(session, actors.admin, resource.code, make_draft(name="修订中"))
    assert reads.open_editor(session, actors.admin, resource.code).draft.name == "修订中"
    catalog.submit_resource(session, actors.admin, resource.code)
    with pytest.raises(Conflict):
        reads.open_editor(session, actors.admin, resource.code)
    with pytest.raises(PermissionDenied):
        reads.open_editor(session, actors.operator, resource.code)
    with pytest.raises(PermissionDenied):
        reads.open_new_editor(session, actors.clerk)
    assert reads.open_new_editor(session, actors.admin).department.id == actors.police.id


def test_another_departments_draft_is_not_found(session, actors):
    other = make_resource(session, name="别处的草稿", publish=False)
    with pytest.raises(NotFound):
        reads.view_resource(session, actors.admin, other.code)


def test_search_results_come_with_item_counts_and_department_names(session, actors):
    make_resource(session, actors.police, name="户籍人口基本信息", items=_items(4))
    found = reads.search_catalog(session, actors.clerk, "户籍")
    assert found.page.total == 1
    assert list(found.item_counts.values()) == [4]
    assert found.departments == {actors.police.id: "公安"}
    citizen = actor_for(make_user(session, Role.CITIZEN))
    with pytest.raises(PermissionDenied):
        reads.search_catalog(session, citizen, "户籍")
