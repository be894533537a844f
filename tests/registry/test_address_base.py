"""The spatial base: the standard address library built like any base, and the people's and entities' addresses
linked to it by code, with the provenance of the address they come from."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.factories import SYSTEM
from tongban.registry import reads
from tongban.registry.model import Address, Entity, Person, QuarantinedRow
from tongban.registry.provenance import per_field
from tongban.registry.workspace import Workspace


def test_addresses_of_people_and_entities_link_to_the_standard_address_library(city):
    city.deliver("address_library.csv", "标准地址库")
    city.deliver_entities()
    report = city.build("address")
    (counts,) = report.feeds.values()
    assert counts["read"] == sum(counts.get(k, 0) for k in ("linked", "duplicate", "quarantined")) > 20
    assert Workspace.of(city.registry, "address").library.exists()
    city.build("population")
    city.build("entity")
    with city.sessions() as session:
        addresses = session.scalar(select(func.count()).select_from(Address))
        assert addresses and addresses > 20
        sample = session.scalars(select(Address).where(Address.longitude.is_not(None))).first()
        assert sample is not None and 120.8 < float(sample.longitude) < 122.3 and per_field(sample.provenance)["address"]
        # a library row that lost a digit of its code is quarantined, with its reason
        for row in session.scalars(select(QuarantinedRow).where(QuarantinedRow.base == "address")):
            assert "address.no_key" in {r["rule"] for r in row.reasons}
        people = session.scalar(select(func.count()).select_from(Person))
        linked = list(session.scalars(select(Person).where(Person.household_address_code.is_not(None))))
        assert people and len(linked) > 0.9 * people
        person = linked[0]
        home = session.get(Address, person.household_address_code)
        assert home is not None and home.road_name and home.road_name in (person.household_address or "")
        sources = per_field(person.provenance)
        assert sources["household_address_code"] == sources["household_address"]
        entities = session.scalar(select(func.count()).select_from(Entity))
        placed = session.scalar(select(func.count()).select_from(Entity).where(Entity.domicile_code.is_not(None)))
        assert entities and placed and placed > 0.8 * entities
        view = reads.lookup(session, SYSTEM, "address", person.household_address_code)
        assert {f.name for f in view.fields} >= {"district_code", "road_name", "longitude", "address"}
