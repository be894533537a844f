"""Doubtful-data flags (疑义): raised by the consumer, answered by the provider within the time limit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
