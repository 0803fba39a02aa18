"""The event store on PostgreSQL: the eventsourcing library's recorder, plus idempotency
records written in the same transaction as the events they answer for (kept for a stated
retention, deleted sooner when their case's customer is erased), plus the sequence that
numbers cases.

Processes that start together (API replicas, the projector, the relay) create the schema one
at a time: PostgreSQL refuses two sessions running the same ``CREATE OR REPLACE FUNCTION`` at
once ("tuple concurrently updated"), which would stop one of them at start-up.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier
from psycopg.types.json import Jsonb

from casetrail.platform.eventstore.ports import IdempotencyRecord
from casetrail.platform.migrations import MIGRATION_LOCK_CLASS

# The second key of the advisory lock the event store's schema creation takes.
SCHEMA_LOCK_KEY = 0x5C4E


class SupportEventRecorder(PostgresApplicationRecorder):
    def create_table(self) -> None:
        """Create the schema under an advisory lock, on a connection of its own (the pool's
        connections run the statements)."""
        kwargs = self.datastore.pool.kwargs
        settings = {**(kwargs() if callable(kwargs) else kwargs or {}), "autocommit": True}
        with psycopg.connect(**settings) as lock_conn:
            lock_conn.execute(
                "SELECT pg_advisory_lock(%s, %s)", (MIGRATION_LOCK_CLASS, SCHEMA_LOCK_KEY)
            )
            super().create_table()

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
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (recorded_at)").format(
                Identifier(f"{prefix}_idempotency_recorded"), self._idempotency_table
            )
        )
        self.sql_create_statements.append(
            SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(self._case_number_sequence)
        )
        events_table = SQL("{}.{}").format(schema, Identifier(events_table_name))
        # For events recorded inside a caller's transaction (``in_transaction``).
        self.lock_statement = SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(events_table)
        self.stream_versions_statement = SQL(
            "SELECT originator_id, max(originator_version) AS version FROM {}"
            " WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(events_table)
        self._select_streams = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {}"
            " WHERE originator_id = ANY(%s) ORDER BY notification_id"
        ).format(events_table)
        append_function = SQL("{}.{}").format(schema, Identifier(f"{prefix}_append"))
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE FUNCTION {function}("
                " ids {id_type}[], versions bigint[], topics text[], states bytea[],"
                " keys text[], fingerprints text[], results jsonb[])"
                " RETURNS TABLE (notification_id bigint) LANGUAGE plpgsql AS $$"
                " BEGIN"
                "   LOCK TABLE {events} IN EXCLUSIVE MODE;"
                "   NOTIFY {channel};"
                "   INSERT INTO {idempotency} (key, fingerprint, result)"
                "     SELECT * FROM unnest(keys, fingerprints, results);"
                "   RETURN QUERY INSERT INTO {events} AS e"
                "     (originator_id, originator_version, topic, state)"
                "     SELECT * FROM unnest(ids, versions, topics, states)"
                "     RETURNING e.notification_id;"
                " END $$"
            ).format(
                function=append_function,
                id_type=SQL(datastore.originator_id_type),
                events=events_table,
                channel=Identifier(self.channel_name),
                idempotency=self._idempotency_table,
            )
        )
        self.append_statement = SQL(
            "SELECT notification_id FROM {}("
            "%s::{}[], %s::bigint[], %s::text[], %s::bytea[], %s::text[], %s::text[], %s::jsonb[])"
        ).format(append_function, SQL(datastore.originator_id_type))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Write a batch of events (and idempotency records) in one round trip.

        The library's generic path costs about a dozen round trips per call; on the command
        hot path this calls one server-side function, in its own transaction, whatever the
        batch size. It takes the same table lock as the library, which keeps notification
        ids in commit order across processes.
        """
        records: Sequence[IdempotencyRecord] = kwargs.get("idempotency_records") or ()
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                self.append_statement,
                (
                    [event.originator_id for event in stored_events],
                    [event.originator_version for event in stored_events],
                    [event.topic for event in stored_events],
                    [event.state for event in stored_events],
                    [record.key for record in records],
                    [record.fingerprint for record in records],
                    [Jsonb(record.result) for record in records],
                ),
                prepare=True,
            ).fetchall()
        # Ids are drawn in row order, so sorted ids match the events' order.
        return sorted(row["notification_id"] for row in rows)

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

    def expire_idempotency_records(self, older_than: timedelta) -> int:
        with self.datastore.get_connection() as conn:
            cursor = conn.execute(
                SQL("DELETE FROM {} WHERE recorded_at < now() - %s").format(
                    self._idempotency_table
                ),
                (older_than,),
            )
            return cursor.rowcount

    def delete_idempotency_records(self, case_ids: Collection[UUID]) -> int:
        with self.datastore.get_connection() as conn:
            cursor = conn.execute(
                SQL("DELETE FROM {} WHERE result->>'case_id' = ANY(%s)").format(
                    self._idempotency_table
                ),
                ([str(case_id) for case_id in case_ids],),
            )
            return cursor.rowcount

    def select_stream_notifications(self, stream_ids: Collection[UUID]) -> list[Notification]:
        """Every event of these streams with its notification id, in notification order."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(self._select_streams, (list(stream_ids),)).fetchall()
        return [
            Notification(
                id=row["notification_id"],
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def allocate_case_numbers(self, count: int) -> list[int]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                SQL("SELECT nextval(%s::regclass) AS n FROM generate_series(1, %s)"),
                (self._case_number_sequence.as_string(conn), count),
            ).fetchall()
        return [int(row["n"]) for row in rows]
