"""The operations dashboard (server-rendered)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
