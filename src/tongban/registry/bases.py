"""The base databases and what feeds them. Pure data.

A catalog resource feeds the population base when its items carry a citizen ID (``id_number``), the legal-entity
base when they carry a credit code (``credit_code``), the spatial base when they carry a standard address code
(``address_code``). A golden record has one field per item of the base; the fields where two sources disagreeing is
suspicious (not just a later value) raise doubtful-data notices; addresses are linked to the standard address
library and get a code field of their own; an entity's business scope gives its industry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BaseSpec:
    """One base database: its key item and how the standardised rows say it is valid, its golden-record fields,
    the fields whose disagreement is a conflict, and where it is served."""

    name: str
    kind: str  # people | entities | addresses (the rule set that standardises its feeds)
    key: str
    status: str  # the standardised column saying whether the key is valid
    valid: str  # ... and its value when it is
    key_pattern: str  # the shape a key must have to be stored (an accepted row's key as delivered is checked)
    fields: tuple[str, ...]
    conflicts: tuple[str, ...]
    history: str  # the field whose earlier values are kept as a list ("former names")
    table: str  # the serving table; its primary key column is named ``key``
    upgraded: str | None = None  # a column with the key an outdated form upgrades to (15-digit IDs)
    aliases: dict[str, str] = field(default_factory=dict)  # item → the field it fills when the field is empty
    # Fields the build derives from another: field → (source field, how): "address" links the address to the
    # standard address library (its code), "industry" classifies a business scope (GB/T 4754 section).
    derived_from: dict[str, tuple[str, str]] = field(default_factory=dict)
    linkage: str | None = None  # how rows without a valid key are linked: people (splink) | entities (name)
    # What a clerk compares in the review queue: (the row's standardised value, the golden record's field).
    review: tuple[tuple[str, str], ...] = ()

    def feeds_resource(self, item_codes: set[str]) -> bool:
        """Whether a resource with these items delivers to this base."""
        return self.key in item_codes

    @property
    def derived(self) -> tuple[str, ...]:
        """Fields the build derives rather than takes from a source: address codes, the industry."""
        return tuple(self.derived_from)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every served field: the sourced ones, then the derived ones."""
        return self.fields + self.derived


POPULATION = BaseSpec(
    name="population", kind="people", key="id_number", status="id_status", valid="valid18",
    key_pattern="[0-9]{17}[0-9X]",
    fields=("name", "sex", "birth_date", "ethnicity", "household_address", "residence_address", "marital_status",
            "insurance_status", "employer_credit_code", "phone", "death_date"),
    conflicts=("name", "sex", "birth_date", "ethnicity"),
    history="name", table="registry_people", upgraded="id_upgraded",
    derived_from={"household_address_code": ("household_address", "address"),
                  "residence_address_code": ("residence_address", "address")},
    linkage="people",
    review=(("name", "name"), ("sex", "sex"), ("birth_date", "birth_date"), ("id_input", "id_number"),
            ("phone", "phone"), ("residence_address", "residence_address"), ("household_address", "household_address")),
)

ENTITY = BaseSpec(
    name="entity", kind="entities", key="credit_code", status="credit_code_status", valid="valid",
    key_pattern="[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}",
    fields=("company_name", "company_type", "legal_rep_name", "legal_rep_id_number", "registered_capital",
            "established_on", "registration_status", "domicile", "business_address", "business_scope",
            "tax_registration_status"),
    conflicts=("company_name", "legal_rep_id_number", "established_on"),
    history="company_name", table="registry_entities", aliases={"taxpayer_name": "company_name"},
    derived_from={"industry_code": ("business_scope", "industry"), "domicile_code": ("domicile", "address"),
                  "business_address_code": ("business_address", "address")},
    linkage="entities",
    review=(("company_name", "company_name"), ("credit_code_input", "credit_code"), ("legal_rep_name", "legal_rep_name"),
            ("domicile", "domicile"), ("business_address", "business_address")),
)

ADDRESS = BaseSpec(
    name="address", kind="addresses", key="address_code", status="address_code_status", valid="valid",
    key_pattern="[0-9]{6,32}",
    fields=("district_code", "street_code", "road_name", "house_number", "building_number", "address",
            "longitude", "latitude"),
    conflicts=("district_code", "road_name", "house_number"),
    history="address", table="registry_addresses",
)

BASES: dict[str, BaseSpec] = {b.name: b for b in (ADDRESS, POPULATION, ENTITY)}

# When a row was true: the first of these the row has, else the day its feed was delivered.
ROW_TIME = ("updated_on", "registered_on")
