"""The per-client rate limit under a bounded burst over loopback: exactly the limit gets
through, the rest get 429 with Retry-After and RateLimit headers, in memory and in Redis."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
import uvicorn

from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.service.desk import SupportDesk
from casetrail.devstack.stack import Stack
from casetrail.platform.embedded_postgres import free_port
from casetrail.platform.http.authentication import Authentication
from casetrail.platform.http.principals import Role, Scope
from casetrail.platform.http.rate_limits import MemoryRateLimiter, RateLimiter, RateLimits
from casetrail.platform.http.redis_rate_limiter import RedisRateLimiter
from tests.fixtures.auth import bearer

LIMIT = 10
BURST = 40  # concurrent requests from one client: bounded, and well past the limit
# The middle of a one-minute window, so a burst never straddles two windows.
FROZEN_NOW = 1_800_000_030.0


def serve(desk: SupportDesk, limiter: RateLimiter) -> Iterator[str]:
    auth = Authentication(
        limiter=limiter,
        limits=RateLimits(per_minute=LIMIT, per_role={"SERVICE": LIMIT * 3}),
        clock=lambda: FROZEN_NOW,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_api_app(ApiDependencies(desk, authentication=auth)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def memory_server(memory_desk: SupportDesk) -> Iterator[str]:
    yield from serve(memory_desk, MemoryRateLimiter())


@pytest.fixture
def redis_server(memory_desk: SupportDesk, stack: Stack) -> Iterator[str]:
    limiter = RedisRateLimiter(stack.redis.url)
    yield from serve(memory_desk, limiter)
    limiter.close()


def burst(base_url: str, headers: dict[str, str], count: int = BURST) -> list[httpx.Response]:
    with (
        httpx.Client(base_url=base_url, headers=headers, timeout=10) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        return list(pool.map(lambda _: client.get("/support/cases"), range(count)))


def assert_limit_held(responses: list[httpx.Response], limit: int) -> None:
    statuses = [response.status_code for response in responses]
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == len(responses) - limit, statuses
    refused = next(response for response in responses if response.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:casetrail:problem:rate-limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == str(limit)
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == refused.headers["retry-after"]
    remaining = sorted(
        int(response.headers["ratelimit-remaining"])
        for response in responses
        if response.status_code == 200
    )
    assert remaining == list(range(limit))  # each allowed request counted exactly once


def check_limits(base_url: str) -> None:
    agent = bearer(Role.AGENT, f"agent-{uuid.uuid4()}")
    assert_limit_held(burst(base_url, agent), LIMIT)
    # Another client has its own allowance; a SERVICE client has its role's.
    assert_limit_held(burst(base_url, bearer(Role.AGENT, f"agent-{uuid.uuid4()}")), LIMIT)
    service = bearer(Role.SERVICE, f"svc-{uuid.uuid4()}", scopes=[Scope.CASES_READ])
    assert_limit_held(burst(base_url, service, LIMIT * 3 + 5), LIMIT * 3)
    # Operations endpoints are not limited.
    with httpx.Client(base_url=base_url) as client:
        assert {client.get("/healthz").status_code for _ in range(LIMIT + 5)} == {200}


def test_the_limit_holds_in_memory(memory_server: str) -> None:
    check_limits(memory_server)


@pytest.mark.stack
def test_the_limit_holds_in_redis(redis_server: str) -> None:
    check_limits(redis_server)


@pytest.mark.stack
def test_redis_counts_are_shared_by_every_server(stack: Stack) -> None:
    client = f"AGENT:shared-{uuid.uuid4()}"
    first, second = RedisRateLimiter(stack.redis.url), RedisRateLimiter(stack.redis.url)
    decisions = [
        (first if n % 2 else second).hit(client, LIMIT, FROZEN_NOW) for n in range(LIMIT + 1)
    ]
    assert [decision.allowed for decision in decisions] == [True] * LIMIT + [False]
    first.close()
    second.close()


def test_a_limiter_that_cannot_count_lets_requests_through(memory_desk: SupportDesk) -> None:
    """Redis away must not take the API down: requests pass, without RateLimit headers."""
    unreachable = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.2)
    for base_url in serve(memory_desk, unreachable):
        with httpx.Client(base_url=base_url, headers=bearer(Role.AGENT, "a")) as client:
            response = client.get("/support/cases")
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers
    with pytest.raises(redis.ConnectionError):
        unreachable.hit("x", 1, FROZEN_NOW)


def test_a_new_window_starts_a_new_count() -> None:
    limiter = MemoryRateLimiter()
    assert [limiter.hit("c", 2, FROZEN_NOW).allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("c", 2, FROZEN_NOW + 60).allowed


def test_requests_with_bad_credentials_are_limited_per_client_address(memory_server: str) -> None:
    """Guessing tokens (or retrying an expired one) is throttled like any other flood, by
    address since there is no client to count; it takes nothing from valid clients."""
    forged = {"Authorization": "Bearer not-a-token"}
    responses = burst(memory_server, forged, LIMIT + 5)
    statuses = [response.status_code for response in responses]
    assert statuses.count(401) == LIMIT, statuses
    assert statuses.count(429) == 5, statuses
    refused = next(response for response in responses if response.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    # No header at all counts against the same address.
    with httpx.Client(base_url=memory_server) as client:
        assert client.get("/support/cases").status_code == 429
    assert_limit_held(burst(memory_server, bearer(Role.AGENT, f"agent-{uuid.uuid4()}")), LIMIT)
