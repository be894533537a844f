"""Catalog lifecycle: draft → submit → approve/return → versions → retire; 一数一源; every step audited."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from tests.factories import SYSTEM, make_department, make_draft, make_resource, make_user
from tongban.audit.model import AuditRecord
from tongban.audit.unit_of_work import transaction
from tongban.catalog import service as catalog
from tongban.catalog.drafts import ItemDraft
from tongban.catalog.model import ResourceVersion, ReviewEvent
from tongban.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tongban.identity.policy import Role
from tongban.identity.service import actor_for


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    police = make_department(session, name="市公安局", short_name="公安")
    civil = make_department(session, name="市民政局", short_name="民政")
    admin = actor_for(make_user(session, Role.DATA_ADMIN, department_id=police.id))
    other_admin = actor_for(make_user(session, Role.DATA_ADMIN, department_id=civil.id))
    operator = actor_for(make_user(session, Role.OPERATOR))
    return dataclasses.make_dataclass("W", ["police", "civil", "admin", "other_admin", "operator"])(
        police, civil, admin, other_admin, operator)


def _actions(session, code):  # type: ignore[no-untyped-def]
    return [r.action for r in session.scalars(select(AuditRecord).where(AuditRecord.target_id == code)
                                              .order_by(AuditRecord.seq))]


def test_a_resource_goes_from_draft_to_published_with_an_audit_record_per_step(session, world):
    resource = catalog.create_resource(session, world.admin, make_draft())
    assert resource.status == "draft" and resource.code == "101001/000001"
    catalog.submit_resource(session, world.admin, resource.code)
    catalog.approve_resource(session, world.operator, resource.code, comment="同意")
    assert (resource.status, resource.version) == ("published", 1)
    assert _actions(session, resource.code) == ["catalog.create", "catalog.submit", "catalog.approve"]
    assert session.scalar(select(ResourceVersion.version).where(ResourceVersion.resource_id == resource.id)) == 1


def test_codes_follow_the_classification_with_a_sequence_and_survive_edits(session, world):
    first = catalog.create_resource(session, world.admin, make_draft())
    second = catalog.create_resource(session, world.admin, make_draft(name="另一资源", class_code="201001"))
    third = catalog.create_resource(session, world.admin, make_draft(name="第三资源"))
    assert [first.code, second.code, third.code] == ["101001/000001", "201001/000001", "101001/000002"]
    catalog.update_resource(session, world.admin, first.code, make_draft(name="改名", class_code="201001"))
    assert first.code == "101001/000001" and first.name == "改名"


def test_a_returned_submission_carries_the_comment_back_to_the_department(session, world):
    resource = catalog.create_resource(session, world.admin, make_draft())
    catalog.submit_resource(session, world.admin, resource.code)
    catalog.return_resource(session, world.operator, resource.code, comment="摘要过于简略")
    assert resource.status == "returned"
    comments = session.scalars(select(ReviewEvent.comment).where(ReviewEvent.action == "return")).all()
    assert comments == ["摘要过于简略"]
    catalog.update_resource(session, world.admin, resource.code, make_draft(abstract="更详细的摘要。"))
    catalog.submit_resource(session, world.admin, resource.code)
    assert resource.status == "submitted"


def test_returning_needs_a_comment(session, world):
    resource = catalog.create_resource(session, world.admin, make_draft())
    catalog.submit_resource(session, world.admin, resource.code)
    with pytest.raises(InvalidInput) as caught:
        catalog.return_resource(session, world.operator, resource.code, comment="  ")
    assert caught.value.code == "catalog.comment_required"


def test_editing_a_published_resource_keeps_the_public_version_until_approved(session, world):
    resource = make_resource(session, world.police)
    catalog.update_resource(session, world.admin, resource.code, make_draft(name="户籍人口基本信息（新版）"))
    assert resource.name == "户籍人口基本信息" and resource.status == "published"
    catalog.submit_resource(session, world.admin, resource.code)
    catalog.approve_resource(session, world.operator, resource.code)
    assert (resource.name, resource.version) == ("户籍人口基本信息（新版）", 2)
    versions = session.scalars(select(ResourceVersion).where(ResourceVersion.resource_id == resource.id)
                               .order_by(ResourceVersion.version)).all()
    assert [v.snapshot["name"] for v in versions] == ["户籍人口基本信息", "户籍人口基本信息（新版）"]


def test_a_resource_under_review_cannot_be_changed(session, world):
    resource = catalog.create_resource(session, world.admin, make_draft())
    catalog.submit_resource(session, world.admin, resource.code)
    with pytest.raises(Conflict):
        catalog.update_resource(session, world.admin, resource.code, make_draft(name="x"))


@pytest.mark.parametrize("changes,field,rule", [
    ({"sharing_type": "conditional", "sharing_condition": "仅限社保核验", "legal_basis": ""}, "legal_basis",
     "catalog.legal_basis_required"),
    ({"sharing_type": "not_shared", "share_methods": [], "legal_basis": ""}, "legal_basis",
     "catalog.legal_basis_required"),
    ({"open_type": "closed", "legal_basis": ""}, "legal_basis", "catalog.legal_basis_required"),
    ({"format": "纸质"}, "format", "catalog.format"),
    ({"class_code": "199001"}, "class_code", "catalog.class_code"),
    ({"items": [ItemDraft("姓名", "name", "text-ish")]}, "items.data_type", "catalog.data_type"),
    ({"items": []}, "items", "catalog.items_required"),
    ({"related_codes": ["101001/999999"]}, "related_codes", "catalog.related_unknown"),
])
def test_bad_drafts_are_refused_naming_the_field_and_the_rule(session, world, changes, field, rule):
    with pytest.raises(InvalidInput) as caught:
        catalog.create_resource(session, world.admin, make_draft(**changes))
    assert (field, rule) in [(e.field, e.code) for e in caught.value.errors]


def test_a_second_authoritative_source_is_refused_naming_the_first(session, world):
    items = [ItemDraft("公民身份号码", "id_number", "string", 18, authoritative=True)]
    make_resource(session, world.police, items=items)
    with pytest.raises(InvalidInput) as caught:
        catalog.create_resource(session, world.other_admin, make_draft(name="婚姻登记信息", items=items))
    error = next(e for e in caught.value.errors if e.code == "catalog.second_source")
    assert error.params["department"] == "市公安局" and error.row == 1


def test_the_operator_can_move_an_authoritative_source(session, world):
    items = [ItemDraft("婚姻状况", "marital_status", "string", 2, authoritative=True)]
    first = make_resource(session, world.police, items=items)
    second = make_resource(session, world.civil, name="婚姻登记信息",
                           items=[ItemDraft("婚姻状况", "marital_status", "string", 2)])
    catalog.move_source(session, world.operator, "marital_status", second.code)
    assert [i.authoritative for i in first.items] == [False]
    assert [i.authoritative for i in second.items] == [True]


def test_a_data_admin_edits_only_the_own_department(session, world):
    resource = make_resource(session, world.police)
    with pytest.raises(PermissionDenied):
        catalog.update_resource(session, world.other_admin, resource.code, make_draft(name="越权"))


def test_drafts_are_invisible_to_other_departments(session, world):
    resource = catalog.create_resource(session, world.admin, make_draft())
    with pytest.raises(NotFound):
        catalog.get_resource(session, world.other_admin, resource.code)
    assert catalog.get_resource(session, world.operator, resource.code) is resource


def test_retiring_needs_a_reason_and_releases_the_source(session, world):
    items = [ItemDraft("公民身份号码", "id_number", "string", 18, authoritative=True)]
    resource = make_resource(session, world.police, items=items)
    with pytest.raises(InvalidInput):
        catalog.retire_resource(session, world.admin, resource.code, reason="")
    catalog.retire_resource(session, world.admin, resource.code, reason="数据已并入新资源")
    assert resource.status == "retired"
    catalog.create_resource(session, world.other_admin, make_draft(name="新资源", items=items))


def test_a_denied_step_is_audited_even_though_nothing_changes(sessions, world, session):
    resource = make_resource(session, world.police)
    session.commit()
    with pytest.raises(PermissionDenied), transaction(sessions) as other:
        catalog.retire_resource(other, world.other_admin, resource.code, reason="x")
    with sessions() as check:
        denied = check.scalars(select(AuditRecord).where(AuditRecord.action == "catalog.retire")).all()
        assert [(r.outcome, r.target_id) for r in denied] == [("denied", resource.code)]


def test_the_system_actor_may_publish_for_any_department(session):
    resource = make_resource(session)
    assert resource.status == "published"
    assert catalog.get_resource(session, SYSTEM, resource.code).version == 1
