"""Where the read models live: built by the wiring from the settings, connects on demand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow, dict_row


@dataclass(frozen=True)
class Database:
    url: str
    pool_size: int = 4
    connect_timeout: int = 5

    def datastore(self, pool_size: int | None = None) -> PostgresDatastore:
        """A pooled datastore for the views' transactions (opened on first use; it keeps
        ``pool_size`` connections open, so runners ask for few)."""
        url = urlsplit(self.url)
        return PostgresDatastore(
            dbname=url.path.lstrip("/") or "postgres",
            host=url.hostname or "127.0.0.1",
            port=url.port or 5432,
            user=unquote(url.username or "postgres"),
            password=unquote(url.password or ""),
            connect_timeout=self.connect_timeout,
            pool_size=pool_size or self.pool_size,
            pre_ping=True,
        )

    def connect(self, **kwargs: Any) -> psycopg.Connection[DictRow]:
        """A dedicated connection (advisory locks, LISTEN, schema changes), autocommit."""
        return psycopg.connect(
            self.url,
            autocommit=True,
            row_factory=dict_row,
            connect_timeout=self.connect_timeout,
            **kwargs,
        )
