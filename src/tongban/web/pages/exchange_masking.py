"""The operator's masking rules: how each personal item leaves the platform when a grant does not say clear."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
