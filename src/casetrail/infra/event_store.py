"""The event store on PostgreSQL: the eventsourcing library's recorder, plus idempotency
records written in the same transaction as the events they answer for, plus the sequence
that numbers cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from casetrail.commands.ports import IdempotencyRecord


class SupportEventRecorder(PostgresApplicationRecorder):
    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        prefix = events_table_name.removesuffix("_events")
        schema = Identifier(datastore.schema)
        self._idempotency_table = SQL("{}.{}").format(schema, Identifier(f"{prefix}_idempotency"))
        self._case_number_sequence = SQL("{}.{}").format(
            schema, Identifier(f"{prefix}_case_numbers")
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " key text PRIMARY KEY,"
                " fingerprint text NOT NULL,"
                " result jsonb NOT NULL,"
                " recorded_at timestamptz NOT NULL DEFAULT now())"
            ).format(self._idempotency_table)
        )
        self.sql_create_statements.append(
            SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(self._case_number_sequence)
        )

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency_records") or ()
        if records:
            curs.executemany(
                SQL("INSERT INTO {} (key, fingerprint, result) VALUES (%s, %s, %s)").format(
                    self._idempotency_table
                ),
                [(record.key, record.fingerprint, Jsonb(record.result)) for record in records],
            )
        super()._insert_events(curs, stored_events, **kwargs)

    def select_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self.datastore.get_connection() as conn:
            row = conn.execute(
                SQL("SELECT key, fingerprint, result FROM {} WHERE key = %s").format(
                    self._idempotency_table
                ),
                (key,),
                prepare=True,
            ).fetchone()
        if row is None:
            return None
        return IdempotencyRecord(
            key=row["key"], fingerprint=row["fingerprint"], result=row["result"]
        )

    def allocate_case_numbers(self, count: int) -> list[int]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                SQL("SELECT nextval(%s::regclass) AS n FROM generate_series(1, %s)"),
                (self._case_number_sequence.as_string(conn), count),
            ).fetchall()
        return [int(row["n"]) for row in rows]
