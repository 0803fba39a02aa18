"""The case with its 360° timeline: cached answers, one read per timeline at a time.

A request looks in the answer cache first; on a miss it reads the view (Trino, or the
PostgreSQL fallback) and stores the serialised answer, so a hit costs one cache round trip
and no serialisation. Concurrent misses for the same timeline share one read
(single-flight): the first starts it, the others wait for it, and it runs to the end even if
the client that started it goes away.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from anyio import to_thread
from pydantic import ValidationError

from casetrail.cases.api.published import CaseRead
from casetrail.cases.published import ReadModel
from casetrail.timeline.answer_cache import AnswerCache, CachedAnswer
from casetrail.timeline.model import TIMELINE_PROJECTIONS, TimelineEntry, TimelineQuery
from casetrail.timeline.reading import FallbackTimeline, TimelineMetrics
from casetrail.timeline.schemas import ENTRY_MODELS, CaseWithTimeline, Entry, OtherEntry

# Loads the case; answers it and whether it came from the read models (only those answers
# are cached: a case read from the event store is newer than what the views show).
CaseLoader = Callable[[], tuple[CaseRead, bool]]


@dataclass(frozen=True)
class Answered:
    body: bytes
    version: int
    source: str  # cache, trino or postgres
    degraded: bool = False
    stale: bool = False  # the projections did not reach the caller's position in time


@dataclass(frozen=True)
class _Computed:
    answer: CachedAnswer
    source: str
    degraded: bool


class CaseTimelineService:
    def __init__(
        self,
        read_model: ReadModel,
        timeline: FallbackTimeline,
        cache: AnswerCache,
        metrics: TimelineMetrics,
        *,
        max_wait_seconds: float = 2.0,
    ) -> None:
        self._read_model = read_model
        self._timeline = timeline
        self._cache = cache
        self._metrics = metrics
        self._max_wait = max_wait_seconds
        self._flights: dict[tuple[UUID, str, str | None], asyncio.Task[_Computed]] = {}

    def close(self) -> None:
        self._timeline.close()

    async def answer(
        self, query: TimelineQuery, load_case: CaseLoader, min_position: int = 0
    ) -> Answered:
        stale = False
        if min_position:
            stale = not await to_thread.run_sync(
                self._read_model.wait_for, min_position, TIMELINE_PROJECTIONS, self._max_wait
            )
        lookup = await self._cache.lookup(query.case_id, query.variant)
        cached = lookup.answer
        if lookup.stamp is None:
            self._metrics.cache.labels("unavailable").inc()
        elif cached is not None and cached.position >= min_position:
            self._metrics.cache.labels("hit").inc()
            return Answered(cached.body, cached.version, "cache", stale=stale)
        else:
            self._metrics.cache.labels("miss").inc()
        # Answers started under another stamp may predate an invalidation: not shared.
        key = (query.case_id, query.variant, lookup.stamp)
        computed = await self._shared_read(key, query, load_case, lookup.stamp)
        if computed.answer.position < min_position:
            # The shared read began before the caller's command was projected.
            computed = await self._compute(query, load_case, lookup.stamp)
        return Answered(
            computed.answer.body,
            computed.answer.version,
            computed.source,
            degraded=computed.degraded,
            stale=stale,
        )

    async def _shared_read(
        self,
        key: tuple[UUID, str, str | None],
        query: TimelineQuery,
        load_case: CaseLoader,
        stamp: str | None,
    ) -> _Computed:
        task = self._flights.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(query, load_case, stamp))
            self._flights[key] = task
            task.add_done_callback(lambda _: self._flights.pop(key, None))
        else:
            self._metrics.shared_reads.inc()
        # Shielded: a client that hangs up does not cancel the read others wait for.
        return await asyncio.shield(task)

    async def _compute(
        self, query: TimelineQuery, load_case: CaseLoader, stamp: str | None
    ) -> _Computed:
        # The position is read before any data, so the answer holds at least that much.
        positions = await to_thread.run_sync(self._read_model.positions)
        position = min(positions.get(name, 0) for name in TIMELINE_PROJECTIONS)
        (case, projected), served = await asyncio.gather(
            to_thread.run_sync(load_case), self._timeline.read(query)
        )
        body = CaseWithTimeline(
            **dict(case),
            timeline=[entry_read(entry) for entry in served.page.entries],
            timeline_truncated=served.page.truncated,
        ).model_dump_json()
        answer = CachedAnswer(body=body.encode(), version=case.version, position=position)
        if stamp is not None and projected:
            await self._cache.store(query.case_id, query.variant, stamp, answer)
        return _Computed(answer, served.source, served.degraded)


def entry_read(entry: TimelineEntry) -> Any:
    fields = {
        "at": entry.at,
        "kind": entry.kind,
        "source": entry.source,
        "summary": entry.summary,
        "payload": json.loads(entry.payload),
    }
    model: type[Entry] = ENTRY_MODELS.get(entry.kind, OtherEntry)
    try:
        return model.model_validate(fields)
    except ValidationError:
        # Shown rather than failing the whole timeline: e.g. an event recorded before a field
        # its kind now has.
        return OtherEntry.model_validate(fields)
