"""我的数据使用记录: a citizen's or company's record of every access to their data; holds on disclosure."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
