"""Catalog tables: resources, their data items, versions, review trail, authoritative sources and search terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UTCDateTime, utcnow
from tongban.identity.model import Department


class Resource(Base):
    """A data resource with the 13 core metadata elements and its extensions."""

    __tablename__ = "catalog_resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    class_code: Mapped[str] = mapped_column(String(12), index=True)  # 类(1) 项(2) 目(3) [细目(3)]
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    abstract: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20))
    sharing_type: Mapped[str] = mapped_column(String(20), index=True)
    sharing_condition: Mapped[str] = mapped_column(Text, default="")
    share_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    open_type: Mapped[str] = mapped_column(String(20))
    open_condition: Mapped[str] = mapped_column(Text, default="")
    update_cycle: Mapped[str] = mapped_column(String(20))
    publish_date: Mapped[dt.date | None] = mapped_column(Date)
    related_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    record_count: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), index=True, default="draft")
    version: Mapped[int] = mapped_column(Integer, default=0)  # the published version shown to others
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The search version that last changed what search shows of it (see search_store); None before the first.
    search_version: Mapped[int | None] = mapped_column(Integer, index=True)

    department: Mapped[Department] = relationship()
    items: Mapped[list[DataItem]] = relationship(back_populates="resource", order_by="DataItem.position",
                                                 cascade="all, delete-orphan")


class DataItem(Base):
    """One data item (信息项) of a resource."""

    __tablename__ = "catalog_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(64), index=True)
    data_type: Mapped[str] = mapped_column(String(20))
    length: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitivity: Mapped[int] = mapped_column(Integer, default=1)
    authoritative: Mapped[bool] = mapped_column(Boolean, default=False)

    resource: Mapped[Resource] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("resource_id", "code", name="uq_catalog_items_resource_code"),)


class AuthoritativeSource(Base):
    """一数一源: the one resource (and department) that is the authoritative source of a data item code."""

    __tablename__ = "catalog_sources"

    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))


class ResourceVersion(Base):
    """A snapshot of a resource as published (metadata and items), for history and diffs."""

    __tablename__ = "catalog_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("resource_id", "version", name="uq_catalog_versions_resource_version"),)


class ReviewEvent(Base):
    """One step of a resource's lifecycle, with the comment people read (the audit log keeps the proof)."""

    __tablename__ = "catalog_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # create | update | submit | approve | return | retire
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchTerm(Base):
    """An index term (a CJK bigram or a word) of a published resource, with the weight of the field it came from.

    Keyed term first, so that a term's postings lie together: clustered on SQLite (no rowid), covering with the
    weight on PostgreSQL; a search reads a range and probes (term, resource) pairs without touching another table.
    """

    __tablename__ = "catalog_terms"

    term: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"))
    weight: Mapped[int] = mapped_column(Integer)

    __table_args__ = (PrimaryKeyConstraint("term", "resource_id", postgresql_include=["weight"]),
                      Index("ix_catalog_terms_resource_term", "resource_id", "term"),
                      {"sqlite_with_rowid": False})


class SearchState(Base):
    """One row: the version of what search shows, bumped by every transaction that changes it."""

    __tablename__ = "catalog_search_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Revision(Base):
    """A pending change to a published resource: the public keeps seeing the published row until it is approved."""

    __tablename__ = "catalog_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id", ondelete="CASCADE"), unique=True)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | submitted | returned
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
