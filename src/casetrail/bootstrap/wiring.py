"""Wiring: build casetrail's components from the settings, once, at the edge."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.commerce import CommerceWorker, open_customer_context
from casetrail.bootstrap.read_side import ReadSide, start_read_side
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import TimelineSide, invalidate_after_commit
from casetrail.cases.outbound.relay import CaseEventRelay
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce.context import CustomerContextReader
from casetrail.platform.embedded_postgres import LocalPostgres, free_port, port_in_use
from casetrail.platform.eventstore.memory_recorder import MemoryFactory
from casetrail.platform.shared_postgres import SharedPostgres
from casetrail.privacy.analyst_views import prepare_analyst_views
from casetrail.privacy.keys import MemoryCustomerKeys, PostgresCustomerKeys
from casetrail.privacy.shredding import KeyCache, shredding

EMBEDDED_DATABASE = "casetrail"


class StartupError(RuntimeError):
    """A setting or the machine keeps casetrail from starting; the message is one line."""


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        "POSTGRES_POOL_SIZE": str(settings.database_pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
    }


def build_postgres_desk(database_url: str, settings: Settings) -> SupportDesk:
    # Personal fields of events are stored encrypted with keys kept in the same database.
    keys = KeyCache(PostgresCustomerKeys(database_url), settings.privacy_key_cache_seconds)
    return SupportDesk(
        postgres_env(database_url, settings),
        clock=utc_now,
        new_id=uuid.uuid4,
        max_commands_per_commit=settings.max_commands_per_commit,
        wrap_mapper=shredding(keys),
        idempotency_retention=timedelta(hours=settings.idempotency_retention_hours),
    )


def build_memory_desk() -> SupportDesk:
    return SupportDesk(
        {"PERSISTENCE_MODULE": f"{MemoryFactory.__module__}:{MemoryFactory.__qualname__}"},
        clock=utc_now,
        new_id=uuid.uuid4,
        wrap_mapper=shredding(KeyCache(MemoryCustomerKeys(), ttl_seconds=0)),
    )


class BackgroundWorkers:
    """Long-running loops (relay, consumers) in threads of this process, each stopped by
    one shared event."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, name: str, run: Callable[[threading.Event], None]) -> None:
        thread = threading.Thread(target=run, args=(self._stop,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)


@dataclass
class Runtime:
    """What one casetrail process holds: its settings, its desk, and what it started."""

    settings: Settings
    database_url: str
    desk: SupportDesk
    embedded: LocalPostgres | None
    # The read models (and, when settings.run_workers, their runners in this process).
    read_side: ReadSide | None = None
    metrics_registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Commerce context: its reader, and the consumer when this process runs one.
    customer_context: CustomerContextReader | None = None
    commerce_worker: CommerceWorker | None = None
    # The 360° timeline: view, readers, answer cache and its invalidation.
    timeline: TimelineSide | None = None


@contextlib.contextmanager
def runtime(
    settings: Settings, *, relay: bool = False, commerce_consumer: bool = False
) -> Iterator[Runtime]:
    """Start what the settings ask for (an embedded PostgreSQL by default) and wire it.

    The projections run here when ``settings.run_workers``; the case-event relay and the
    commerce consumer only when asked for (and Kafka is configured): ``casetrail serve``
    composes them, each other command runs the one thing it is for. An embedded PostgreSQL
    is shared with the other casetrail processes of the data directory (see
    ``shared_postgres``)."""
    with contextlib.ExitStack() as engines:
        embedded: LocalPostgres | None = None
        if settings.database_url is None:
            embedded = engines.enter_context(embedded_database(settings.data_dir))
            database_url = embedded.dsn(EMBEDDED_DATABASE)
        else:
            database_url = str(settings.database_url)
            check_database(database_url)
        with _wired(
            settings,
            database_url,
            embedded,
            relay=relay,
            commerce_consumer=commerce_consumer,
        ) as running:
            yield running


@contextlib.contextmanager
def _wired(
    settings: Settings,
    database_url: str,
    embedded: LocalPostgres | None,
    *,
    relay: bool,
    commerce_consumer: bool,
) -> Iterator[Runtime]:
    desk: SupportDesk | None = None
    read_side: ReadSide | None = None
    workers = BackgroundWorkers()
    customer_context = None
    timeline: TimelineSide | None = None
    try:
        desk = build_postgres_desk(database_url, settings)
        registry = CollectorRegistry()
        timeline = TimelineSide(settings, database_url, registry)
        read_side = start_read_side(
            desk,
            database_url,
            settings,
            registry,
            run_projections=settings.run_workers,
            after_commit=invalidate_after_commit(timeline.invalidation),
        )
        timeline.prepare()
        # After the read models and the timeline view: the masked views analysts query.
        prepare_analyst_views(database_url)
        if relay and settings.kafka_bootstrap_servers:
            case_event_relay = CaseEventRelay(
                desk, database_url, settings.kafka_bootstrap_servers, registry
            )
            workers.start("case-event-relay", case_event_relay.run)
        customer_context = open_customer_context(database_url)
        commerce_worker = None
        if commerce_consumer and settings.kafka_bootstrap_servers:
            commerce_worker = CommerceWorker(
                settings, database_url, registry, timeline=timeline.invalidation
            )
            workers.start("commerce-consumer", commerce_worker.run)
        yield Runtime(
            settings=settings,
            database_url=database_url,
            desk=desk,
            embedded=embedded,
            read_side=read_side,
            metrics_registry=registry,
            customer_context=customer_context,
            commerce_worker=commerce_worker,
            timeline=timeline,
        )
    finally:
        workers.stop()
        if timeline is not None:
            timeline.close()
        if customer_context is not None:
            customer_context.close()
        if read_side is not None:
            read_side.close()
        if desk is not None:
            desk.close()
