"""A materialised view that writes its rows and its tracking position in one transaction.

It is the eventsourcing library's ``PostgresTrackingRecorder`` (same tracking table, so the
library's ``max_tracking_id`` and ``wait`` work on it) with batches: many events per
transaction, applied only if they come after the tracked position. The tracking row is
locked first, so two writers can never both apply the same event: the second one waits,
then sees the new position and skips what the first one applied. An event an operator
parked (see ``parking``) comes as a ``ParkedEvent``: the position passes it, no row is written.

The read models' connections store text PostgreSQL cannot hold (NUL, unpaired surrogates)
as U+FFFD (see ``database.ReadModelDatastore``), so no event stops a view that way.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from casetrail.platform.subscriptions.parking import ParkedEvent, parked_between

# A notification id and the domain event it carries (or a ``ParkedEvent`` in its place).
Numbered = tuple[int, Any]


class BatchedView(PostgresTrackingRecorder):
    projection_name: str = ""

    def __init__(
        self, datastore: PostgresDatastore, *, tracking_table_name: str, **kwargs: Any
    ) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        # Tables of this version are named after its tracking table: <name>_v<n>_<what>.
        self.table_prefix = tracking_table_name.removesuffix("_tracking")
        self._tracking = self.qualified(tracking_table_name)
        self.sql_create_statements.extend(self.create_statements())

    def qualified(self, name: str) -> Composed:
        return SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(name))

    @abstractmethod
    def create_statements(self) -> list[Composed]:
        """DDL for this version's tables and indexes (idempotent)."""

    @abstractmethod
    def public_views(self) -> Mapping[str, Composed]:
        """Stable view names that queries read -> this version's table behind each."""

    @abstractmethod
    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        """Write the rows for these events (already known to be new to this view)."""

    def apply(
        self,
        application_name: str,
        batch: Sequence[Numbered],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> int:
        """Apply the events of ``batch`` not yet applied, and advance the tracked position to
        the batch's last notification id, in one transaction. Answers the new position."""
        with self.datastore.transaction(commit=True) as curs:
            tracked, last = self._write_fresh(curs, application_name, batch)
            if last == tracked:
                return tracked
            if before_commit is not None:
                before_commit()
        return last

    def rehearse(self, application_name: str, batch: Sequence[Numbered]) -> None:
        """Apply ``batch`` as ``apply`` would, then roll everything back: raises what applying
        it raises (how an operator sees why a projection is blocked)."""
        with self.datastore.transaction(commit=False) as curs:
            self._write_fresh(curs, application_name, batch)

    def parked_between(self, after: int, up_to: int) -> set[int]:
        """Notification ids in (``after``, ``up_to``] that an operator parked for this
        projection: its runners and rebuilds pass over them."""
        with self.datastore.transaction(commit=False) as curs:
            return parked_between(curs, self.projection_name, after, up_to)

    def _write_fresh(
        self, curs: Cursor[DictRow], application_name: str, batch: Sequence[Numbered]
    ) -> tuple[int, int]:
        """Write the rows of the events after the tracked position and track the batch's
        last id; answers the position found and the position now tracked."""
        if not batch:
            raise ValueError("an empty batch has no position to track")
        tracked = self._lock_position(curs, application_name)
        last = batch[-1][0]
        if last <= tracked:
            return tracked, tracked
        fresh = [
            event
            for number, event in batch
            if number > tracked and not isinstance(event, ParkedEvent)
        ]
        if fresh:
            self.write(curs, fresh)
        curs.execute(
            SQL("UPDATE {} SET notification_id = %s WHERE application_name = %s").format(
                self._tracking
            ),
            (last, application_name),
            prepare=True,
        )
        return tracked, last

    def ensure_tracking(self, application_name: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("INSERT INTO {} VALUES (%s, 0) ON CONFLICT DO NOTHING").format(self._tracking),
                (application_name,),
            )

    def position(self, application_name: str) -> int:
        return self.max_tracking_id(application_name) or 0

    def _lock_position(self, curs: Cursor[DictRow], application_name: str) -> int:
        select = SQL("SELECT notification_id FROM {} WHERE application_name = %s FOR UPDATE")
        row = curs.execute(
            select.format(self._tracking), (application_name,), prepare=True
        ).fetchone()
        if row is None:
            curs.execute(
                SQL("INSERT INTO {} VALUES (%s, 0) ON CONFLICT DO NOTHING").format(self._tracking),
                (application_name,),
            )
            row = curs.execute(select.format(self._tracking), (application_name,)).fetchone()
            assert row is not None
        return int(row["notification_id"] or 0)
