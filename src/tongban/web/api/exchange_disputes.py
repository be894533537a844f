"""Doubtful-data flags (疑义) raised by a department's system about a value it received."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
