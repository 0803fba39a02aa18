"""The directory's clock at the edge: commands are stamped with UTC now."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
