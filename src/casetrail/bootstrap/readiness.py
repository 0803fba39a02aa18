"""Readiness checks for /readyz: each answers None when healthy, or why not."""

from __future__ import annotations

import math

import psycopg

from casetrail.platform.http.routes_health import ReadinessCheck
from casetrail.platform.subscriptions.status import CachedStatus


def postgres_check(database_url: str) -> ReadinessCheck:
    def check() -> str | None:
        try:
            with psycopg.connect(database_url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            return f"PostgreSQL unreachable: {str(error).strip().splitlines()[0]}"
        return None

    return check


def projections_check(status: CachedStatus, max_lag_seconds: float) -> ReadinessCheck:
    """Down when a projection is further behind than ``max_lag_seconds``, is stuck at an
    event it cannot apply, or has events to apply and no runner anywhere applying them."""

    def check() -> str | None:
        problems = []
        for projection in status.read():
            if projection.lag_events == 0:
                continue
            if not projection.runner_active:
                problems.append(
                    f"{projection.projection}: {projection.lag_events} events behind and no "
                    "runner active (casetrail serve or casetrail project)"
                )
            elif math.isnan(projection.lag_seconds):
                problems.append(f"{projection.projection}: stopped at an event it cannot apply")
            elif projection.lag_seconds > max_lag_seconds:
                problems.append(
                    f"{projection.projection}: {projection.lag_seconds:.0f} s behind "
                    f"({projection.lag_events} events)"
                )
        return "; ".join(problems) or None

    return check
