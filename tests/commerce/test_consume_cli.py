"""`casetrail consume` as a process: SIGTERM stores the batch and leaves; kill -9 loses
nothing; a message from the third-party kcat client is applied."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import ConsumerGroupState
from confluent_kafka.admin import AdminClient

from casetrail.bootstrap.settings import Settings
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.schema import CONTEXT_EVENTS, ORDERS
from casetrail.commerce.topics import TopicMap
from tests.fixtures.commerce_fakes import order_event
from tests.fixtures.kafka import (
    caught_up,
    expected_rows,
    message,
    produce,
    stored_positions,
    table_rows,
    wait_until,
)

pytestmark = pytest.mark.stack

StartConsume = Callable[..., subprocess.Popen[str]]


def consume_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    assert settings.kafka.bootstrap_servers
    return {
        **os.environ,
        "CASETRAIL_DATA_DIR": str(data_dir),
        "CASETRAIL_DATABASE_URL": str(settings.database_url),
        "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
        "CASETRAIL_COMMERCE_TOPIC_PREFIX": settings.commerce.topic_prefix,
        "CASETRAIL_COMMERCE_CONSUMER_GROUP": settings.commerce.consumer_group,
        "CASETRAIL_COMMERCE_BATCH_WAIT_SECONDS": "0.1",
        **extra,
    }


@pytest.fixture
def start_consume(commerce_settings: Settings, tmp_path: Path) -> Iterator[StartConsume]:
    started: list[subprocess.Popen[str]] = []

    def start(**extra: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "casetrail", "consume"],
            env=consume_env(commerce_settings, tmp_path, **extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def logged_events(settings: Settings) -> int:
    with psycopg.connect(str(settings.database_url)) as conn:
        try:
            row = conn.execute(f"SELECT count(*) FROM {CONTEXT_EVENTS}").fetchone()
        except psycopg.errors.UndefinedTable:
            return 0
    return int(row[0]) if row else 0


def positions_match_rows(settings: Settings) -> bool:
    """Each message of a clean stream is one event: the stored positions must account for
    exactly the events in the log, never a batch half-stored."""
    return sum(stored_positions(settings).values()) == logged_events(settings)


def group_state(settings: Settings) -> ConsumerGroupState:
    assert settings.kafka.bootstrap_servers
    admin = AdminClient({"bootstrap.servers": settings.kafka.bootstrap_servers})
    group = settings.commerce.consumer_group
    description = admin.describe_consumer_groups([group])[group].result(timeout=30)
    return description.state


def test_sigterm_stores_the_batch_in_hand_leaves_the_group_and_exits_0(
    commerce_settings: Settings, start_consume: StartConsume
) -> None:
    stream = list(CommerceStreamGenerator(seed=31, customers=200).messages(40_000))
    produce(commerce_settings, stream[:2_000])
    process = start_consume(CASETRAIL_COMMERCE_BATCH_SIZE="2000")
    wait_until(lambda: caught_up(commerce_settings), 90, "the first batches")
    produce(commerce_settings, stream[2_000:])
    wait_until(lambda: logged_events(commerce_settings) > 2_000, 60, "more batches")

    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)

    assert process.returncode == 0, output
    assert "stopped after" in output
    assert positions_match_rows(commerce_settings)
    assert group_state(commerce_settings) == ConsumerGroupState.EMPTY


def test_kill_9_mid_batch_then_a_restart_gives_identical_rows(
    commerce_settings: Settings, start_consume: StartConsume
) -> None:
    stream = list(CommerceStreamGenerator(seed=32, customers=500).messages(60_000))
    produce(commerce_settings, stream)
    process = start_consume(CASETRAIL_COMMERCE_BATCH_SIZE="3000")
    wait_until(lambda: logged_events(commerce_settings) >= 6_000, 90, "a few batches")
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert not caught_up(commerce_settings), "killed too late to be mid-stream"
    assert positions_match_rows(commerce_settings)

    restarted = start_consume()
    wait_until(lambda: caught_up(commerce_settings), 120, "the restarted consumer")
    restarted.send_signal(signal.SIGTERM)
    output, _ = restarted.communicate(timeout=60)

    assert restarted.returncode == 0, output
    assert table_rows(commerce_settings) == expected_rows(stream)


def test_a_message_produced_by_kcat_is_applied(
    commerce_settings: Settings, start_consume: StartConsume, kcat: str
) -> None:
    assert commerce_settings.kafka.bootstrap_servers
    topic = TopicMap(commerce_settings.commerce.topic_prefix).name("order.status.changed")
    event = order_event("kcat-1", 0, "confirmed", order_id="ord-kcat", customer_id="cust-kcat")
    subprocess.run(
        [
            kcat,
            "-P",
            "-b",
            commerce_settings.kafka.bootstrap_servers,
            "-t",
            topic,
            "-k",
            "cust-kcat",
        ],
        input=json.dumps(event),
        text=True,
        check=True,
        timeout=60,
    )
    process = start_consume()
    wait_until(lambda: caught_up(commerce_settings), 60, "the kcat message")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    with psycopg.connect(str(commerce_settings.database_url)) as conn:
        rows = conn.execute(f"SELECT order_id, customer_id, status FROM {ORDERS}").fetchall()
    assert rows == [("ord-kcat", "cust-kcat", "confirmed")]


def test_past_the_dead_letter_limit_consume_halts_with_one_line_and_status_1(
    commerce_settings: Settings, start_consume: StartConsume
) -> None:
    produce(
        commerce_settings,
        [message("payment.authorized", b"<html>502 Bad Gateway</html>") for _ in range(3)],
    )
    process = start_consume(CASETRAIL_COMMERCE_DLQ_LIMIT="2")
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 1
    last = output.strip().splitlines()[-1]
    assert last.startswith("Error: 3 messages would go to the dead-letter topics")
    assert "CASETRAIL_COMMERCE_DLQ_LIMIT" in last
    # Not drained: the batch that broke the limit was not stored.
    assert max(stored_positions(commerce_settings).values(), default=0) < 3
