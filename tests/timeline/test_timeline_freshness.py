"""A cached timeline never outlives the events it misses: each kind of event invalidates it,
and an agent who just did something sees it at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from casetrail.timeline.answer_cache import CachedAnswer, Lookup
from tests.fixtures.commerce_context import order, record_context
from tests.fixtures.timeline import TimelineApi, TimelineApiFactory, wait_until

pytestmark = pytest.mark.stack

SOURCE = "x-casetrail-timeline-source"
# Far longer than any test: an answer that goes away did so because it was invalidated.
LONG_TTL = 3_600


def cached(api: TimelineApi, case_id: str) -> Any:
    """Read the timeline until it is served from the cache."""
    api.timeline(case_id)
    response = api.client.get(f"/support/cases/{case_id}", params={"includeTimeline": "true"})
    assert response.headers[SOURCE] == "cache"
    return response.json()


def shows_soon(api: TimelineApi, case_id: str, predicate: Callable[[Any], bool]) -> None:
    """Without carrying any position (the way a colleague's screen refreshes), the timeline
    shows the change within seconds, not after the cache's TTL."""

    def shown() -> bool:
        response = api.client.get(f"/support/cases/{case_id}", params={"includeTimeline": "true"})
        return bool(predicate(response.json()))

    wait_until(shown, timeout=10)


@pytest.fixture(params=["redis", "memory"])
def api(request: pytest.FixtureRequest, timeline_api: TimelineApiFactory) -> TimelineApi:
    if request.param == "memory":
        return timeline_api(redis_url=None, timeline_cache_ttl_seconds=LONG_TTL)
    return timeline_api(timeline_cache_ttl_seconds=LONG_TTL)


def kinds(body: Any) -> list[str]:
    return [entry["kind"] for entry in body["timeline"]]


def test_a_new_message_invalidates(api: TimelineApi) -> None:
    case_id = api.open_case()
    assert kinds(cached(api, case_id)) == ["case_opened"]

    api.post(case_id, "Any news?")

    shows_soon(api, case_id, lambda body: kinds(body) == ["case_opened", "message"])


def test_a_new_case_event_invalidates(api: TimelineApi) -> None:
    case_id = api.open_case()
    cached(api, case_id)

    api.command("POST", f"/support/cases/{case_id}/priority", json={"priority": "urgent"})

    shows_soon(
        api,
        case_id,
        lambda body: kinds(body)[-1] == "priority_changed" and body["priority"] == "urgent",
    )


def test_a_new_context_event_of_the_customer_invalidates(api: TimelineApi) -> None:
    case_id = api.open_case(customer_id="cust-fresh")
    other_case = api.open_case(customer_id="cust-fresh")
    cached(api, case_id)
    cached(api, other_case)

    record_context(
        api.database_url,
        [order("cust-fresh", "ord-fresh", datetime.now(UTC))],
        api.side.invalidation,
    )

    for case in (case_id, other_case):
        shows_soon(api, case, lambda body: kinds(body)[-1] == "order_status_changed")


def test_a_context_event_of_the_linked_order_invalidates(api: TimelineApi) -> None:
    case_id = api.open_case(customer_id="cust-linked", order_id="ord-linked")
    cached(api, case_id)

    record_context(
        api.database_url,
        [order("cust-gift-account", "ord-linked", datetime.now(UTC), status="shipped")],
        api.side.invalidation,
    )

    shows_soon(api, case_id, lambda body: kinds(body)[-1] == "order_status_changed")


def test_the_agent_sees_what_they_just_did_at_once(api: TimelineApi) -> None:
    case_id = api.open_case()
    cached(api, case_id)

    for n in range(5):
        api.post(case_id, f"Reply {n}")
        # Carrying the command's position, the very next read includes it.
        response = api.timeline(case_id)
        assert response.json()["timeline"][-1]["summary"].endswith(f"Reply {n}")


def test_an_answer_started_before_an_invalidation_is_never_served(
    timeline_api: TimelineApiFactory,
) -> None:
    """The race: a read starts, a commit and its invalidation land, then the read stores its
    (older) answer. That answer is stamped with the generation before the invalidation."""
    api = timeline_api(timeline_cache_ttl_seconds=LONG_TTL)
    case_id = api.open_case()
    api.wait_projected()
    cache = api.side.cache
    case = UUID(case_id)

    async def race() -> tuple[Lookup, Lookup]:
        before = await cache.lookup(case, "race")
        assert before.stamp is not None
        api.side.invalidation.streams_changed([case])
        stale = CachedAnswer(body=b"{}", version=1, position=api.position)
        await cache.store(case, "race", before.stamp, stale)
        return before, await cache.lookup(case, "race")

    before, after = asyncio.run(race())

    assert after.answer is None
    assert after.stamp != before.stamp
