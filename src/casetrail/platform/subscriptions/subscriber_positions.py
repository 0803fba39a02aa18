"""Where each subscriber's committed position is kept: one row per subscriber name.

A commit locks the row first and moves it only forward, so a follower that lost its lock
without knowing it (its lock connection died mid-batch) can never move a position back or
make a transactional effect twice: it finds the position already past its events.
"""

from __future__ import annotations

from psycopg import Connection, Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

SUBSCRIPTION_POSITIONS = "subscription_positions"


class SubscriberPositions:
    def __init__(self, table: str = SUBSCRIPTION_POSITIONS) -> None:
        self.table = Identifier(table)

    def ensure(self, conn: Connection[DictRow], name: str) -> None:
        conn.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " name text PRIMARY KEY, position bigint NOT NULL,"
                " updated_at timestamptz NOT NULL DEFAULT now())"
            ).format(self.table)
        )
        conn.execute(
            SQL(
                "INSERT INTO {} (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING"
            ).format(self.table),
            (name,),
        )

    def read(self, conn: Connection[DictRow], name: str) -> int:
        row = conn.execute(
            SQL("SELECT position FROM {} WHERE name = %s").format(self.table), (name,)
        ).fetchone()
        return int(row["position"]) if row else 0

    def lock(self, curs: Cursor[DictRow], name: str) -> int:
        """The committed position, its row locked until the transaction ends."""
        row = curs.execute(
            SQL("SELECT position FROM {} WHERE name = %s FOR UPDATE").format(self.table), (name,)
        ).fetchone()
        return int(row["position"]) if row else 0

    def advance(self, curs: Cursor[DictRow], name: str, position: int) -> None:
        curs.execute(
            SQL(
                "UPDATE {} SET position = %s, updated_at = now() WHERE name = %s AND position < %s"
            ).format(self.table),
            (position, name, position),
        )
