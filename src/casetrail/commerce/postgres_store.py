"""The context projections in PostgreSQL: rows, the event log and positions in one transaction.

A batch travels to the server by ``COPY`` into temporary staging tables (one round trip per
table, no per-row statements), then one ``INSERT … SELECT … ON CONFLICT`` per table applies
it. Upserts overwrite a row only with a newer event (see ``casetrail.commerce.plan``), so
applying a batch twice, or batches out of order, ends in the same rows.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from casetrail.commerce.events import CommerceEvent
from casetrail.commerce.plan import BatchPlan
from casetrail.commerce.ports import (
    Partition,
    Positions,
    StoreConflict,
    StoreRefused,
    StoreUnavailable,
)
from casetrail.commerce.schema import (
    COMPONENT,
    CONTEXT_EVENTS,
    FRAUD_ALERTS,
    MIGRATIONS,
    ORDERS,
    PAYMENTS,
    POSITIONS,
    SHIPMENTS,
)
from casetrail.platform.migrations import migrate

logger = logging.getLogger(__name__)

# What a dropped or refused connection looks like: retried for as long as it lasts.
TRANSIENT_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)
# A value the database will not take: never retried, its message is found and dead-lettered.
REFUSED_DATA_ERRORS = (psycopg.DataError, psycopg.IntegrityError)


@dataclass(frozen=True)
class Upsert:
    """A projection table whose rows keep the newest event per key."""

    table: str
    key: str
    columns: tuple[str, ...]
    types: tuple[str, ...]  # of the columns, for binary COPY
    event_time: str
    event_id: str
    # Columns merged whatever the order of events (e.g. when an order was first seen):
    # (column, merged value, when the merge changes it).
    merged: tuple[tuple[str, str, str], ...] = ()

    @property
    def stage(self) -> str:
        return f"stage_{self.table}"

    def statement(self) -> sql.Composed:
        table, stage = sql.Identifier(self.table), sql.Identifier(self.stage)
        newer = sql.SQL("(excluded.{t}, excluded.{e}) > (current_row.{t}, current_row.{e})").format(
            t=sql.Identifier(self.event_time), e=sql.Identifier(self.event_id)
        )
        merged = {column: value for column, value, _ in self.merged}
        # Without merged columns the WHERE clause alone keeps older events out; with them a
        # row may be updated for the merge only, so the other columns choose per row.
        keep_newer = (
            "{c} = CASE WHEN {newer} THEN excluded.{c} ELSE current_row.{c} END"
            if merged
            else "{c} = excluded.{c}"
        )
        assignments = []
        for column in self.columns:
            if column == self.key:
                continue
            name = sql.Identifier(column)
            if column in merged:
                assignments.append(sql.SQL("{} = " + merged[column]).format(name))
            else:
                assignments.append(sql.SQL(keep_newer).format(c=name, newer=newer))
        condition = sql.SQL(" OR ").join(
            [newer] + [sql.SQL(changes) for _, _, changes in self.merged]
        )
        columns = sql.SQL(", ").join(map(sql.Identifier, self.columns))
        return sql.SQL(
            "INSERT INTO {table} AS current_row ({columns}) SELECT {columns} FROM {stage}"
            " ON CONFLICT ({key}) DO UPDATE SET {assignments} WHERE {condition}"
        ).format(
            table=table,
            columns=columns,
            stage=stage,
            key=sql.Identifier(self.key),
            assignments=sql.SQL(", ").join(assignments),
            condition=condition,
        )


ORDER_UPSERT = Upsert(
    ORDERS,
    "order_id",
    (
        "order_id",
        "customer_id",
        "status",
        "total_amount",
        "currency",
        "item_count",
        "status_changed_at",
        "status_event_id",
        "first_seen_at",
    ),
    types=("text", "text", "text", "numeric", "text", "int4", "timestamptz", "text", "timestamptz"),
    event_time="status_changed_at",
    event_id="status_event_id",
    merged=(
        (
            "first_seen_at",
            "LEAST(current_row.first_seen_at, excluded.first_seen_at)",
            "excluded.first_seen_at < current_row.first_seen_at",
        ),
    ),
)
PAYMENT_UPSERT = Upsert(
    PAYMENTS,
    "payment_id",
    (
        "payment_id",
        "order_id",
        "customer_id",
        "amount",
        "currency",
        "method",
        "authorization_code",
        "authorized_at",
        "event_id",
    ),
    types=("text", "text", "text", "numeric", "text", "text", "text", "timestamptz", "text"),
    event_time="authorized_at",
    event_id="event_id",
)
SHIPMENT_UPSERT = Upsert(
    SHIPMENTS,
    "shipment_id",
    (
        "shipment_id",
        "order_id",
        "customer_id",
        "carrier",
        "tracking_number",
        "status",
        "estimated_delivery",
        "status_changed_at",
        "status_event_id",
    ),
    types=("text", "text", "text", "text", "text", "text", "date", "timestamptz", "text"),
    event_time="status_changed_at",
    event_id="status_event_id",
)
FRAUD_ALERT_UPSERT = Upsert(
    FRAUD_ALERTS,
    "alert_id",
    (
        "alert_id",
        "order_id",
        "customer_id",
        "severity",
        "rule",
        "score",
        "description",
        "raised_at",
        "event_id",
    ),
    types=("text", "text", "text", "text", "text", "float8", "text", "timestamptz", "text"),
    event_time="raised_at",
    event_id="event_id",
)
UPSERTS = (ORDER_UPSERT, PAYMENT_UPSERT, SHIPMENT_UPSERT, FRAUD_ALERT_UPSERT)
LOG_COLUMNS = ("event_id", "customer_id", "order_id", "topic", "occurred_at", "payload")
# The payload travels as bytes already in jsonb's binary input form (a version byte, 1, then
# the JSON text), declared as bytea so that the client sends them untouched: the event is
# serialised once, by pydantic, and never parsed or re-encoded on this side.
LOG_TYPES = ("text", "text", "text", "text", "timestamptz", "bytea")
JSONB_VERSION = b"\x01"


def jsonb_binary(event: CommerceEvent) -> bytes:
    return JSONB_VERSION + event.__pydantic_serializer__.to_json(event)


def plan_rows(plan: BatchPlan) -> dict[Upsert, list[tuple[Any, ...]]]:
    return {
        ORDER_UPSERT: [
            (
                order_id,
                row.latest.customer_id,
                row.latest.status.value,
                row.latest.total_amount,
                row.latest.currency,
                row.latest.item_count,
                row.latest.occurred_at,
                row.latest.event_id,
                row.first_seen_at,
            )
            for order_id, row in plan.orders.items()
        ],
        PAYMENT_UPSERT: [
            (
                payment_id,
                event.order_id,
                event.customer_id,
                event.amount,
                event.currency,
                event.method,
                event.authorization_code,
                event.occurred_at,
                event.event_id,
            )
            for payment_id, event in plan.payments.items()
        ],
        SHIPMENT_UPSERT: [
            (
                shipment_id,
                event.order_id,
                event.customer_id,
                event.carrier,
                event.tracking_number,
                event.status.value,
                event.estimated_delivery,
                event.occurred_at,
                event.event_id,
            )
            for shipment_id, event in plan.shipments.items()
        ],
        FRAUD_ALERT_UPSERT: [
            (
                alert_id,
                event.order_id,
                event.customer_id,
                event.severity.value,
                event.rule,
                event.score,
                event.description,
                event.occurred_at,
                event.event_id,
            )
            for alert_id, event in plan.fraud_alerts.items()
        ],
    }


def log_rows(events: Iterable[CommerceEvent]) -> Iterator[tuple[Any, ...]]:
    for event in events:
        yield (
            event.event_id,
            event.customer_id,
            event.related_order_id,
            event.TOPIC,
            event.occurred_at,
            jsonb_binary(event),
        )


class PostgresContextTransaction:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def lock_positions(self, group: str, partitions: Collection[Partition]) -> Positions:
        ordered = sorted(partitions)
        topics = [topic for topic, _ in ordered]
        numbers = [partition for _, partition in ordered]
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            # Create missing rows first: a row that does not exist cannot be locked, and two
            # consumers seeing a partition for the first time must still take turns.
            cursor.execute(
                sql.SQL(
                    "INSERT INTO {} (consumer_group, topic, partition, next_offset)"
                    " SELECT %s, t, p, 0 FROM unnest(%s::text[], %s::integer[]) AS x(t, p)"
                    " ON CONFLICT DO NOTHING"
                ).format(sql.Identifier(POSITIONS)),
                (group, topics, numbers),
            )
            cursor.execute(
                sql.SQL(
                    "SELECT topic, partition, next_offset FROM {}"
                    " WHERE consumer_group = %s AND (topic, partition) IN"
                    " (SELECT * FROM unnest(%s::text[], %s::integer[]))"
                    " ORDER BY topic, partition FOR UPDATE"
                ).format(sql.Identifier(POSITIONS)),
                (group, topics, numbers),
            )
            return {(topic, partition): offset for topic, partition, offset in cursor}

    def apply(self, plan: BatchPlan) -> dict[str, int]:
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            for upsert, rows in plan_rows(plan).items():
                if rows:
                    self._copy(cursor, upsert.stage, upsert.columns, upsert.types, rows)
                    cursor.execute(upsert.statement())
            # The log is copied straight into its table, without the events it already has
            # (a redelivered event). Cheaper than staging it for INSERT … ON CONFLICT; a
            # concurrent writer of the same event makes the COPY fail and the batch retry.
            cursor.execute(
                sql.SQL("SELECT event_id FROM {} WHERE event_id = ANY(%s)").format(
                    sql.Identifier(CONTEXT_EVENTS)
                ),
                ([event.event_id for event in plan.log],),
            )
            present = {event_id for (event_id,) in cursor}
            new = [event for event in plan.log if event.event_id not in present]
            self._copy(cursor, CONTEXT_EVENTS, LOG_COLUMNS, LOG_TYPES, log_rows(new))
        return dict(Counter(event.TOPIC for event in new))

    def save_positions(self, group: str, positions: Mapping[Partition, int]) -> None:
        ordered = sorted(positions.items())
        self.conn.execute(
            sql.SQL(
                "UPDATE {} AS p SET next_offset = x.o, updated_at = now()"
                " FROM unnest(%s::text[], %s::integer[], %s::bigint[]) AS x(t, n, o)"
                " WHERE p.consumer_group = %s AND p.topic = x.t AND p.partition = x.n"
            ).format(sql.Identifier(POSITIONS)),
            (
                [topic for (topic, _), _ in ordered],
                [partition for (_, partition), _ in ordered],
                [offset for _, offset in ordered],
                group,
            ),
        )

    @staticmethod
    def _copy(
        cursor: psycopg.Cursor[Any],
        table: str,
        columns: Sequence[str],
        types: Sequence[str],
        rows: Iterable[tuple[Any, ...]],
    ) -> None:
        # Binary: the server parses no timestamps or numbers from text.
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with cursor.copy(statement) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)


class PostgresContextStore:
    """One connection, used by one consumer thread; reconnects after the server went away."""

    def __init__(self, database_url: str, *, connect_timeout: int = 5) -> None:
        self.database_url = database_url
        self.connect_timeout = connect_timeout
        self._conn: psycopg.Connection[Any] | None = None

    def migrate(self) -> None:
        """Create or upgrade the context tables (idempotent, safe to run concurrently)."""
        with (
            self._unavailable_as_transient(),
            psycopg.connect(self.database_url, connect_timeout=self.connect_timeout) as conn,
        ):
            applied = migrate(conn, COMPONENT, MIGRATIONS)
        if applied:
            logger.info("commerce context tables: applied migrations %s", applied)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PostgresContextTransaction]:
        with self._unavailable_as_transient():
            conn = self._connection()
            with conn.transaction():
                yield PostgresContextTransaction(conn)

    def positions(self, group: str, topics: Collection[str]) -> Positions:
        with self._unavailable_as_transient():
            rows = (
                self._connection()
                .cursor(row_factory=tuple_row)
                .execute(
                    sql.SQL(
                        "SELECT topic, partition, next_offset FROM {}"
                        " WHERE consumer_group = %s AND topic = ANY(%s)"
                    ).format(sql.Identifier(POSITIONS)),
                    (group, list(topics)),
                )
                .fetchall()
            )
        return {(topic, partition): offset for topic, partition, offset in rows}

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            conn = psycopg.connect(
                self.database_url, autocommit=True, connect_timeout=self.connect_timeout
            )
            _create_stages(conn)
            self._conn = conn
        return self._conn

    @contextlib.contextmanager
    def _unavailable_as_transient(self) -> Iterator[None]:
        try:
            yield
        except TRANSIENT_ERRORS as error:
            self.close()
            raise StoreUnavailable(f"PostgreSQL unavailable: {_first_line(error)}") from error
        except psycopg.errors.UniqueViolation as error:
            raise StoreConflict(f"stored concurrently: {_first_line(error)}") from error
        except REFUSED_DATA_ERRORS as error:
            raise StoreRefused(f"{type(error).__name__}: {_first_line(error)}") from error


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _create_stages(conn: psycopg.Connection[Any]) -> None:
    """Per-session staging tables; emptied at every commit, never logged to the WAL."""
    for upsert in UPSERTS:
        stage, table, columns = upsert.stage, upsert.table, upsert.columns
        conn.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS"
                " AS SELECT {columns} FROM {table} WITH NO DATA"
            ).format(
                stage=sql.Identifier(stage),
                columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
                table=sql.Identifier(table),
            )
        )
