"""The pure rules of on-demand sharing, without a database: routes by sharing type in both vocabularies, the state
machine, what a valid request and a valid grant are, and what a sweep does on a given day."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.errors import Conflict, InvalidInput
from tongban.exchange import policy
from tongban.exchange.policy import Asked, Clock, GrantDraft, RequestDraft, ResourceFacts

TODAY = dt.date(2026, 9, 24)
ITEMS = ("id_number", "name", "birth_date", "residence_address")
RESOURCE = ResourceFacts("101002/000001", 7, "conditional", ITEMS, frozenset({"id_number", "name"}))


def draft(**overrides) -> RequestDraft:  # type: ignore[no-untyped-def]
    values = {"scenario": "居住证积分审核", "purpose": "核验申请人居住登记情况", "legal_basis": "《居住证暂行条例》",
              "items": ["name", "id_number"], "clear_items": ["id_number"], "expected_volume": "2000",
              "period_from": "2026-10-01", "period_to": "2027-09-30", "client_ids": [3]}
    values.update(overrides)
    return RequestDraft(**values)


@pytest.mark.parametrize("sharing_type,route", [
    ("unconditional", "unconditional"), ("无条件共享", "unconditional"),
    ("conditional", "conditional"), ("有条件共享", "conditional"), ("授权共享", "conditional"),
    ("not_shared", "arbitration"), ("不予共享", "arbitration"), ("非共享", "arbitration"),
])
def test_each_sharing_type_routes_the_request_in_either_vocabulary(sharing_type, route):
    assert policy.route_for(sharing_type) == route


def test_personal_items_asked_in_clear_of_an_unconditional_resource_need_the_provider():
    assert policy.route_for("无条件共享", clear_personal=True) == "conditional"
    assert policy.route_for("非共享", clear_personal=True) == "arbitration"


def test_an_unknown_sharing_type_is_not_guessed():
    with pytest.raises(ValueError):
        policy.route_for("部分共享")


@pytest.mark.parametrize("status", ["granted", "refused", "withdrawn"])
@pytest.mark.parametrize("to", ["granted", "refused", "withdrawn"])
def test_a_decided_request_never_moves_again(status, to):
    with pytest.raises(Conflict) as caught:
        policy.check_transition(status, to)
    assert caught.value.code == "exchange.request_state"


@pytest.mark.parametrize("to", ["granted", "refused", "withdrawn"])
def test_a_submitted_request_may_be_granted_refused_or_withdrawn(to):
    policy.check_transition("submitted", to)


def test_a_request_number_names_the_day_and_counts_from_one():
    assert policy.request_number(dt.date(2026, 11, 27), 1) == "GX20261127-0001"


def test_a_valid_request_keeps_the_resources_item_order_and_parses_dates():
    terms, problems = policy.check_request(draft(), RESOURCE, today=TODAY)
    assert problems == [] and terms is not None
    assert terms.items == ["id_number", "name"] and terms.clear_items == ["id_number"]
    assert (terms.period_from, terms.period_to, terms.expected_volume) == (dt.date(2026, 10, 1),
                                                                           dt.date(2027, 9, 30), 2000)
    assert terms.route == "conditional"


@pytest.mark.parametrize("change,field,rule", [
    ({"scenario": "  "}, "scenario", "exchange.required"),
    ({"scenario": "场" * 201}, "scenario", "exchange.too_long"),
    ({"purpose": ""}, "purpose", "exchange.required"),
    ({"legal_basis": ""}, "legal_basis", "exchange.required"),
    ({"items": [], "clear_items": []}, "items", "exchange.items_empty"),
    ({"items": ["name", "death_date"]}, "items", "exchange.items_subset"),
    ({"clear_items": ["birth_date"]}, "clear_items", "exchange.clear_subset"),
    ({"period_from": "2026-02-30"}, "period_from", "exchange.date"),
    ({"period_to": ""}, "period_to", "exchange.required"),
    ({"period_to": "2026-09-30"}, "period_to", "exchange.period_order"),
    ({"period_from": "2026-09-23"}, "period_from", "exchange.period_start"),
    ({"period_to": "2032-10-01"}, "period_to", "exchange.period_length"),
    ({"expected_volume": "很多"}, "expected_volume", "exchange.number"),
    ({"expected_volume": -1}, "expected_volume", "exchange.number"),
    ({"client_ids": []}, "client_ids", "exchange.clients_empty"),
])
def test_each_broken_rule_of_a_request_is_named_by_field_and_rule(change, field, rule):
    terms, problems = policy.check_request(draft(**change), RESOURCE, today=TODAY)
    assert terms is None
    assert [(p.field, p.code) for p in problems] == [(field, rule)]


def test_every_problem_is_reported_at_once():
    _, problems = policy.check_request(draft(scenario="", purpose="", items=[], clear_items=[], client_ids=[]),
                                       RESOURCE, today=TODAY)
    assert [p.field for p in problems] == ["scenario", "purpose", "items", "client_ids"]


def test_an_unconditional_resource_needs_no_legal_basis_but_a_not_shared_one_does():
    free = ResourceFacts("101001/000001", 7, "无条件共享", ITEMS)
    assert policy.check_request(draft(legal_basis="", clear_items=[]), free, today=TODAY)[1] == []
    closed = ResourceFacts("202003/000001", 7, "非共享", ITEMS)
    assert [p.field for p in policy.check_request(draft(legal_basis=""), closed, today=TODAY)[1]] == ["legal_basis"]


@given(st.sets(st.sampled_from(ITEMS), min_size=1), st.data())
def test_any_subset_of_the_items_is_a_valid_request_in_the_resources_order(chosen, data):
    clear = data.draw(st.sets(st.sampled_from(sorted(chosen))))
    terms, problems = policy.check_request(draft(items=sorted(chosen), clear_items=sorted(clear)), RESOURCE,
                                           today=TODAY)
    assert problems == [] and terms is not None
    assert terms.items == [i for i in ITEMS if i in chosen] and set(terms.clear_items) == clear


ASKED = Asked(["id_number", "name", "birth_date"], ["id_number"], dt.date(2026, 10, 1), dt.date(2027, 9, 30))


def test_a_grant_without_narrowing_gives_what_was_asked_at_the_default_rate():
    terms = policy.check_grant(ASKED, GrantDraft())
    assert (terms.items, terms.clear_items, terms.valid_from, terms.valid_to, terms.rate_limit) == (
        ["id_number", "name", "birth_date"], ["id_number"], dt.date(2026, 10, 1), dt.date(2027, 9, 30), 600)


def test_the_provider_may_narrow_items_clear_items_period_and_rate():
    terms = policy.check_grant(ASKED, GrantDraft(items=["name", "id_number"], clear_items=[],
                                                 period_to="2027-03-31", rate_limit="60"))
    assert (terms.items, terms.clear_items, terms.valid_to, terms.rate_limit) == (
        ["id_number", "name"], [], dt.date(2027, 3, 31), 60)


def test_dropping_an_item_drops_it_from_the_clear_items_too():
    assert policy.check_grant(ASKED, GrantDraft(items=["name"])).clear_items == []


@pytest.mark.parametrize("offered,field,rule", [
    (GrantDraft(items=[]), "items", "exchange.items_empty"),
    (GrantDraft(items=["name", "phone"]), "items", "exchange.items_subset"),
    (GrantDraft(clear_items=["name"]), "clear_items", "exchange.clear_subset"),
    (GrantDraft(period_from="2026-09-30"), "period_from", "exchange.period_start"),
    (GrantDraft(period_to="2027-10-01"), "period_to", "exchange.period_end"),
    (GrantDraft(rate_limit=0), "rate_limit", "exchange.number"),
    (GrantDraft(rate_limit="10001"), "rate_limit", "exchange.number"),
])
def test_a_grant_never_gives_more_than_was_asked(offered, field, rule):
    with pytest.raises(InvalidInput) as caught:
        policy.check_grant(ASKED, offered)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, rule)]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_refusal_needs_a_reason(reason):
    with pytest.raises(InvalidInput) as caught:
        policy.check_reason(reason)
    assert caught.value.code == "exchange.reason_required" and caught.value.errors[0].field == "reason"


@pytest.mark.parametrize("clock,names", [
    (Clock(3, False), ()),
    (Clock(2, False), ("remind",)),
    (Clock(0, False), ("remind",)),
    (Clock(1, False, reminded=True), ()),
    (Clock(0, True), ("overdue", "escalate")),
    (Clock(-1, True, reminded=True), ("overdue", "escalate")),
    (Clock(-2, True, reminded=True, overdue=True, escalated=True), ()),
])
def test_a_sweep_reminds_once_then_flags_overdue_and_escalates_once(clock, names):
    assert policy.steps_due(clock, remind_days_before=2).names == names
