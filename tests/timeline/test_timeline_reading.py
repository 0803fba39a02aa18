"""The timeline's read path on fakes: fallback, single-flight, cache stamps, case entries."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from casetrail.cases.api.schemas import ActorRead, CaseRead
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import AssignmentReason, Channel, Priority
from casetrail.cases.projections.case_event_entries import case_event_entry
from casetrail.kernel.actor import Actor
from casetrail.timeline.answer_cache import CachedAnswer
from casetrail.timeline.memory_cache import MemoryAnswerCache
from casetrail.timeline.model import (
    TimelineEntry,
    TimelinePage,
    TimelineQuery,
    page_from_newest_first,
)
from casetrail.timeline.reading import FallbackTimeline, TimelineMetrics
from casetrail.timeline.service import CaseTimelineService

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CASE_ID = uuid.UUID(int=7)


def entry(n: int) -> TimelineEntry:
    return TimelineEntry(
        at=NOW + timedelta(minutes=n),
        kind="message",
        source="conversation",
        summary=f"Customer c: message {n}",
        payload=(
            f'{{"message_id": "{uuid.UUID(int=n)}", "position": {n}, "author_type": "CUSTOMER",'
            f' "author_id": "c", "body": "message {n}", "attachment_uri": null,'
            ' "internal": false}'
        ),
        entry_id=f"message:{n:04d}",
        internal=False,
    )


class FakeReader:
    def __init__(self, name: str, *, fails: bool = False, delay: float = 0.0) -> None:
        self.name = name
        self.fails = fails
        self.delay = delay
        self.reads = 0
        self._lock = threading.Lock()

    def read(self, query: TimelineQuery) -> TimelinePage:
        with self._lock:
            self.reads += 1
        time.sleep(self.delay)
        if self.fails:
            raise ConnectionError("connection refused")
        return page_from_newest_first([entry(n) for n in (3, 2, 1)], query.limit)


class FakeReadModel:
    def positions(self) -> dict[str, int]:
        return {"case_list": 10, "case_messages": 9, "case_events": 11}

    def wait_for(self, position: int, projections: Any, timeout: float) -> bool:
        return position <= 9


def case() -> tuple[CaseRead, bool]:
    return (
        CaseRead(
            id=CASE_ID,
            case_number="CS-000007",
            customer_id="c",
            subject="Parcel",
            description="",
            priority=Priority.MEDIUM,
            channel=Channel.WEB,
            status="open",  # type: ignore[arg-type]
            tags=[],
            order_id=None,
            external_ref=None,
            assignee_id=None,
            escalation_level=0,
            opened_by=ActorRead(subject="c", role="CUSTOMER"),
            created_at=NOW,
            updated_at=NOW,
            resolved_at=None,
            version=1,
        ),
        True,
    )


def fallback_timeline(
    preferred: FakeReader | None, fallback: FakeReader, registry: CollectorRegistry, **options: Any
) -> FallbackTimeline:
    return FallbackTimeline(preferred, fallback, metrics=TimelineMetrics(registry), **options)


def test_limit_keeps_the_newest_entries_oldest_first() -> None:
    page = page_from_newest_first([entry(n) for n in (5, 4, 3)], limit=2)

    assert [item.entry_id for item in page.entries] == ["message:0004", "message:0005"]
    assert page.truncated is True


def test_a_query_refuses_an_empty_window_and_a_limit_out_of_range() -> None:
    with pytest.raises(ValueError, match="limit"):
        TimelineQuery(CASE_ID, limit=0)
    with pytest.raises(ValueError, match="since"):
        TimelineQuery(CASE_ID, since=NOW, until=NOW)


def test_the_fallback_answers_when_the_preferred_reader_fails() -> None:
    registry = CollectorRegistry()
    trino, postgres = FakeReader("trino", fails=True), FakeReader("postgres")
    timeline = fallback_timeline(trino, postgres, registry, retry_after_seconds=0)

    served = asyncio.run(timeline.read(TimelineQuery(CASE_ID)))

    assert (served.source, served.degraded) == ("postgres", True)
    assert len(served.page.entries) == 3
    reasons = {"reason": "error"}
    assert registry.get_sample_value("support_timeline_refresh_errors_total", reasons) == 1


def test_the_fallback_answers_when_the_preferred_reader_is_too_slow() -> None:
    registry = CollectorRegistry()
    trino, postgres = FakeReader("trino", delay=0.5), FakeReader("postgres")
    timeline = fallback_timeline(trino, postgres, registry, timeout_seconds=0.05)

    started = time.perf_counter()
    served = asyncio.run(timeline.read(TimelineQuery(CASE_ID)))

    assert served.source == "postgres"
    assert time.perf_counter() - started < 0.4
    reasons = {"reason": "timeout"}
    assert registry.get_sample_value("support_timeline_refresh_errors_total", reasons) == 1


def test_without_a_preferred_reader_the_fallback_is_not_degraded() -> None:
    timeline = fallback_timeline(None, FakeReader("postgres"), CollectorRegistry())

    served = asyncio.run(timeline.read(TimelineQuery(CASE_ID)))

    assert (served.source, served.degraded) == ("postgres", False)


def service(registry: CollectorRegistry, trino: FakeReader) -> CaseTimelineService:
    metrics = TimelineMetrics(registry)
    timeline = FallbackTimeline(trino, FakeReader("postgres"), metrics=metrics)
    return CaseTimelineService(FakeReadModel(), timeline, MemoryAnswerCache(), metrics)  # type: ignore[arg-type]


def test_concurrent_misses_share_one_read_then_the_cache_answers() -> None:
    registry = CollectorRegistry()
    trino = FakeReader("trino", delay=0.2)
    timeline = service(registry, trino)

    async def many() -> list[Any]:
        answers = await asyncio.gather(
            *(timeline.answer(TimelineQuery(CASE_ID), case) for _ in range(20))
        )
        return [*answers, await timeline.answer(TimelineQuery(CASE_ID), case)]

    answers = asyncio.run(many())

    assert trino.reads == 1
    assert len({answer.body for answer in answers}) == 1
    assert answers[-1].source == "cache"
    assert registry.get_sample_value("support_timeline_shared_reads_total") == 19


def test_a_cached_answer_older_than_the_callers_position_is_not_served() -> None:
    registry = CollectorRegistry()
    trino = FakeReader("trino")
    timeline = service(registry, trino)

    async def twice() -> list[Any]:
        first = await timeline.answer(TimelineQuery(CASE_ID), case)
        # The answer holds the log up to 9 (its slowest projection); the caller wrote at 9.
        second = await timeline.answer(TimelineQuery(CASE_ID), case, min_position=9)
        # The projections are not at 10 yet: answered fresh, and marked stale.
        third = await timeline.answer(TimelineQuery(CASE_ID), case, min_position=10)
        return [first, second, third]

    first, second, third = asyncio.run(twice())

    assert (first.source, second.source, third.source) == ("trino", "cache", "trino")
    assert third.stale is True


def test_an_answer_stored_under_an_old_stamp_is_not_served() -> None:
    cache = MemoryAnswerCache()
    answer = CachedAnswer(body=b"{}", version=1, position=5)

    async def race() -> tuple[Any, Any]:
        before = await cache.lookup(CASE_ID, "v")
        cache.bump([CASE_ID])  # a commit landed while the answer was being read
        assert before.stamp is not None
        await cache.store(CASE_ID, "v", before.stamp, answer)
        after = await cache.lookup(CASE_ID, "v")
        await cache.store(CASE_ID, "v", after.stamp or "", answer)
        return after, await cache.lookup(CASE_ID, "v")

    after, again = asyncio.run(race())

    assert after.answer is None
    assert again.answer == answer


def test_memory_answers_expire_and_stay_bounded() -> None:
    clock = [0.0]
    cache = MemoryAnswerCache(ttl_seconds=60, max_answers=2, clock=lambda: clock[0])
    answer = CachedAnswer(body=b"{}", version=1, position=5)

    async def scenario() -> list[Any]:
        for variant in ("a", "b", "c"):
            stamp = (await cache.lookup(CASE_ID, variant)).stamp or ""
            await cache.store(CASE_ID, variant, stamp, answer)
        kept = [(await cache.lookup(CASE_ID, variant)).answer for variant in ("a", "b", "c")]
        clock[0] = 61.0
        return [*kept, (await cache.lookup(CASE_ID, "c")).answer]

    a, b, c, expired = asyncio.run(scenario())

    assert (a, b, c) == (None, answer, answer)
    assert expired is None


def test_case_events_read_as_timeline_entries() -> None:
    actor = Actor("agent-1", "AGENT")
    ticket = Ticket.open(
        case_id=CASE_ID,
        sequence_number=7,
        customer_id="c",
        subject="Parcel late",
        description="",
        priority=Priority.HIGH,
        channel=Channel.EMAIL,
        tags=(),
        order_id="ord-1",
        external_ref=None,
        actor=actor,
        at=NOW,
    )
    ticket.assign("agent-2", reason=AssignmentReason.MANUAL, actor=actor, at=NOW)
    ticket.escalate(reason="VIP", actor=actor, at=NOW)

    entries = [case_event_entry(event) for event in ticket.collect_events()]

    assert [item.kind for item in entries] == ["case_opened", "case_assigned", "case_escalated"]
    assert entries[0].summary == "Case CS-000007 opened: Parcel late"
    assert entries[1].summary == "Assigned to agent-2 (manual)"
    assert entries[2].payload == {
        "level": 1,
        "reason": "VIP",
        "actor": {"subject": "agent-1", "role": "AGENT"},
    }
    assert [item.version for item in entries] == [1, 2, 3]
