"""The base databases and what feeds them. Pure data.

A catalog resource feeds the population base when its items carry a citizen ID (``id_number``), the legal-entity
base when they carry a credit code (``credit_code``); a golden record has one field per item of the base, and the
fields where two sources disagreeing is suspicious (not just a later value) raise doubtful-data notices.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BaseSpec:
    """One base database: its key item, its golden-record fields, and the fields whose disagreement is a conflict."""

    name: str
    kind: str  # people | entities (the rule set that standardises its feeds)
    key: str
    fields: tuple[str, ...]
    conflicts: tuple[str, ...]
    history: str  # the field whose earlier values are kept as a list ("former names")

    def feeds_resource(self, item_codes: set[str]) -> bool:
        """Whether a resource with these items delivers to this base."""
        return self.key in item_codes


POPULATION = BaseSpec(
    name="population", kind="people", key="id_number",
    fields=("name", "sex", "birth_date", "ethnicity", "household_address", "residence_address", "marital_status",
            "insurance_status", "employer_credit_code", "phone", "death_date"),
    conflicts=("name", "sex", "birth_date", "ethnicity"),
    history="name",
)

BASES: dict[str, BaseSpec] = {POPULATION.name: POPULATION}

# When a row was true: the first of these the row has, else the day its feed was delivered.
ROW_TIME = ("updated_on", "registered_on")
