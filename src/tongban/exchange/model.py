"""Exchange tables: the working-day calendar — which years are loaded and from where, and their special days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UTCDateTime, utcnow


class CalendarYear(Base):
    """A year whose schedule of holidays and make-up working days is loaded: from the chinese-calendar library or
    from the State Council's notice (国务院办公厅关于部分节假日安排的通知) as the operator loaded it."""

    __tablename__ = "exchange_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))  # "chinese-calendar 1.11.0", "国办发明电〔2026〕x号", a file name
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(100))


class SpecialDay(Base):
    """A day that is not what its weekday says: a holiday (节假日, a weekday or weekend day off) or a make-up
    working day (调休上班, a Saturday or Sunday worked). ``year`` is the schedule that set it: a notice may move the
    last days of December before its year (元旦), and the schedule loaded last decides a day."""

    __tablename__ = "exchange_calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("exchange_calendar_years.year"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | makeup_workday
    name: Mapped[str] = mapped_column(String(60), default="")  # 春节, 国庆节 …

    __table_args__ = (CheckConstraint("kind IN ('holiday', 'makeup_workday')", name="kind"),)
