"""What the roles of one process share: the event store's database and desk, the metrics
registry, and the contexts' projections (registered with the subscription platform)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.contexts import CONTEXTS, Contexts, register_projections
from casetrail.bootstrap.event_store import (
    EventStoreDatabase,
    build_postgres_desk,
    event_store_database,
)
from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.subscriptions.database import Database


@dataclass(frozen=True)
class ProcessCore:
    settings: Settings
    database: EventStoreDatabase
    desk: SupportDesk
    registry: CollectorRegistry
    projections: tuple[str, ...]
    contexts: Contexts

    @property
    def database_url(self) -> str:
        return self.database.url

    def read_database(self) -> Database:
        """Connections for the read side: half the event store's pool."""
        pool_size = max(2, self.settings.database.pool_size // 2)
        return Database(self.database.url, pool_size=pool_size)


@contextlib.contextmanager
def process_core(settings: Settings, contexts: Contexts = CONTEXTS) -> Iterator[ProcessCore]:
    projections = tuple(register_projections(contexts))
    with event_store_database(settings) as database:
        desk = build_postgres_desk(database.url, settings)
        try:
            yield ProcessCore(settings, database, desk, CollectorRegistry(), projections, contexts)
        finally:
            desk.close()
