"""A department's change subscriptions and their webhook deliveries."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
