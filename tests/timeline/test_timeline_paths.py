"""Whichever path serves it (Trino, the PostgreSQL fallback, the cache), the answer is the
same; engines that are down cost speed, never correctness."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from casetrail.devstack import Stack
from tests.fixtures.auth import supervisor_headers
from tests.fixtures.commerce_context import fraud_alert, order, record_context
from tests.fixtures.timeline import (
    CLOSED_PORT_URL,
    CLOSED_REDIS_URL,
    TimelineApi,
    TimelineApiFactory,
)

pytestmark = pytest.mark.stack

SOURCE = "x-casetrail-timeline-source"
DEGRADED = "x-casetrail-degraded"


def a_busy_case(api: TimelineApi) -> str:
    now = datetime.now(UTC)
    case_id = api.open_case(customer_id="cust-paths", order_id="ord-paths")
    record_context(
        api.database_url,
        [
            order("cust-paths", "ord-paths", now - timedelta(hours=5)),
            fraud_alert("cust-paths", None, now - timedelta(hours=4)),
        ],
        api.side.invalidation,
    )
    api.post(case_id, "Hello")
    api.post(case_id, "Agent-only", author_type="AGENT", author_id="agent-1", internal=True)
    api.command("POST", f"/support/cases/{case_id}/status", json={"status": "pending_customer"})
    return case_id


def test_trino_fallback_and_cache_give_identical_answers(
    timeline_api: TimelineApiFactory,
) -> None:
    api = timeline_api()
    case_id = a_busy_case(api)

    from_trino = api.timeline(case_id)
    from_cache = api.timeline(case_id)
    fallback_api = timeline_api(trino_url=CLOSED_PORT_URL, redis_url=None)
    fallback_api.position = api.position
    from_fallback = fallback_api.timeline(case_id)
    postgres_api = timeline_api(trino_url=None, redis_url=None)
    postgres_api.position = api.position
    from_postgres = postgres_api.timeline(case_id)

    assert from_trino.headers[SOURCE] == "trino"
    assert from_cache.headers[SOURCE] == "cache"
    assert from_fallback.headers[SOURCE] == "postgres"
    assert from_fallback.headers[DEGRADED] == "true"
    assert from_postgres.headers[SOURCE] == "postgres"
    assert DEGRADED not in from_postgres.headers
    assert len(from_trino.json()["timeline"]) == 6
    for other in (from_cache, from_fallback, from_postgres):
        assert other.status_code == 200
        assert other.content == from_trino.content
        assert other.headers["etag"] == from_trino.headers["etag"]


def test_trino_down_answers_from_postgres_and_counts_it(timeline_api: TimelineApiFactory) -> None:
    api = timeline_api(trino_url=CLOSED_PORT_URL, redis_url=None, timeline_trino_retry_seconds=0)
    case_id = a_busy_case(api)

    first = api.timeline(case_id, limit=10)
    second = api.timeline(case_id, limit=11)

    assert first.status_code == second.status_code == 200
    assert first.headers[SOURCE] == second.headers[SOURCE] == "postgres"
    assert first.headers[DEGRADED] == "true"
    assert [entry["kind"] for entry in first.json()["timeline"]][-1] == "status_changed"
    assert api.metric("support_timeline_refresh_errors_total", reason="error") == 2
    assert api.metric("support_timeline_queries_total", source="postgres") == 2


def test_after_a_failure_trino_is_left_alone_for_a_while(timeline_api: TimelineApiFactory) -> None:
    api = timeline_api(trino_url=CLOSED_PORT_URL, redis_url=None, timeline_trino_retry_seconds=60)
    case_id = a_busy_case(api)

    for limit in (10, 11, 12):
        assert api.timeline(case_id, limit=limit).headers[SOURCE] == "postgres"

    assert api.metric("support_timeline_refresh_errors_total", reason="error") == 1
    assert api.metric("support_timeline_refresh_errors_total", reason="skipped") == 2
    assert api.metric("support_timeline_queries_total", source="trino") == 1


def test_trino_slower_than_the_timeout_answers_from_postgres(
    timeline_api: TimelineApiFactory,
) -> None:
    api = timeline_api(redis_url=None, timeline_trino_timeout_seconds=0.001)
    case_id = a_busy_case(api)

    response = api.timeline(case_id)

    assert response.status_code == 200
    assert response.headers[SOURCE] == "postgres"
    assert response.headers[DEGRADED] == "true"
    assert api.metric("support_timeline_refresh_errors_total", reason="timeout") == 1


def test_redis_down_serves_uncached_and_correct(timeline_api: TimelineApiFactory) -> None:
    api = timeline_api(redis_url=CLOSED_REDIS_URL)
    case_id = a_busy_case(api)

    answers = [api.timeline(case_id) for _ in range(3)]

    assert [answer.headers[SOURCE] for answer in answers] == ["trino"] * 3
    assert len({answer.content for answer in answers}) == 1
    assert len(answers[0].json()["timeline"]) == 6
    assert api.metric("support_timeline_cache_requests_total", result="unavailable") == 3
    # Events keep being projected while the cache is away; their invalidations wait.
    api.post(case_id, "Still there?")
    assert api.timeline(case_id).json()["timeline"][-1]["summary"].endswith("Still there?")


def test_trino_and_redis_both_down_still_answer_correctly(
    timeline_api: TimelineApiFactory,
) -> None:
    healthy = timeline_api(redis_url=None)
    case_id = a_busy_case(healthy)
    expected = healthy.timeline(case_id)
    api = timeline_api(trino_url=CLOSED_PORT_URL, redis_url=CLOSED_REDIS_URL)
    api.position = healthy.position

    response = api.timeline(case_id)

    assert response.status_code == 200
    assert response.headers[SOURCE] == "postgres"
    assert response.content == expected.content


def test_concurrent_misses_for_one_timeline_run_one_trino_query(
    stack: Stack, timeline_api: TimelineApiFactory
) -> None:
    api = timeline_api()
    case_id = a_busy_case(api)
    api.wait_projected()
    url = f"/support/cases/{case_id}?includeTimeline=true"
    concurrent = 50

    async def many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api", headers=supervisor_headers()
        ) as client:
            return await asyncio.gather(*(client.get(url) for _ in range(concurrent)))

    responses = asyncio.run(many())

    assert all(response.status_code == 200 for response in responses)
    assert len({response.content for response in responses}) == 1
    assert api.metric("support_timeline_queries_total", source="trino") == 1
    # The others joined the one read, or (arriving after it ended) found its answer cached.
    assert api.metric("support_timeline_shared_reads_total") >= concurrent / 2
    assert (
        api.metric("support_timeline_shared_reads_total")
        + api.metric("support_timeline_cache_requests_total", result="hit")
        == concurrent - 1
    )
    # Trino itself saw one query of this test's timeline.
    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(
            "SELECT count(*) FROM system.runtime.queries"
            f" WHERE query LIKE '%{api.trino_schema}%' AND query NOT LIKE '%system.runtime%'"
        )
        assert cursor.fetchall() == [[1]]
