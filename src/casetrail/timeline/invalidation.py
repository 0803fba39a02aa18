"""Dropping cached timelines after commits: the projection runners and the commerce
consumer call this once their transaction committed.

A case event or message names its stream (case or conversation), whose generation is bumped.
A commerce event names a customer and maybe an order; the cases they concern are looked up
in the case list (the case's own customer, or the order it names), and theirs are bumped.
When the cache cannot be reached the ids are kept and sent with the next call; answers
live 60 s, which bounds what an outage can leave behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable
from uuid import UUID

import psycopg
from psycopg.rows import tuple_row

from casetrail.cases.published import CASE_LIST

logger = logging.getLogger(__name__)

Bump = Callable[[Iterable[str]], None]

_CASES_OF_CONTEXT = (
    f"SELECT id FROM {CASE_LIST} WHERE customer_id = ANY(%(customers)s)"
    f" UNION SELECT id FROM {CASE_LIST} WHERE order_id = ANY(%(orders)s)"
).encode()


class CacheInvalidation:
    def __init__(
        self, bump: Bump, database_url: str, *, errors: tuple[type[BaseException], ...]
    ) -> None:
        self._bump = bump
        self._database_url = database_url
        self._errors = errors
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def streams_changed(self, stream_ids: Iterable[UUID]) -> None:
        self._send({str(stream_id) for stream_id in stream_ids})

    def context_changed(self, customer_ids: Collection[str], order_ids: Collection[str]) -> None:
        if not customer_ids and not order_ids:
            return
        try:
            case_ids = self._cases_of(list(customer_ids), list(order_ids))
        except psycopg.errors.UndefinedTable:
            return  # no read models in this database yet: no timeline can have been cached
        except psycopg.Error as error:
            # The consumer committed a moment ago, so this is rare; the answers expire.
            logger.warning("timeline cache: cannot find the cases of context events: %s", error)
            return
        self._send({str(case_id) for case_id in case_ids})

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _send(self, ids: set[str]) -> None:
        with self._lock:
            ids |= self._pending
            if not ids:
                return
            try:
                self._bump(ids)
            except self._errors as error:
                if not self._pending:
                    logger.warning(
                        "timeline cache: cannot invalidate (%s); will retry with the next", error
                    )
                self._pending = ids
                return
            if self._pending:
                logger.info("timeline cache: invalidations delivered again")
            self._pending = set()

    def _cases_of(self, customer_ids: list[str], order_ids: list[str]) -> list[object]:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._database_url, autocommit=True, row_factory=tuple_row
                )
            try:
                rows = self._conn.execute(
                    _CASES_OF_CONTEXT, {"customers": customer_ids, "orders": order_ids}
                ).fetchall()
            except psycopg.OperationalError:
                self._conn.close()
                raise
        return [row[0] for row in rows]
