"""Reads the timeline view straight from PostgreSQL: the embedded default's reader, and the
fallback when Trino is down or slow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from casetrail.timeline.model import TimelinePage, TimelineQuery, page_from_newest_first
from casetrail.timeline.queries import entry_from_row, timeline_sql
from casetrail.timeline.view import TIMELINE_VIEW


class PostgresTimelineReader:
    name = "postgres"

    def __init__(
        self, database_url: str, *, pool_size: int = 4, statement_timeout_ms: int = 5_000
    ) -> None:
        # Each query is bounded, so a fallback never hangs a request on a sick database.
        self._pool = ConnectionPool(
            database_url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True},
            configure=_statement_timeout(statement_timeout_ms),
            open=False,
            name="timeline",
        )

    def open(self) -> None:
        """Start connecting in the background (the first read waits for a connection)."""
        self._pool.open(wait=False)

    def close(self) -> None:
        self._pool.close()

    def read(self, query: TimelineQuery) -> TimelinePage:
        statement, params = timeline_sql(TIMELINE_VIEW, query, "%s")
        with self._pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement.encode(), params, prepare=True)
            rows = [entry_from_row(row) for row in cursor.fetchall()]
        return page_from_newest_first(rows, query.limit)


def _statement_timeout(milliseconds: int) -> Callable[[psycopg.Connection[Any]], None]:
    statement = f"SET statement_timeout = {milliseconds:d}".encode()

    def configure(conn: psycopg.Connection[Any]) -> None:
        conn.execute(statement)

    return configure
