"""A small synthetic city with the demo catalog, its population feeds delivered, ready to build."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import SYSTEM
from tongban.audit.unit_of_work import transaction
from tongban.registry.build import BuildReport, build_base
from tongban.registry.service import deliver_feed
from tongban.synth.catalog_real import DEMO_CATALOG
from tongban.synth.demo import seed_catalog, seed_departments
from tongban.synth.generate import CityRequest, write_city

FEEDS = {"population_police.csv": "户籍人口基本信息", "population_hrss.csv": "社会保险参保信息",
         "population_civil.csv": "婚姻登记信息", "population_health.csv": "居民健康档案"}
ENTITY_FEEDS = {"entity_samr.csv": "企业登记信息", "entity_tax.csv": "纳税人登记信息"}


@dataclass
class City:
    """Where the city's files and the registry's work live, and how to build it."""

    sessions: sessionmaker[Session]
    feeds: Path
    store: Path
    registry: Path

    def deliver(self, filename: str, resource: str, path: Path | None = None):  # type: ignore[no-untyped-def]
        with transaction(self.sessions) as session, (path or self.feeds / filename).open("rb") as source:
            return deliver_feed(session, SYSTEM, resource, filename, source, store=self.store).feed.id

    def build(self, base: str = "population", **kw: object) -> BuildReport:
        return build_base(self.sessions, SYSTEM, base, store=self.store, registry_dir=self.registry,
                          memory_limit="1GB", **kw)  # type: ignore[arg-type]

    def deliver_entities(self) -> None:
        for filename, resource in ENTITY_FEEDS.items():
            self.deliver(filename, resource)

    def truth(self) -> dict[tuple[str, int], str]:
        """(feed file, row) → the true person's ID, from the generator's truth files."""
        out = {}
        for name in FEEDS:
            with (self.feeds / "truth" / name).open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    out[(name, int(row["row"]))] = row["person_id"]
        return out


def make_city(sessions: sessionmaker[Session], root: Path, *, people: int = 300, seed: int = 3,
              store: Path | None = None, registry: Path | None = None, deliver: bool = True) -> City:
    """Departments, the demo catalog and a generated city whose four population feeds are delivered (unless
    ``deliver`` is false: then the bases start empty)."""
    with transaction(sessions) as session:
        seed_departments(session, SYSTEM)
        seed_catalog(session, SYSTEM, DEMO_CATALOG)
    city = City(sessions, root / "feeds", store or root / "store", registry or root / "registry")
    write_city(city.feeds, CityRequest(people=people, entities=max(1, people // 7), seed=seed))
    for filename, resource in FEEDS.items() if deliver else ():
        city.deliver(filename, resource)
    return city


@pytest.fixture
def city(sessions: sessionmaker[Session], tmp_path: Path) -> City:
    return make_city(sessions, tmp_path)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
