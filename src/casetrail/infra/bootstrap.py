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

from prometheus_client import CollectorRegistry

from casetrail.commands.desk import SupportDesk
from casetrail.infra.case_event_relay import CaseEventRelay
from casetrail.infra.commerce.wiring import CommerceWorker, open_customer_context
from casetrail.infra.local_postgres import LocalPostgres, free_port, port_in_use
from casetrail.infra.memory_store import MemoryFactory
from casetrail.infra.privacy.analyst_views import prepare_analyst_views
from casetrail.infra.privacy.keys import MemoryCustomerKeys, PostgresCustomerKeys
from casetrail.infra.privacy.shredding import KeyCache, shredding
from casetrail.infra.read_side import ReadSide, start_read_side
from casetrail.infra.settings import Settings
from casetrail.infra.timeline.wiring import TimelineSide, invalidate_after_commit
from casetrail.projections.commerce_context import CustomerContextReader

EMBEDDED_DATABASE = "casetrail"


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        "APPLICATION_RECORDER_TOPIC": "casetrail.infra.event_store:SupportEventRecorder",
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

    def close(self) -> None:
        if self.read_side is not None:
            self.read_side.close()
        self.desk.close()
        if self.embedded is not None:
            self.embedded.stop()


@contextlib.contextmanager
def runtime(settings: Settings, *, share_embedded: bool = False) -> Iterator[Runtime]:
    """Start what the settings ask for (an embedded PostgreSQL by default) and wire it.

    With ``share_embedded`` an embedded PostgreSQL that was already running (another
    casetrail process uses it) is left running at the end."""
    embedded: LocalPostgres | None = None
    embedded_was_running = False
    if settings.database_url is None:
        embedded = embedded_postgres(settings.data_dir)
        embedded_was_running = share_embedded and embedded.is_running()
        embedded.start()
        embedded.create_database(EMBEDDED_DATABASE)
        database_url = embedded.dsn(EMBEDDED_DATABASE)
    else:
        database_url = str(settings.database_url)
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
        if settings.run_workers and settings.kafka_bootstrap_servers:
            relay = CaseEventRelay(desk, database_url, settings.kafka_bootstrap_servers, registry)
            workers.start("case-event-relay", relay.run)
        customer_context = open_customer_context(database_url)
        commerce_worker = None
        if settings.run_workers and settings.kafka_bootstrap_servers:
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
        if embedded is not None and not embedded_was_running:
            embedded.stop()
