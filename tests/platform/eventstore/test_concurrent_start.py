"""Processes that start together on a new database (API replicas, the projector, the relay)
all come up: the event store's schema is created by one at a time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.desk import SupportDesk

STARTING_TOGETHER = 6


def test_desks_started_at_once_on_a_new_database_all_come_up(database_url: str) -> None:
    settings = Settings(database_url=database_url, database_pool_size=2)  # type: ignore[arg-type]
    ready = threading.Barrier(STARTING_TOGETHER)

    def start() -> SupportDesk:
        ready.wait()
        return build_postgres_desk(database_url, settings)

    with ThreadPoolExecutor(STARTING_TOGETHER) as pool:
        futures = [pool.submit(start) for _ in range(STARTING_TOGETHER)]
        desks = [future.result(timeout=60) for future in futures]
    for desk in desks:
        assert desk.recorder.max_notification_id() is None
        desk.close()
