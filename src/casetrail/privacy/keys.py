"""Per-customer data keys, which stream belongs to which customer, and the erasure log.

Two stores with one contract: PostgreSQL (next to the event store, so a backup holds keys
and events together) and memory (the in-memory desk of tests and demos).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casetrail.kernel.actor import Actor
from casetrail.platform.batched_writes import BatchedWrites
from casetrail.platform.migrations import Migration, migrate

COMPONENT = "customer_keys"
MIGRATIONS = (
    Migration(
        1,
        "customer keys, stream owners, erasure log",
        (
            """CREATE TABLE casetrail_customer_keys (
                customer_id text PRIMARY KEY,
                data_key bytea,  -- NULL once destroyed: a tombstone, never recreated
                created_at timestamptz NOT NULL DEFAULT now())""",
            """CREATE TABLE casetrail_stream_owners (
                stream_id uuid PRIMARY KEY,
                customer_id text NOT NULL)""",
            "CREATE INDEX ON casetrail_stream_owners (customer_id)",
            # Who asked for an erasure, and why: kept after the key is gone.
            """CREATE TABLE casetrail_erasures (
                id bigserial PRIMARY KEY,
                customer_id text NOT NULL,
                requested_by_subject text NOT NULL,
                requested_by_role text NOT NULL,
                reason text NOT NULL,
                key_existed boolean NOT NULL,
                erased_at timestamptz NOT NULL)""",
        ),
    ),
)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class CustomerKeys(Protocol):
    def key(self, customer_id: str, *, create: bool) -> bytes | None:
        """The customer's key; with ``create``, made on first use. None once destroyed
        (and, without ``create``, before it exists)."""
        ...

    def owner(self, stream_id: UUID) -> str | None: ...

    def record_owner(self, customer_id: str, stream_ids: Sequence[UUID]) -> None: ...

    def streams(self, customer_id: str) -> list[UUID]:
        """The streams (cases and their conversations) that belong to the customer."""
        ...

    def destroy(self, customer_id: str, actor: Actor, reason: str, at: datetime) -> bool:
        """Delete the key for good and log the erasure; answers whether a key existed.
        A destroyed customer's key is never made again (a tombstone stays)."""
        ...


class MemoryCustomerKeys:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, bytes | None] = {}  # None: destroyed
        self._owners: dict[UUID, str] = {}
        self.erasures: list[tuple[str, Actor, str, datetime]] = []

    def key(self, customer_id: str, *, create: bool) -> bytes | None:
        with self._lock:
            if customer_id not in self._keys and create:
                self._keys[customer_id] = new_key()
            return self._keys.get(customer_id)

    def owner(self, stream_id: UUID) -> str | None:
        with self._lock:
            return self._owners.get(stream_id)

    def record_owner(self, customer_id: str, stream_ids: Sequence[UUID]) -> None:
        with self._lock:
            for stream_id in stream_ids:
                self._owners.setdefault(stream_id, customer_id)

    def streams(self, customer_id: str) -> list[UUID]:
        with self._lock:
            return [stream for stream, owner in self._owners.items() if owner == customer_id]

    def destroy(self, customer_id: str, actor: Actor, reason: str, at: datetime) -> bool:
        with self._lock:
            existed = self._keys.get(customer_id) is not None
            self._keys[customer_id] = None
            self.erasures.append((customer_id, actor, reason, at))
            return existed


class PostgresCustomerKeys:
    """Reads on one connection, opened on first use and reopened after a failure (keys are
    read rarely: the cache holds them). Writes that commands wait for — a new customer's key,
    the owner of a new case's streams — go through batched writes on a connection of their
    own: concurrent commands share one commit instead of queueing one fsync each."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._write_conn: psycopg.Connection[Any] | None = None
        self._writes: BatchedWrites[_Write, bytes | None] = BatchedWrites(
            self._write_batch, name="casetrail-customer-keys"
        )

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
            migrate(conn, COMPONENT, MIGRATIONS)
            self._conn = conn
        return self._conn

    def _run(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            conn = self._connection()
            try:
                with conn.cursor() as cursor:
                    cursor.execute(statement, params)
                    return list(cursor.fetchall()) if cursor.description else []
            except psycopg.OperationalError:
                conn.close()
                raise

    def key(self, customer_id: str, *, create: bool) -> bytes | None:
        if create:
            return self._writes.submit(_KeyWanted(customer_id))
        rows = self._run(
            "SELECT data_key FROM casetrail_customer_keys WHERE customer_id = %s", (customer_id,)
        )
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def record_owner(self, customer_id: str, stream_ids: Sequence[UUID]) -> None:
        self._writes.submit(_Owned(customer_id, tuple(stream_ids)))

    def _write_batch(self, writes: Sequence[_Write]) -> list[bytes | None]:
        """One transaction for the batch (runs on the batching thread alone)."""
        conn = self._write_conn
        if conn is None or conn.closed or conn.broken:
            self._close_write_connection()
            conn = psycopg.connect(self._url, connect_timeout=5)
            migrate(conn, COMPONENT, MIGRATIONS)
            self._write_conn = conn
        wanted = sorted({write.customer_id for write in writes if isinstance(write, _KeyWanted)})
        owned = [
            (stream_id, write.customer_id)
            for write in writes
            if isinstance(write, _Owned)
            for stream_id in write.stream_ids
        ]
        try:
            with conn.transaction(), conn.cursor() as cursor:
                keys: dict[str, bytes | None] = {}
                if wanted:
                    # A destroyed key leaves its row with a NULL key: never created again.
                    cursor.execute(
                        "INSERT INTO casetrail_customer_keys (customer_id, data_key)"
                        " SELECT * FROM unnest(%s::text[], %s::bytea[])"
                        " ON CONFLICT (customer_id) DO NOTHING",
                        (wanted, [new_key() for _ in wanted]),
                    )
                    cursor.execute(
                        "SELECT customer_id, data_key FROM casetrail_customer_keys"
                        " WHERE customer_id = ANY(%s)",
                        (wanted,),
                    )
                    for customer_id, data_key in cursor.fetchall():
                        keys[customer_id] = None if data_key is None else bytes(data_key)
                if owned:
                    cursor.execute(
                        "INSERT INTO casetrail_stream_owners (stream_id, customer_id)"
                        " SELECT * FROM unnest(%s::uuid[], %s::text[])"
                        " ON CONFLICT (stream_id) DO NOTHING",
                        ([stream for stream, _ in owned], [owner for _, owner in owned]),
                    )
        except psycopg.OperationalError:
            conn.close()
            raise
        return [keys.get(w.customer_id) if isinstance(w, _KeyWanted) else None for w in writes]

    def _close_write_connection(self) -> None:
        if self._write_conn is not None and not self._write_conn.closed:
            self._write_conn.close()

    def owner(self, stream_id: UUID) -> str | None:
        rows = self._run(
            "SELECT customer_id FROM casetrail_stream_owners WHERE stream_id = %s", (stream_id,)
        )
        return str(rows[0][0]) if rows else None

    def streams(self, customer_id: str) -> list[UUID]:
        rows = self._run(
            "SELECT stream_id FROM casetrail_stream_owners WHERE customer_id = %s",
            (customer_id,),
        )
        return [row[0] for row in rows]

    def destroy(self, customer_id: str, actor: Actor, reason: str, at: datetime) -> bool:
        with self._lock:
            conn = self._connection()
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO casetrail_customer_keys (customer_id, data_key)"
                    " VALUES (%s, NULL) ON CONFLICT (customer_id) DO UPDATE SET data_key = NULL"
                    " RETURNING (SELECT data_key IS NOT NULL FROM casetrail_customer_keys"
                    " WHERE customer_id = %s)",
                    (customer_id, customer_id),
                )
                row = cursor.fetchone()
                existed = bool(row and row[0])
                cursor.execute(
                    "INSERT INTO casetrail_erasures (customer_id, requested_by_subject,"
                    " requested_by_role, reason, key_existed, erased_at)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    (customer_id, actor.subject, actor.role, reason, existed, at),
                )
            return existed

    def close(self) -> None:
        self._writes.close()
        self._close_write_connection()
        with self._lock:
            if self._conn is not None:
                self._conn.close()


@dataclass(frozen=True)
class _KeyWanted:
    """The customer's key, made if it does not exist yet."""

    customer_id: str


@dataclass(frozen=True)
class _Owned:
    """These streams belong to the customer."""

    customer_id: str
    stream_ids: tuple[UUID, ...]


_Write = _KeyWanted | _Owned
