"""Log lines people can use: one JSON line per request with its request id, route, status,
latency, principal and case; the id kept from or returned in X-Request-ID; worker lines
carrying their role; human-readable lines on a terminal."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient

from casetrail.bootstrap.event_store import build_memory_desk
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.bootstrap.roles.base import LoopRole
from casetrail.platform.logs import LogFormat, configure_logging
from tests.fixtures.auth import bearer, unlimited


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.fixture
def stream(restored_logging: None) -> io.StringIO:
    captured = io.StringIO()
    configure_logging(LogFormat.AUTO, "INFO", stream=captured)
    return captured


@pytest.fixture
def api() -> Iterator[TestClient]:
    desk = build_memory_desk()
    app = build_api_app(ApiDependencies(desk, authentication=unlimited()))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    desk.close()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def request_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in lines(stream) if line.get("event") == "request"]


def test_a_request_is_one_json_line_with_its_id_route_status_latency_principal_and_case(
    api: TestClient, stream: io.StringIO
) -> None:
    staff = bearer("SUPERVISOR", "sup-9")
    opened = api.post(
        "/support/cases", json={"customer_id": "cust-1", "subject": "Hi"}, headers=staff
    )
    case_id = opened.json()["id"]
    read = api.get(f"/support/cases/{case_id}", headers={**staff, "X-Request-ID": "trace-42"})

    assert read.headers["x-request-id"] == "trace-42"
    opening, reading = request_lines(stream)
    assert reading["request_id"] == "trace-42"
    assert reading["method"] == "GET"
    assert reading["route"] == "/support/cases/{case_id}"
    assert reading["status"] == 200
    assert reading["latency_ms"] >= 0
    assert reading["principal"] == "SUPERVISOR:sup-9"
    assert reading["ticket_id"] == case_id
    assert reading["level"] == "info"
    assert "timestamp" in reading
    # The case a command opened is named too, though its path has no id.
    assert opening["route"] == "/support/cases"
    assert opening["status"] == 201
    assert opening["ticket_id"] == case_id
    assert opening["request_id"] == opened.headers["x-request-id"]


def test_a_request_without_an_id_gets_one_and_an_unusable_id_is_replaced(
    api: TestClient, stream: io.StringIO
) -> None:
    plain = api.get("/healthz")
    odd = api.get("/healthz", headers={"X-Request-ID": "x" * 200})
    made = [plain.headers["x-request-id"], odd.headers["x-request-id"]]
    assert len(set(made)) == 2
    assert all(0 < len(request_id) <= 128 for request_id in made)
    assert [line["request_id"] for line in request_lines(stream)] == made


def test_refusals_are_logged_with_the_agent_the_route_names(
    api: TestClient, stream: io.StringIO
) -> None:
    response = api.get("/support/agents/agent-7/workload")
    assert response.status_code == 401
    (line,) = request_lines(stream)
    assert line["status"] == 401
    assert line["agent_id"] == "agent-7"
    assert line["route"] == "/support/agents/{agent_id}/workload"
    assert "principal" not in line  # no one was authenticated


def test_a_workers_lines_carry_its_role(stream: io.StringIO) -> None:
    logged = threading.Event()

    def run(_stop: threading.Event) -> None:
        logging.getLogger("casetrail.test").warning("catching up", extra={"ticket_id": "t-1"})
        logged.set()

    role = LoopRole("relay", run)
    role.start()
    assert logged.wait(10)
    role.stop()
    (line,) = [line for line in lines(stream) if line["event"] == "catching up"]
    assert line["role"] == "relay"
    assert line["ticket_id"] == "t-1"
    assert line["level"] == "warning"
    assert line["logger"] == "casetrail.test"


def test_lines_are_for_people_on_a_terminal(restored_logging: None, api: TestClient) -> None:
    terminal = Terminal()
    configure_logging(LogFormat.AUTO, "INFO", stream=terminal)
    api.get("/healthz", headers={"X-Request-ID": "for-people"})
    text = terminal.getvalue()
    assert "request" in text
    assert "for-people" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.splitlines()[0])
