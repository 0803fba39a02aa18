"""librdkafka's lines go through Python logging, a bounded number of them: a client facing
a Kafka that is not there does not flood the log."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from confluent_kafka import Producer

from casetrail.platform.kafka_logs import (
    LOGGER_NAME,
    LinesPerKind,
    librdkafka_logger,
    limit_librdkafka_lines,
)

pytestmark = pytest.mark.integration

PER_MINUTE = 3
WATCHED_SECONDS = 8.0


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[Kept]:
    limit_librdkafka_lines(PER_MINUTE)
    handler = Kept()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def limiter() -> LinesPerKind:
    return next(f for f in logging.getLogger(LOGGER_NAME).filters if isinstance(f, LinesPerKind))


def test_an_unreachable_kafka_prints_a_bounded_number_of_lines(
    kept: Kept, closed_port: int
) -> None:
    producer = Producer(
        {
            "bootstrap.servers": f"127.0.0.1:{closed_port}",
            "reconnect.backoff.ms": 10,
            "reconnect.backoff.max.ms": 100,
            "logger": librdkafka_logger(),
        }
    )
    producer.produce("support.case.opened", b"{}")
    deadline = time.monotonic() + WATCHED_SECONDS
    while time.monotonic() < deadline:
        producer.poll(0.2)
    del producer

    kinds = {record.args[0] for record in kept.records if isinstance(record.args, tuple)}
    assert kept.records, "librdkafka's lines should reach Python logging"
    assert len(kept.records) <= PER_MINUTE * len(kinds)
    assert limiter().held_back > len(kept.records)  # far more were said than printed


def test_the_first_line_of_the_next_minute_says_how_many_were_held_back() -> None:
    now = [0.0]
    limit = LinesPerKind(2, window_seconds=60, clock=lambda: now[0])

    def line() -> logging.LogRecord:
        return logging.LogRecord(
            LOGGER_NAME, logging.ERROR, __file__, 1, "%s [%s] %s", ("FAIL", "c", "down"), None
        )

    passed = [limit.filter(line()) for _ in range(5)]
    assert passed == [True, True, False, False, False]
    now[0] = 61.0
    first = line()
    assert limit.filter(first)
    assert first.held_back == 3
