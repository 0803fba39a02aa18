"""The timeline in the embedded default: no Trino, no Redis. PostgreSQL answers, this
process's memory caches, and this process's commits invalidate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.read_side import start_read_side
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import TimelineSide, invalidate_after_commit
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.http.principals import Role
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER
from casetrail.platform.server_process import start_server
from tests.fixtures.auth import bearer, supervisor_headers, unlimited

pytestmark = pytest.mark.integration

SOURCE = "x-casetrail-timeline-source"
NEW_CASE = {"customer_id": "c", "subject": "Hi"}


@pytest.fixture
def api(postgres_desk: SupportDesk, database_url: str, settings: Settings) -> Iterator[TestClient]:
    registry = CollectorRegistry()
    side = TimelineSide(settings, database_url, registry)
    read_side = start_read_side(
        postgres_desk,
        database_url,
        settings,
        registry,
        run_projections=True,
        after_commit=invalidate_after_commit(side.invalidation),
    )
    side.prepare()
    app = build_api_app(
        ApiDependencies(
            postgres_desk,
            read_model=read_side.read_model,
            read_options=ReadOptions(max_wait_seconds=10.0),
            metrics_registry=registry,
            case_timeline=side.service(read_side.read_model, max_wait_seconds=10.0),
            authentication=unlimited(),
        )
    )
    try:
        with TestClient(app, raise_server_exceptions=False, headers=supervisor_headers()) as client:
            yield client
    finally:
        read_side.close()
        side.close()


def command(api: TestClient, method: str, url: str, **kwargs: Any) -> tuple[Any, int]:
    response = api.request(method, url, **kwargs)
    assert response.status_code in (200, 201), response.text
    return response.json(), int(response.headers["x-casetrail-position"])


def test_postgres_answers_and_memory_caches(api: TestClient) -> None:
    opened, position = command(
        api, "POST", "/support/cases", json={"customer_id": "c", "subject": "Hi"}
    )
    url = f"/support/cases/{opened['id']}?includeTimeline=true"

    first = api.get(url, headers={MIN_POSITION_HEADER: str(position)})
    second = api.get(url)

    assert first.status_code == 200
    assert (first.headers[SOURCE], second.headers[SOURCE]) == ("postgres", "cache")
    assert "x-casetrail-degraded" not in first.headers
    assert first.content == second.content
    assert [entry["kind"] for entry in first.json()["timeline"]] == ["case_opened"]


def test_a_commit_in_this_process_invalidates_the_memory_cache(api: TestClient) -> None:
    opened, position = command(
        api, "POST", "/support/cases", json={"customer_id": "c", "subject": "Hi"}
    )
    url = f"/support/cases/{opened['id']}?includeTimeline=true"
    api.get(url, headers={MIN_POSITION_HEADER: str(position)})
    assert api.get(url).headers[SOURCE] == "cache"

    command(
        api,
        "POST",
        f"/support/cases/{opened['id']}/messages",
        json={"body": "Any news?"},
        headers=bearer(Role.CUSTOMER, "c"),
    )

    deadline = time.monotonic() + 10
    while [entry["kind"] for entry in api.get(url).json()["timeline"]] != [
        "case_opened",
        "message",
    ]:
        assert time.monotonic() < deadline, "the cached timeline was not invalidated"
        time.sleep(0.05)


def test_casetrail_serve_embedded_serves_the_timeline(tmp_path: Path) -> None:
    server = start_server(tmp_path, extra_env={"CASETRAIL_RATE_LIMIT_PER_MINUTE": "1000000"})
    try:
        with httpx.Client(base_url=server.base_url, headers=supervisor_headers()) as client:
            opened = client.post("/support/cases", json=NEW_CASE)
            position = opened.headers["x-casetrail-position"]
            url = f"/support/cases/{opened.json()['id']}?includeTimeline=true"
            first = client.get(url, headers={MIN_POSITION_HEADER: position})
            # The runners invalidate after they commit, so an answer read between a commit
            # and its invalidation is dropped once: the reads after that come from the cache.
            later = [client.get(url).headers[SOURCE]]
            while later[-1] != "cache" and len(later) < 10:
                later.append(client.get(url).headers[SOURCE])
            metrics = client.get("/metrics").text
    finally:
        assert server.stop() == 0
    assert first.status_code == 200, first.text
    assert first.headers[SOURCE] == "postgres"
    assert later[-1] == "cache", later
    assert 'support_timeline_cache_requests_total{result="hit"}' in metrics
