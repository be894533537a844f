"""Sharing request pages: the consumer's form and status, the provider's inbox with deadlines, grants, the operator's oversight and arbitration, exchange statistics."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
