"""Where the read models live: built by the wiring from the settings, connects on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow, dict_row

from casetrail.platform.subscriptions.storable_parameters import store_text_safely


class ReadModelDatastore(PostgresDatastore):
    """The library's datastore whose every connection writes text as the read models store
    it: the one place where the views' values become SQL parameters, for runners, rebuilds
    and anything else that writes view rows."""

    def after_connect_func(self) -> Callable[[psycopg.Connection[Any]], None]:
        configure = super().after_connect_func()

        def after_connect(conn: psycopg.Connection[Any]) -> None:
            configure(conn)
            store_text_safely(conn)

        return after_connect


@dataclass(frozen=True)
class Database:
    url: str
    pool_size: int = 4
    connect_timeout: int = 5

    def datastore(self, pool_size: int | None = None) -> ReadModelDatastore:
        """A pooled datastore for the views' transactions (opened on first use; it keeps
        ``pool_size`` connections open, so runners ask for few)."""
        url = urlsplit(self.url)
        return ReadModelDatastore(
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
