"""A kill -9 of the server loses no acknowledged command and leaves no half-recorded one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from casetrail.bootstrap.event_store import embedded_postgres
from casetrail.platform.server_process import start_server
from tests.fixtures.auth import supervisor_headers

pytestmark = pytest.mark.integration

UNLIMITED = {"CASETRAIL_RATE_LIMIT_PER_MINUTE": "1000000"}


def hammer(
    base_url: str, stop: threading.Event, acknowledged: list[str], failures: list[str]
) -> None:
    with httpx.Client(base_url=base_url, timeout=5, headers=supervisor_headers()) as client:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                response = client.post(
                    "/support/cases",
                    json={"customer_id": f"cust-{n}", "subject": f"Case {n}", "tags": ["crash"]},
                )
            except httpx.HTTPError:
                return  # the server died under us: this request was never acknowledged
            if response.status_code == 201:
                acknowledged.append(response.json()["id"])
            else:
                failures.append(response.text)


def test_kill_9_loses_no_acknowledged_case(tmp_path: Path, database_url: str) -> None:
    # Eight clients as fast as they can: far past any sensible rate limit, on purpose.
    server = start_server(tmp_path, database_url, extra_env=UNLIMITED)
    stop = threading.Event()
    acknowledged: list[str] = []
    failures: list[str] = []
    clients = [
        threading.Thread(target=hammer, args=(server.base_url, stop, acknowledged, failures))
        for _ in range(8)
    ]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill_hard()
    stop.set()
    for client in clients:
        client.join()
    assert failures == []
    assert len(acknowledged) >= 300

    with psycopg.connect(database_url) as conn:
        stored = {
            str(row[0])
            for row in conn.execute(
                "SELECT originator_id FROM support_events WHERE topic = %s",
                ("casetrail.ticket.Opened.v1",),
            )
        }
    assert set(acknowledged) <= stored
    # Anything recorded beyond the acknowledged ones is whole: a readable, complete case.
    restarted = start_server(tmp_path, database_url, extra_env=UNLIMITED)
    try:
        with httpx.Client(
            base_url=restarted.base_url, timeout=5, headers=supervisor_headers()
        ) as client:
            for case_id in stored:
                case = client.get(f"/support/cases/{case_id}")
                assert case.status_code == 200
                assert case.json()["tags"] == ["crash"]
    finally:
        assert restarted.stop() == 0


def test_embedded_default_starts_reuses_its_data_and_stops_cleanly(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    case_id = httpx.post(
        f"{server.base_url}/support/cases",
        json={"customer_id": "c", "subject": "Embedded"},
        headers=supervisor_headers(),
    ).json()["id"]
    server.kill_hard()  # the embedded PostgreSQL outlives a crashed server...
    again = start_server(tmp_path)  # ...and the next start picks it up, data intact
    try:
        assert (
            httpx.get(
                f"{again.base_url}/support/cases/{case_id}", headers=supervisor_headers()
            ).json()["subject"]
            == "Embedded"
        )
    finally:
        assert again.stop() == 0
    assert "casetrail: stopped" in again.log.read_text()
    assert not embedded_postgres(tmp_path).is_running()
