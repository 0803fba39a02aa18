"""The event store's database and desk, built from the settings at the edge.

``event_store_database`` yields the URL every role of the process uses: the configured
PostgreSQL (checked once, so an unreachable one is named with its cause), or the embedded
default's, shared with the other casetrail processes of the data directory and stopped when
the last of them leaves.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg

from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.embedded_postgres import LocalPostgres, free_port, port_in_use
from casetrail.platform.eventstore.memory_recorder import MemoryFactory
from casetrail.platform.shared_postgres import SharedPostgres
from casetrail.privacy.keys import MemoryCustomerKeys, PostgresCustomerKeys
from casetrail.privacy.shredding import KeyCache, shredding

EMBEDDED_DATABASE = "casetrail"


class StartupError(RuntimeError):
    """A setting or the machine keeps casetrail from starting; the message is one line."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EventStoreDatabase:
    url: str
    # The embedded default's PostgreSQL, when no CASETRAIL_DATABASE_URL is set.
    embedded: LocalPostgres | None = None

    def describe(self) -> str:
        if self.embedded is not None:
            return f"embedded PostgreSQL in {self.embedded.data_dir}"
        return "PostgreSQL at CASETRAIL_DATABASE_URL"


@contextlib.contextmanager
def event_store_database(settings: Settings) -> Iterator[EventStoreDatabase]:
    if settings.database_url is not None:
        check_database(settings.database_url)
        yield EventStoreDatabase(settings.database_url)
        return
    with embedded_database(settings.data_dir) as cluster:
        yield EventStoreDatabase(cluster.dsn(EMBEDDED_DATABASE), cluster)


def check_database(database_url: str) -> None:
    """Connect once, so that an unreachable database is named with its cause at the start."""
    url = urlsplit(database_url)
    where = f"{url.hostname or 'localhost'}:{url.port or 5432}{url.path}"
    try:
        with psycopg.connect(database_url, connect_timeout=5):
            pass
    except psycopg.Error as error:
        # The URL may carry a password: never repeat it.
        cause = str(error).replace(database_url, "the URL").strip().splitlines()
        raise StartupError(
            f"PostgreSQL at {where} (CASETRAIL_DATABASE_URL) cannot be reached:"
            f" {cause[0] if cause else type(error).__name__}"
        ) from None


@contextlib.contextmanager
def embedded_database(data_dir: Path) -> Iterator[LocalPostgres]:
    """The embedded default's PostgreSQL, with casetrail's database: started unless another
    casetrail process on ``data_dir`` runs it, stopped when the last of them leaves."""
    shared = SharedPostgres(data_dir)
    try:
        shared.prepare()
    except OSError as error:
        raise StartupError(
            f"cannot use CASETRAIL_DATA_DIR {data_dir}: {error.strerror or error}"
        ) from None
    with shared.use(lambda: embedded_postgres(data_dir)) as cluster:
        cluster.create_database(EMBEDDED_DATABASE)
        yield cluster


def embedded_postgres(data_dir: Path) -> LocalPostgres:
    """The embedded default's PostgreSQL: data and chosen port kept under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port_file = data_dir / "postgres.port"
    cluster = LocalPostgres(data_dir / "postgres", port=0)
    port = int(port_file.read_text()) if port_file.exists() else 0
    if not port or (port_in_use(port) and not cluster.is_running()):
        port = free_port()
        port_file.write_text(str(port))
    return LocalPostgres(data_dir / "postgres", port=port)


def postgres_env(database_url: str, settings: Settings) -> dict[str, str]:
    url = urlsplit(database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": (
            "casetrail.platform.eventstore.postgres_recorder:SupportEventRecorder"
        ),
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(settings.database.pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
    }


def build_postgres_desk(database_url: str, settings: Settings) -> SupportDesk:
    # Personal fields of events are stored encrypted with keys kept in the same database.
    keys = KeyCache(PostgresCustomerKeys(database_url), settings.privacy.key_cache_seconds)
    return SupportDesk(
        postgres_env(database_url, settings),
        clock=utc_now,
        new_id=uuid.uuid4,
        max_commands_per_commit=settings.event_store.max_commands_per_commit,
        wrap_mapper=shredding(keys),
        idempotency_retention=timedelta(hours=settings.event_store.idempotency_retention_hours),
    )


def build_memory_desk() -> SupportDesk:
    return SupportDesk(
        {"PERSISTENCE_MODULE": f"{MemoryFactory.__module__}:{MemoryFactory.__qualname__}"},
        clock=utc_now,
        new_id=uuid.uuid4,
        wrap_mapper=shredding(KeyCache(MemoryCustomerKeys(), ttl_seconds=0)),
    )
