"""Masking rules as the operator manages them (use cases and ``tongban exchange masking``): the catalog's personal
items with their rule, a change audited with the rule before, defaults seeded without overwriting."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.exchange.gateway_world import build_world
from tests.factories import SYSTEM, make_user
from tongban.audit.model import AuditRecord
from tongban.cli.main import app as cli_app
from tongban.errors import InvalidInput, PermissionDenied
from tongban.exchange.masking_rules import default_rule, list_rules, seed_masking_rules, set_rule
from tongban.exchange.model import MaskingRule
from tongban.identity.service import actor_for


@pytest.mark.parametrize("code,data_type,rule", [
    ("id_number", "string", "id_number"), ("mother_id_number", "string", "id_number"),
    ("guardian_phone", "string", "phone"), ("owner_name", "string", "name"), ("residence_address", "string", "address"),
    ("location", "string", "address"), ("cremated_on", "date", "date"), ("diagnosis", "string", None),
])
def test_a_personal_item_gets_its_default_rule_from_its_code_and_type(code, data_type, rule):
    assert default_rule(code, data_type) == rule


def test_the_list_shows_the_catalogs_personal_items_with_their_rule(session):
    build_world(session)
    rules = {r.code: r for r in list_rules(session, SYSTEM)}
    assert {"id_number", "name", "birth_date", "phone", "household_address", "ethnicity", "legal_rep_name"} <= set(rules)
    assert "registered_on" not in rules and "company_name" not in rules  # not personal
    assert rules["phone"].rule == "phone" and rules["ethnicity"].rule is None


def test_a_change_is_audited_with_the_rule_before(session):
    build_world(session)
    set_rule(session, SYSTEM, "ethnicity", "hide")
    set_rule(session, SYSTEM, "ethnicity", "name")
    assert session.get(MaskingRule, "ethnicity").rule == "name"
    changes = session.scalars(select(AuditRecord).where(AuditRecord.action == "exchange.masking")).all()
    assert [c.details for c in changes] == [{"rule": "hide", "previous": None}, {"rule": "name", "previous": "hide"}]


@pytest.mark.parametrize("item,rule,code", [("phone", "reveal", "exchange.masking_rule"),
                                            ("company_name", "hide", "exchange.masking_item"),
                                            ("no_such_item", "hide", "exchange.masking_item")])
def test_an_unknown_rule_or_a_non_personal_item_is_refused(session, item, rule, code):
    build_world(session)
    with pytest.raises(InvalidInput) as raised:
        set_rule(session, SYSTEM, item, rule)
    assert raised.value.code == code


def test_only_the_operator_manages_rules(session):
    build_world(session)
    admin = make_user(session, "data_admin")
    with pytest.raises(PermissionDenied):
        set_rule(session, actor_for(admin), "phone", "hide")


def test_seeding_never_overwrites_a_rule_the_operator_set(session):
    build_world(session)
    set_rule(session, SYSTEM, "phone", "hide")
    session.delete(session.get(MaskingRule, "name"))
    session.flush()
    assert seed_masking_rules(session, SYSTEM) == ["name"]
    assert session.get(MaskingRule, "phone").rule == "hide"


def test_the_cli_lists_and_sets_rules(session, tmp_path, db_url):
    build_world(session)
    env = {"TONGBAN_DATA_DIR": str(tmp_path / "data"), "TONGBAN_DATABASE_URL": db_url, "TONGBAN_LANGUAGE": "en",
           "COLUMNS": "200"}
    runner = CliRunner()
    listed = runner.invoke(cli_app, ["exchange", "masking", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "household_address" in listed.output and "none: hidden" in listed.output
    changed = runner.invoke(cli_app, ["exchange", "masking", "set", "ethnicity", "hide"], env=env)
    assert changed.exit_code == 0 and "ethnicity now leaves by the rule hide" in changed.output
    refused = runner.invoke(cli_app, ["exchange", "masking", "set", "ethnicity", "reveal"], env=env)
    assert refused.exit_code == 2 and "not a masking rule" in refused.output and "Traceback" not in refused.output
