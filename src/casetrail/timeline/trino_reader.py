"""Reads the timeline view through Trino's ``support`` catalog, as analysts do."""

from __future__ import annotations

import math
import threading
from urllib.parse import urlsplit

import trino
from opentelemetry.trace import SpanKind

from casetrail.platform.tracing import span
from casetrail.timeline.model import TimelinePage, TimelineQuery, page_from_newest_first
from casetrail.timeline.queries import entry_from_row, timeline_sql
from casetrail.timeline.view import TIMELINE_VIEW

SUPPORT_CATALOG = "support"
TRINO_USER = "casetrail"


class TrinoTimelineReader:
    name = "trino"

    def __init__(self, url: str, *, schema: str = "public", timeout_seconds: float = 2.0) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if parts.scheme == "https" else 8080)
        self._scheme = parts.scheme or "http"
        self._user = parts.username or TRINO_USER
        self._schema = schema
        self._timeout = timeout_seconds
        self._relation = f'{SUPPORT_CATALOG}."{schema}".{TIMELINE_VIEW}'
        # A trino connection holds an HTTP session, which is not shared between threads.
        self._local = threading.local()

    def read(self, query: TimelineQuery) -> TimelinePage:
        statement, params = timeline_sql(self._relation, query, "?")
        attributes = {"db.system": "trino", "db.statement": statement}
        with span("trino query", attributes, SpanKind.CLIENT):
            cursor = self._connection().cursor()
            try:
                cursor.execute(statement, params)
                rows = [entry_from_row(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
        return page_from_newest_first(rows, query.limit)

    def _connection(self) -> trino.dbapi.Connection:
        connection: trino.dbapi.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = trino.dbapi.connect(  # type: ignore[no-untyped-call]
                host=self._host,
                port=self._port,
                http_scheme=self._scheme,
                user=self._user,
                catalog=SUPPORT_CATALOG,
                schema=self._schema,
                # The caller gives up after the timeout (and reads PostgreSQL); each HTTP call
                # gives up a little later, and Trino abandons the query, so a reader that was
                # given up on does not keep a worker busy for long.
                request_timeout=self._timeout + 1.0,
                # The PostgreSQL fallback is the retry: a refused connection fails at once.
                max_attempts=1,
                # Trino 418+ runs parameters with EXECUTE IMMEDIATE: one round trip, no probe.
                legacy_prepared_statements=False,
                session_properties={
                    "query_max_run_time": f"{max(1, math.ceil(self._timeout))}s",
                },
            )
            self._local.connection = connection
        return connection
