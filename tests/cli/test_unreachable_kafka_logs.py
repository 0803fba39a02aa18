"""A worker facing a Kafka that is not there says so in a bounded number of lines, in
JSON, rather than one for every reconnection librdkafka makes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor

pytestmark = pytest.mark.integration

WATCHED_SECONDS = 25.0
# librdkafka's lines of each kind (6 a minute) and the relay's own: once, then each 30 s.
MOST_LINES = 20


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_relay_reports_an_unreachable_kafka_in_a_bounded_number_of_json_lines(
    postgres_desk: SupportDesk, database_url: str, tmp_path: Path
) -> None:
    postgres_desk.open_case(
        OpenCase(customer_id="cust-1", subject="Waiting for Kafka", description=""),
        CommandContext(actor=Actor(subject="agent-1", role="AGENT")),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env |= {
        "CASETRAIL_DATABASE_URL": database_url,
        "CASETRAIL_DATA_DIR": str(tmp_path),
        "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed_port()}",
    }
    relay = subprocess.Popen(
        [sys.executable, "-m", "casetrail", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(WATCHED_SECONDS)
    relay.terminate()
    _, stderr = relay.communicate(timeout=60)

    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert len(stderr.splitlines()) == len(lines), stderr  # every line is JSON
    from_kafka = [line for line in lines if line["logger"] == "casetrail.kafka.librdkafka"]
    assert from_kafka, "librdkafka's lines go through casetrail's logging"
    assert all(line["role"] == "relay" for line in from_kafka)
    assert len(lines) <= MOST_LINES, "\n".join(line["event"] for line in lines)
