"""Case events in PostgreSQL: one row per event of every case, as the timeline shows it.

The case list keeps only each case's current state; the timeline needs every step (opened,
status changes, assignments, escalations…), so this view keeps them, with the kind, summary
and payload already worked out (see ``casetrail.cases.projections.case_event_entries``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.projections.case_event_entries import case_event_entry
from casetrail.cases.queries import CASE_EVENTS
from casetrail.platform.subscriptions.view import BatchedView

COLUMNS = ("case_id", "version", "at", "kind", "summary", "payload")


class CaseEventsView(BatchedView):
    projection_name = CASE_EVENTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.table = self.qualified(self.table_prefix)
        self._copy = SQL("COPY {} ({}) FROM STDIN").format(
            self.table, SQL(", ").join(Identifier(column) for column in COLUMNS)
        )

    def create_statements(self) -> list[Composed]:
        table = self.qualified(self.table_prefix)
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " case_id uuid NOT NULL,"
                " version integer NOT NULL,"
                " at timestamptz NOT NULL,"
                " kind text NOT NULL,"
                " summary text NOT NULL,"
                " payload jsonb NOT NULL,"
                " PRIMARY KEY (case_id, version))"
            ).format(table),
            # Analysts' reports over time ("escalations per week") scan by kind and time.
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (kind, at)").format(
                Identifier(f"{self.table_prefix}_kind"), table
            ),
        ]

    def public_views(self) -> Mapping[str, Composed]:
        return {CASE_EVENTS: self.qualified(self.table_prefix)}

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        """Delete the rows these streams' events made: every step of these cases."""
        curs.execute(
            SQL("DELETE FROM {} WHERE case_id = ANY(%s)").format(self.table), (list(stream_ids),)
        )

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        entries = [case_event_entry(event) for event in events if isinstance(event, Ticket.Event)]
        if not entries:
            return
        with curs.copy(self._copy) as copy:
            for entry in entries:
                copy.write_row(
                    (
                        entry.case_id,
                        entry.version,
                        entry.at,
                        entry.kind,
                        entry.summary,
                        Jsonb(entry.payload),
                    )
                )
