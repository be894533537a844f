"""Registry tables: the feeds departments deliver (each kept unchanged, registered once)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
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
