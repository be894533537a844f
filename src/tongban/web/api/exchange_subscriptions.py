"""Change subscriptions: a department's system pulls a base's change events with a cursor, or has them pushed."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
