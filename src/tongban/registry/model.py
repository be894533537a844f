"""Registry tables: delivered feeds, builds, golden records, their change log, quarantine and conflicts.

The batch work happens in DuckDB; what people and systems read is published here, one transaction per build, so a
reader sees the previous version of a base until the new one is complete.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.catalog.model import Resource
from tongban.db import Base, UTCDateTime, utcnow
from tongban.identity.model import Department


class Feed(Base):
    """One delivered file for a catalog resource: where it is kept, its checksum and what its columns are."""

    __tablename__ = "registry_feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as delivered, for people and for lineage
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(8))  # csv | xlsx | jsonl
    encoding: Mapped[str] = mapped_column(String(20))  # of a CSV or JSON Lines file; "" for xlsx
    columns: Mapped[list[str]] = mapped_column(JSON)  # item codes in file order
    missing: Mapped[list[str]] = mapped_column(JSON)  # the resource's item codes the file does not have
    stored_as: Mapped[str] = mapped_column(String(200))  # path under the feed store
    status: Mapped[str] = mapped_column(String(12), default="received")  # received | processed
    delivered_by: Mapped[str] = mapped_column(String(100))
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship()
    department: Mapped[Department] = relationship()

    __table_args__ = (UniqueConstraint("resource_id", "sha256", name="uq_registry_feeds_resource_sha256"),)


class Build(Base):
    """One run of the pipeline for a base: its stages, counts and outcome."""

    __tablename__ = "registry_builds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    base: Mapped[str] = mapped_column(String(20), index=True)  # population | entity | address
    status: Mapped[str] = mapped_column(String(12), default="running")  # running | published | failed
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    quality: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per feed and base, GB/T 36344 dimensions


class Person(Base):
    """A golden record of the population base; ``provenance`` says, per field, which department, feed, row and time
    the value came from."""

    __tablename__ = "registry_people"

    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(50))
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    household_address: Mapped[str | None] = mapped_column(String(200))
    residence_address: Mapped[str | None] = mapped_column(String(200))
    marital_status: Mapped[str | None] = mapped_column(String(2))
    insurance_status: Mapped[str | None] = mapped_column(String(2))
    employer_credit_code: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    household_address_code: Mapped[str | None] = mapped_column(String(32))  # in the standard address library
    residence_address_code: Mapped[str | None] = mapped_column(String(32))
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))  # the build that last changed it
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # no source holds it any more


class Entity(Base):
    """A golden record of the legal-entity base, keyed by the unified social credit code; the legal representative
    links to the population base by ID number."""

    __tablename__ = "registry_entities"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    company_name: Mapped[str | None] = mapped_column(String(200))
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    company_type: Mapped[str | None] = mapped_column(String(100))
    legal_rep_name: Mapped[str | None] = mapped_column(String(50))
    legal_rep_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    registered_capital: Mapped[str | None] = mapped_column(String(40))  # 万元, as a decimal string
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    registration_status: Mapped[str | None] = mapped_column(String(20))
    domicile: Mapped[str | None] = mapped_column(String(200))
    domicile_code: Mapped[str | None] = mapped_column(String(32))  # the domicile in the address library
    business_address: Mapped[str | None] = mapped_column(String(200))
    business_address_code: Mapped[str | None] = mapped_column(String(32))
    business_scope: Mapped[str | None] = mapped_column(Text)
    industry_code: Mapped[str | None] = mapped_column(String(5))  # GB/T 4754 section, from the business scope
    tax_registration_status: Mapped[str | None] = mapped_column(String(20))
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Address(Base):
    """A standard address of the spatial base (标准地址库): district, street or town, road, number and building, with
    coordinates; person and entity addresses link to it by code."""

    __tablename__ = "registry_addresses"

    address_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    road_name: Mapped[str | None] = mapped_column(String(100))
    house_number: Mapped[str | None] = mapped_column(String(20))
    building_number: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    longitude: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[str | None] = mapped_column(String(20))
    former_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Review(Base):
    """A source row probabilistic matching could not settle: the best candidate golden record and its probability,
    for a clerk to accept (the row links to it) or reject (it does not); the decision holds for every later build."""

    __tablename__ = "registry_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    base: Mapped[str] = mapped_column(String(20))
    feed_id: Mapped[int] = mapped_column(ForeignKey("registry_feeds.id"), index=True)
    row: Mapped[int] = mapped_column(BigInteger)
    candidate: Mapped[str | None] = mapped_column(String(32))  # the suggested golden record, if any
    probability: Mapped[float] = mapped_column(default=0.0)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # the row, standardised
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | accepted | rejected | settled (by a build)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))

    __table_args__ = (UniqueConstraint("feed_id", "row", name="uq_registry_reviews_feed_row"),
                      Index("ix_registry_reviews_base_status", "base", "status"))


class Change(Base):
    """The change log of a base: a golden record created, changed (which fields) or retired, in publish order."""

    __tablename__ = "registry_changes"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    base: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(32))
    change: Mapped[str] = mapped_column(String(10))  # created | changed | retired
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_registry_changes_base_seq", "base", "seq"), Index("ix_registry_changes_key", "key"))


class QuarantinedRow(Base):
    """A source row that broke a hard rule, with every reason; corrected and replayed, or accepted with a reason."""

    __tablename__ = "registry_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    base: Mapped[str] = mapped_column(String(20))
    feed_id: Mapped[int] = mapped_column(ForeignKey("registry_feeds.id"), index=True)
    row: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{rule, item, value}]
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # the row as delivered
    corrected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item → value replayed by later builds
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | corrected | accepted
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    justification: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_registry_quarantine_base_status", "base", "status"),)


class Conflict(Base):
    """A doubtful-data notice (疑义): sources disagree on a field of a golden record; sent to the department whose
    value lost, for it to check."""

    __tablename__ = "registry_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    base: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(32), index=True)
    item: Mapped[str] = mapped_column(String(64))
    kept_value: Mapped[str] = mapped_column(String(200))
    kept_from: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    other_value: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # who is asked to check
    feed_id: Mapped[int] = mapped_column(ForeignKey("registry_feeds.id"))
    row: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | confirmed | corrected
    build_id: Mapped[int] = mapped_column(ForeignKey("registry_builds.id"))
