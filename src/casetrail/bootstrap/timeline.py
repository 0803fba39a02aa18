"""The timeline's parts in one process, built from the settings.

- with ``redis_url``: answers cached in Redis, invalidated through Redis generations, so
  every process (API replicas, `casetrail project`, `casetrail consume`) shares them;
  without: answers cached in this process's memory, invalidated by this process's commits.
- with ``trino_url``: read through Trino, PostgreSQL as the fallback; without: PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.settings import Settings
from casetrail.cases.queries import ReadModel
from casetrail.platform.http.routes_benchmark import RawRead
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.view import Numbered
from casetrail.platform.subscriptions.worker import AfterCommit
from casetrail.timeline.invalidation import CacheInvalidation
from casetrail.timeline.memory_cache import MemoryAnswerCache
from casetrail.timeline.model import TimelineInvalidation
from casetrail.timeline.postgres_reader import PostgresTimelineReader
from casetrail.timeline.reading import FallbackTimeline, TimelineMetrics
from casetrail.timeline.redis_cache import REDIS_ERRORS, RedisAnswerCache, RedisGenerations
from casetrail.timeline.service import CaseTimelineService
from casetrail.timeline.trino_reader import TrinoTimelineReader
from casetrail.timeline.view import ensure_timeline_view

logger = logging.getLogger(__name__)


def invalidate_after_commit(invalidation: TimelineInvalidation) -> AfterCommit:
    """The projection runners' hook: the streams of a committed batch change timelines."""

    def after_commit(events: Sequence[Numbered]) -> None:
        invalidation.streams_changed({event.originator_id for _, event in events})

    return after_commit


def redis_invalidation(settings: Settings, database_url: str) -> CacheInvalidation | None:
    """For processes that only commit (projection runners, consumers): the shared cache's
    invalidation, or None when there is no shared cache to tell."""
    if not settings.redis.url:
        return None
    generations = RedisGenerations(settings.redis.url)
    return CacheInvalidation(generations.bump, database_url, errors=REDIS_ERRORS)


class TimelineSide:
    def __init__(self, settings: Settings, database_url: str, registry: CollectorRegistry):
        self.settings = settings
        self.database_url = database_url
        self.metrics = TimelineMetrics(registry)
        self.cache: RedisAnswerCache | MemoryAnswerCache
        self._answers: RedisGenerations | MemoryAnswerCache
        if settings.redis.url:
            self.cache = RedisAnswerCache(
                settings.redis.url, ttl_seconds=settings.timeline.cache_ttl_seconds
            )
            generations = RedisGenerations(settings.redis.url)
            self.invalidation = CacheInvalidation(
                generations.bump, database_url, errors=REDIS_ERRORS
            )
            self._answers = generations
        else:
            self.cache = MemoryAnswerCache(ttl_seconds=settings.timeline.cache_ttl_seconds)
            self.invalidation = CacheInvalidation(self.cache.bump, database_url, errors=())
            self._answers = self.cache
        self.postgres = PostgresTimelineReader(
            database_url, pool_size=settings.timeline.postgres_pool_size
        )
        self.trino = (
            TrinoTimelineReader(
                settings.trino.url,
                schema=settings.timeline.trino_schema,
                timeout_seconds=settings.timeline.trino_timeout_seconds,
            )
            if settings.trino.url
            else None
        )
        self._services: list[CaseTimelineService] = []

    def prepare(self) -> None:
        """Create the view (the read models must exist) and start the fallback's pool."""
        with Database(self.database_url).connect() as conn:
            ensure_timeline_view(conn)
        self.postgres.open()

    def service(self, read_model: ReadModel, *, max_wait_seconds: float) -> CaseTimelineService:
        timeline = FallbackTimeline(
            self.trino,
            self.postgres,
            metrics=self.metrics,
            timeout_seconds=self.settings.timeline.trino_timeout_seconds,
            retry_after_seconds=self.settings.timeline.trino_retry_seconds,
            preferred_threads=self.settings.timeline.trino_threads,
        )
        service = CaseTimelineService(
            read_model, timeline, self.cache, self.metrics, max_wait_seconds=max_wait_seconds
        )
        self._services.append(service)
        return service

    def erase_streams(self, stream_ids: Sequence[UUID]) -> None:
        """An erased customer's cases: their cached answers are outdated and deleted at once
        (call it once their read-model rows are rewritten). When Redis cannot be reached,
        what it holds expires with the answers' TTL."""
        self.invalidation.streams_changed(stream_ids)
        try:
            self._answers.delete_answers(stream_ids)
        except REDIS_ERRORS as error:
            logger.error(
                "timeline cache: cannot delete an erased customer's answers (%s); they expire"
                " within %d s",
                error,
                self.settings.timeline.cache_ttl_seconds,
            )

    def benchmark_read(self) -> RawRead | None:
        """The benchmark route's Redis GET, through the answer cache's own client."""
        return self.cache.get_raw if isinstance(self.cache, RedisAnswerCache) else None

    def close(self) -> None:
        for service in self._services:
            service.close()
        self.invalidation.close()
        self.postgres.close()
