"""The customer list's two homes: PostgreSQL (its stable view) and this process's memory
(folded straight from the notification log: tests and demos on the in-memory store)."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from typing import Any

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.errors import UndefinedTable
from psycopg.sql import SQL, Composed, Identifier

from casetrail.customers.projections.customer_fold import CustomerFold
from casetrail.customers.projections.rows import CUSTOMER_COLUMNS, CUSTOMER_LIST, CustomerRow
from casetrail.customers.queries import (
    CustomerPage,
    CustomerReadModel,
    CustomerSearch,
    matches,
)
from casetrail.platform.subscriptions.versions import POSITIONS_VIEW

_COLUMNS = SQL(", ").join(Identifier(name) for name in CUSTOMER_COLUMNS)
_TABLE = Identifier(CUSTOMER_LIST)
_POLL_SECONDS = 0.02
_BATCH = 1_000


class PostgresCustomerReadModel:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self._datastore = datastore

    def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            rows = self._fetch(
                SQL("SELECT notification_id FROM {} WHERE projection = %s").format(
                    Identifier(POSITIONS_VIEW)
                ),
                (CUSTOMER_LIST,),
            )
            if rows and int(rows[0]["notification_id"] or 0) >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)

    def search(self, search: CustomerSearch) -> CustomerPage:
        conditions: list[Composed] = []
        params: list[Any] = []

        def add(condition: str, *values: Any) -> None:
            conditions.append(Composed([SQL(condition)]))
            params.extend(values)

        if not search.include_merged:
            add("merged_into IS NULL")
        if search.email is not None:
            add("lower(email) = lower(%s)", search.email)
        for word in (search.name or "").split():
            add("strpos(lower(name), lower(%s)) > 0", word)
        if search.external_id is not None and search.external_system is not None:
            add("external_ids ->> %s = %s", search.external_system, search.external_id)
        elif search.external_id is not None:
            add(
                "EXISTS (SELECT 1 FROM jsonb_each_text(external_ids) e WHERE e.value = %s)",
                search.external_id,
            )
        elif search.external_system is not None:
            add("external_ids ? %s", search.external_system)
        if search.after is not None:
            add("(created_at, customer_id) > (%s, %s)", *search.after)
        statement = SQL(
            "SELECT {} FROM {} WHERE {} ORDER BY created_at, customer_id LIMIT %s"
        ).format(_COLUMNS, _TABLE, SQL(" AND ").join(conditions) if conditions else SQL("true"))
        rows = [CustomerRow(**row) for row in self._fetch(statement, [*params, search.limit + 1])]
        return _page(rows, search.limit)

    def rows(self, customer_ids: Collection[str]) -> dict[str, CustomerRow]:
        if not customer_ids:
            return {}
        try:
            found = self._fetch(
                SQL("SELECT {} FROM {} WHERE customer_id = ANY(%s)").format(_COLUMNS, _TABLE),
                (list(customer_ids),),
            )
        except UndefinedTable:
            # A process without the directory's read model (a tool, an older test rig):
            # cases show without their customer's name rather than fail.
            return {}
        return {row["customer_id"]: CustomerRow(**row) for row in found}

    def _fetch(self, statement: Composed, params: Any) -> list[dict[str, Any]]:
        with self._datastore.get_connection() as conn:
            return list(conn.execute(statement, params).fetchall())


class InProcessCustomerReadModel:
    """Catches up with the log before each query: always current, never for production."""

    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self._fold = CustomerFold()

    def wait_for(self, position: int, timeout: float) -> bool:
        del timeout
        self._catch_up()
        return self._position >= position

    def search(self, search: CustomerSearch) -> CustomerPage:
        self._catch_up()
        rows = sorted(
            (row for row in self._fold.rows.values() if matches(row, search)),
            key=lambda row: (row.created_at, row.customer_id),
        )
        if search.after is not None:
            after = search.after
            rows = [row for row in rows if (row.created_at, row.customer_id) > after]
        return _page(rows, search.limit)

    def rows(self, customer_ids: Collection[str]) -> dict[str, CustomerRow]:
        self._catch_up()
        wanted = set(customer_ids)
        return {
            row.customer_id: row for row in self._fold.rows.values() if row.customer_id in wanted
        }

    def _catch_up(self) -> None:
        with self._lock:
            while True:
                notifications = self._app.recorder.select_notifications(
                    start=self._position, limit=_BATCH, inclusive_of_start=False
                )
                if not notifications:
                    return
                self._fold.apply_all(
                    [self._app.mapper.to_domain_event(item) for item in notifications]
                )
                self._position = notifications[-1].id


def _page(rows: list[CustomerRow], limit: int) -> CustomerPage:
    page = rows[:limit]
    more = len(rows) > limit
    return CustomerPage(
        rows=page, next_key=(page[-1].created_at, page[-1].customer_id) if more else None
    )


def default_customer_read_model(app: Application[Any], *, projected: bool) -> CustomerReadModel:
    """The PostgreSQL list when the event store is PostgreSQL and its read models are
    projected; otherwise one folded in this process."""
    recorder = app.recorder
    if projected and isinstance(recorder, PostgresApplicationRecorder):
        return PostgresCustomerReadModel(recorder.datastore)
    return InProcessCustomerReadModel(app)
