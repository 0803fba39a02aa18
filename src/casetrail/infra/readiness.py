"""Readiness checks for /readyz: each answers None when healthy, or why not."""

from __future__ import annotations

import psycopg

from casetrail.read_api.routes_health import ReadinessCheck


def postgres_check(database_url: str) -> ReadinessCheck:
    def check() -> str | None:
        try:
            with psycopg.connect(database_url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            return f"PostgreSQL unreachable: {str(error).strip().splitlines()[0]}"
        return None

    return check
