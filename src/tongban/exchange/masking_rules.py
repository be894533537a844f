"""Use cases of the masking rules: the operator reads the catalog's personal data items with the rule each leaves
by, and changes one; default rules are seeded for the items that have none. They never commit; every change is
audited (``exchange.masking``).

A rule applies to an item code wherever it occurs (``name`` in every resource that has it). A personal item
without a rule leaves hidden; a non-personal item always leaves clear and takes no rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.audit import AuditEvent, record
from tongban.catalog.model import DataItem, Resource
from tongban.db import utcnow
from tongban.errors import FieldError, InvalidInput
from tongban.exchange import masking
from tongban.exchange.model import MaskingRule
from tongban.identity.policy import Action, Actor
from tongban.identity.service import actor_ref, require

# The base databases' personal items and the rules they leave by unless the operator says otherwise.
DEFAULT_RULES = {
    "id_number": "id_number", "name": "name", "phone": "phone", "birth_date": "date", "death_date": "date",
    "household_address": "address", "residence_address": "address", "legal_rep_name": "name",
    "legal_rep_id_number": "id_number",
}


def default_rule(code: str, data_type: str = "") -> str | None:
    """The rule a personal item gets by default, from its code and type; None leaves it hidden."""
    if code in DEFAULT_RULES:
        return DEFAULT_RULES[code]
    if code.endswith("id_number"):
        return "id_number"
    if code.endswith("phone"):
        return "phone"
    if code.endswith("_name"):
        return "name"
    if code.endswith("address") or code == "location":
        return "address"
    if data_type == "date":
        return "date"
    return None


@dataclass(frozen=True)
class ItemRule:
    """A personal data item of the catalog and how it leaves: its rule (None: hidden, no rule set)."""

    code: str
    name: str
    resources: int  # published resources that have it
    rule: str | None
    updated_at: object = None
    updated_by: str = ""


def _personal_items(session: Session) -> list[tuple[str, str, str, int]]:
    """(code, a name, data type, resources) of every personal item of the published catalog, by code."""
    rows = session.execute(
        select(DataItem.code, func.min(DataItem.name), func.min(DataItem.data_type), func.count(DataItem.id))
        .join(Resource, Resource.id == DataItem.resource_id)
        .where(DataItem.personal.is_(True), Resource.status == "published")
        .group_by(DataItem.code).order_by(DataItem.code))
    return [(code, name, data_type, count) for code, name, data_type, count in rows]


def list_rules(session: Session, actor: Actor) -> list[ItemRule]:
    """The catalog's personal items with their rules, by item code (operator)."""
    require(actor, Action.EXCHANGE_MASKING, event="exchange.masking_list")
    rules = {r.item_code: r for r in session.scalars(select(MaskingRule))}
    out = []
    for code, name, _type, count in _personal_items(session):
        rule = rules.get(code)
        out.append(ItemRule(code, name, count, rule.rule if rule else None, rule.updated_at if rule else None,
                            rule.updated_by if rule else ""))
    return out


def set_rule(session: Session, actor: Actor, item_code: str, rule: str) -> MaskingRule:
    """Make personal item ``item_code`` leave by ``rule`` (one of ``masking.RULES``); audited with the rule before."""
    item_code, rule = item_code.strip(), rule.strip()
    require(actor, Action.EXCHANGE_MASKING, target_id=item_code, event="exchange.masking")
    if not masking.is_rule(rule):
        raise InvalidInput("{rule} is not a masking rule: use one of {rules}", code="exchange.masking_rule",
                           params={"rule": rule[:40], "rules": ", ".join(masking.RULES)},
                           errors=[FieldError("rule", "must be one of {rules}", {"rules": ", ".join(masking.RULES)},
                                              code="exchange.masking_rule")])
    if item_code not in {code for code, *_ in _personal_items(session)}:
        raise InvalidInput("{item} is not a personal data item of the published catalog (other items leave clear)",
                           code="exchange.masking_item", params={"item": item_code[:64]},
                           errors=[FieldError("item", "is not a personal data item of the catalog",
                                              code="exchange.masking_item")])
    existing = session.get(MaskingRule, item_code)
    previous = existing.rule if existing else None
    if existing is None:
        existing = MaskingRule(item_code=item_code)
        session.add(existing)
    existing.rule, existing.updated_at, existing.updated_by = rule, utcnow(), actor.name
    session.flush()
    record(session, AuditEvent("exchange.masking", actor_ref(actor), target_type="masking_rule", target_id=item_code,
                               details={"rule": rule, "previous": previous}))
    return existing


def seed_masking_rules(session: Session, actor: Actor) -> list[str]:
    """Default rules for the base databases' personal items and the catalog's personal items that have none
    (never overwriting the operator's); returns the item codes seeded."""
    require(actor, Action.EXCHANGE_MASKING, event="exchange.masking_seed")
    wanted = dict(DEFAULT_RULES)
    for code, _name, data_type, _count in _personal_items(session):
        rule = default_rule(code, data_type)
        if rule is not None:
            wanted.setdefault(code, rule)
    existing = set(session.scalars(select(MaskingRule.item_code)))
    seeded = sorted(code for code in wanted if code not in existing)
    now = utcnow()
    session.add_all(MaskingRule(item_code=code, rule=wanted[code], updated_at=now, updated_by=actor.name)
                    for code in seeded)
    session.flush()
    if seeded:
        record(session, AuditEvent("exchange.masking_seed", actor_ref(actor), target_type="masking_rule",
                                   details={"rules": {code: wanted[code] for code in seeded}}))
    return seeded
