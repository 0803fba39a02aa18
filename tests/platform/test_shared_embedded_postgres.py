"""Servers on one data directory share its embedded PostgreSQL: the last one out stops it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from casetrail.bootstrap.event_store import embedded_postgres
from casetrail.platform.server_process import ServerProcess, start_server
from tests.fixtures.auth import supervisor_headers

pytestmark = pytest.mark.integration


def opens_a_case(server: ServerProcess, subject: str) -> bool:
    response = httpx.post(
        f"{server.base_url}/support/cases",
        json={"customer_id": "cust-shared", "subject": subject},
        headers=supervisor_headers(),
        timeout=30,
    )
    return response.status_code == 201


def test_a_second_server_leaving_keeps_the_first_ones_postgres(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        second = start_server(tmp_path)
        assert second.stop() == 0
        assert httpx.get(f"{first.base_url}/readyz", timeout=30).status_code == 200
        assert opens_a_case(first, "After the second server left")
    finally:
        assert first.stop() == 0
    assert not embedded_postgres(tmp_path).is_running()


def test_a_server_outliving_the_one_that_started_postgres_stops_it_last(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    second = start_server(tmp_path)
    try:
        first.kill_hard()
        assert opens_a_case(second, "After the first server died")
    finally:
        assert second.stop() == 0
    assert not embedded_postgres(tmp_path).is_running()
