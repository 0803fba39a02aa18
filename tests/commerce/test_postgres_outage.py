"""PostgreSQL stopped and started again mid-stream: the consumer waits, then nothing is lost.

The consumer writes to a PostgreSQL server of this test's own (the stack's is shared), which
the test stops with ``pg_ctl stop -m fast`` while messages keep arriving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from casetrail.bootstrap.settings import Settings
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.platform.embedded_postgres import LocalPostgres, free_port
from tests.fixtures.kafka import (
    ConsumerThread,
    caught_up,
    expected_rows,
    produce,
    table_rows,
    wait_until,
)

pytestmark = pytest.mark.stack


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[LocalPostgres]:
    server = LocalPostgres(tmp_path / "postgres", port=free_port())
    server.start()
    server.create_database("context")
    yield server
    server.stop()


def test_postgres_stopped_mid_stream_loses_nothing(
    commerce_settings: Settings, own_postgres: LocalPostgres
) -> None:
    settings = commerce_settings.replaced(
        database_url=own_postgres.dsn("context"), commerce_batch_size=200
    )
    stream = list(CommerceStreamGenerator(seed=21, customers=100).messages(4_000))
    produce(settings, stream[:1_000])
    consumer = ConsumerThread(settings).start()
    try:
        wait_until(lambda: caught_up(settings), 60, "the first thousand")

        server_stopped = threading.Event()

        def keep_producing() -> None:
            # A live stream: half of it arrives while the server stops, half once it is down.
            for start in range(1_000, 4_000, 250):
                if start == 2_500:
                    server_stopped.wait(60)
                produce(settings, stream[start : start + 250])
                time.sleep(0.2)

        producer = threading.Thread(target=keep_producing)
        producer.start()
        time.sleep(0.5)
        own_postgres.stop()
        server_stopped.set()
        wait_until(
            lambda: consumer.metric("casetrail_commerce_retries_total", cause="database") >= 2,
            60,
            "the consumer to retry against the stopped server",
        )
        producer.join()
        own_postgres.start()
        wait_until(lambda: caught_up(settings), 90, "the consumer to catch up after the outage")
    finally:
        totals = consumer.close()
    assert consumer.error is None, consumer.error
    assert totals is not None
    # A commit cut off mid-acknowledgement is retried and then found stored: counted as
    # duplicates, never applied twice. The rows are the proof.
    assert totals.applied + totals.duplicates == 4_000
    assert table_rows(settings) == expected_rows(stream)
