"""Exchange API for department systems: look-ups by key, batches, filtered queries — granted items only, masked, with provenance, every call audited."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
