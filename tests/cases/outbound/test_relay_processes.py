"""The relay as users run it: alone (`casetrail relay`), or inside `casetrail serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from casetrail.cases.outbound.relay import RELAY_NAME
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.kernel.actor import Actor
from casetrail.platform.server_process import start_server
from casetrail.platform.subscriptions.status import StatusReader
from tests.fixtures.auth import supervisor_headers
from tests.fixtures.relay import consuming, receive

pytestmark = pytest.mark.stack


def casetrail_process(
    command: str, stack: Stack, database_url: str, log: Path, **extra_env: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env["CASETRAIL_DATABASE_URL"] = database_url
    env["CASETRAIL_KAFKA_BOOTSTRAP_SERVERS"] = stack.kafka.bootstrap_servers
    env.update(extra_env)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "casetrail", command], env=env, stdout=out, stderr=out
        )


def relay_process(
    stack: Stack, database_url: str, log: Path, **extra_env: str
) -> subprocess.Popen[bytes]:
    return casetrail_process("relay", stack, database_url, log, **extra_env)


def opened_case_ids(messages: list[bytes]) -> list[str]:
    return [json.loads(value)["case_id"] for value in messages]


def test_a_kill_9_of_the_relay_loses_nothing(
    stack: Stack, relay_desk: SupportDesk, stack_database: str, tmp_path: Path
) -> None:
    log = tmp_path / "relay.log"
    context = CommandContext(actor=Actor("agent-1", "AGENT"))
    opened: list[str] = []

    def open_cases() -> None:
        for n in range(300):
            result = relay_desk.open_case(OpenCase(f"cust-{n}", f"Case {n}", ""), context)
            opened.append(str(result.case_id))

    relay = relay_process(stack, stack_database, log)
    writer = threading.Thread(target=open_cases)
    writer.start()
    time.sleep(1.5)
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=10)
    writer.join()
    restarted = relay_process(stack, stack_database, log)
    try:
        with consuming(stack, ["support.case.opened"]) as consumer:
            seen: set[str] = set()
            deadline = time.monotonic() + 120
            while not set(opened) <= seen and time.monotonic() < deadline:
                seen |= set(opened_case_ids([m.value for m in receive(consumer, 500, timeout=2)]))
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=30) == 0, log.read_text()[-3000:]
    assert len(opened) == 300
    assert set(opened) <= seen, f"{len(set(opened) - seen)} cases never published"
    assert "relay stopped" in log.read_text()


def test_the_relay_runs_the_relay_only(
    stack: Stack, relay_desk: SupportDesk, stack_database: str, tmp_path: Path
) -> None:
    log = tmp_path / "relay.log"
    group = f"test-commerce-{uuid.uuid4().hex[:10]}"
    context = CommandContext(actor=Actor("agent-1", "AGENT"))
    opened = {
        str(relay_desk.open_case(OpenCase(f"cust-{n}", f"Case {n}", ""), context).case_id)
        for n in range(3)
    }
    relay = relay_process(stack, stack_database, log, CASETRAIL_COMMERCE_CONSUMER_GROUP=group)
    try:
        with consuming(stack, ["support.case.opened"]) as consumer:
            seen: set[str] = set()
            deadline = time.monotonic() + 120
            while not opened <= seen and time.monotonic() < deadline:
                seen |= set(opened_case_ids([m.value for m in receive(consumer, 100, timeout=2)]))
        assert opened <= seen, "the relay never published the cases"
        # Published: the relay is fully up. Nothing else of casetrail ran in its process.
        statuses = StatusReader(
            relay_desk, lambda: psycopg.connect(stack_database, row_factory=dict_row)
        ).read()
        assert [s.projection for s in statuses if s.position or s.runner_active] == []
        groups = stack.kafka.admin().list_consumer_groups().result(timeout=30).valid
        assert group not in {listing.group_id for listing in groups}
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0, log.read_text()[-3000:]


def test_project_runs_the_projections_only(
    stack: Stack, relay_desk: SupportDesk, stack_database: str, tmp_path: Path
) -> None:
    log = tmp_path / "project.log"
    group = f"test-commerce-{uuid.uuid4().hex[:10]}"
    context = CommandContext(actor=Actor("agent-1", "AGENT"))
    for n in range(3):
        relay_desk.open_case(OpenCase(f"cust-{n}", f"Case {n}", ""), context)
    project = casetrail_process(
        "project", stack, stack_database, log, CASETRAIL_COMMERCE_CONSUMER_GROUP=group
    )
    status = StatusReader(relay_desk, lambda: psycopg.connect(stack_database, row_factory=dict_row))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
            s.position == s.head and s.runner_active for s in status.read()
        ):
            time.sleep(0.2)
        assert all(s.position == s.head for s in status.read()), "the projections never ran"
        # Projected: the process is fully up. No relay and no consumer ran in it.
        with psycopg.connect(stack_database, autocommit=True) as conn:
            free = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (RELAY_NAME,))
            assert free.fetchone() == (True,), "a relay holds the relay's lock"
        groups = stack.kafka.admin().list_consumer_groups().result(timeout=30).valid
        assert group not in {listing.group_id for listing in groups}
    finally:
        project.send_signal(signal.SIGTERM)
        assert project.wait(timeout=30) == 0, log.read_text()[-3000:]


def test_serve_publishes_when_kafka_is_configured_and_kcat_reads_it(
    stack: Stack, stack_database: str, tmp_path: Path, kcat: str
) -> None:
    server = start_server(
        tmp_path,
        stack_database,
        extra_env={"CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": stack.kafka.bootstrap_servers},
    )
    try:
        case = httpx.post(
            f"{server.base_url}/support/cases",
            json={"customer_id": "cust-kcat", "subject": "Seen by kcat"},
            headers=supervisor_headers(),
        ).json()
        found = None
        deadline = time.monotonic() + 60
        while found is None and time.monotonic() < deadline:
            out = subprocess.run(
                [
                    kcat,
                    "-C",
                    "-b",
                    stack.kafka.bootstrap_servers,
                    "-t",
                    "support.case.opened",
                    "-o",
                    "beginning",
                    "-e",
                    "-q",
                    "-f",
                    "%k\t%s\n",
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
            found = next((line for line in out.splitlines() if line.startswith(case["id"])), None)
    finally:
        assert server.stop() == 0
    assert found is not None, "support.case.opened never reached kcat"
    body = json.loads(found.split("\t", 1)[1])
    assert (body["case_number"], body["subject"]) == (case["case_number"], "Seen by kcat")
