"""The legal-entity base: keyed by credit code, the tax register's name filling in, the business scope giving the
industry, the legal representative linked to the population base, rows without a valid code linked by name."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from tests.factories import SYSTEM
from tongban.registry import reads
from tongban.registry.model import Entity, Person
from tongban.registry.provenance import per_field


def _truth(city) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with (city.feeds / "truth" / "entities.csv").open(encoding="utf-8") as handle:
        return {row["entity_code"]: row for row in csv.DictReader(handle)}


def _plain(name: str | None) -> str:
    return (name or "").replace("（", "(").replace("）", ")")


def test_entities_build_with_provenance_industry_and_linked_legal_representatives(city):
    city.deliver_entities()
    city.build("population")
    report = city.build("entity")
    for counts in report.feeds.values():
        assert counts["read"] == sum(v for k, v in counts.items() if k != "read")
    truth = _truth(city)
    with city.sessions() as session:
        entities = list(session.scalars(select(Entity)))
        assert len(entities) > 0.9 * len(truth)
        assert all(e.credit_code in truth for e in entities)  # no invented keys
        right = sum(_plain(e.company_name) == _plain(truth[e.credit_code]["name"]) for e in entities)
        assert right > 0.9 * len(entities)
        industry = sum(e.industry_code == truth[e.credit_code]["industry_code"] for e in entities)
        assert industry > 0.95 * len(entities)  # classified from the business scope text
        sample = next(e for e in entities if e.legal_rep_id_number)
        sources = per_field(sample.provenance)
        assert sources["company_name"]["department"] and sources["industry_code"]
        linked = session.scalar(select(func.count()).select_from(Entity).join(
            Person, Person.id_number == Entity.legal_rep_id_number))
        assert linked and linked > 0.8 * len(entities)
        view = reads.lookup(session, SYSTEM, "entity", sample.credit_code.lower())
        assert view.key == sample.credit_code and [f for f in view.fields if f.name == "company_name"][0].department
        if session.get(Person, sample.legal_rep_id_number) is not None:
            assert view.links == {"legal_rep_id_number": sample.legal_rep_id_number}
    lineage = []
    with city.sessions() as session:
        lineage = list(reads.lineage(session, SYSTEM, city.registry, "entity"))
    assert {o for _, _, o, _, _ in lineage} <= {"linked", "duplicate", "quarantined", "review"}
    assert all(truth.get(k) for _, _, o, k, _ in lineage if o in ("linked", "duplicate"))
