"""Reading the timeline from the preferred engine, or else from the fallback, and counting it.

Trino is preferred (it is where analysts read the same view); when it fails or takes longer
than the timeout, the same view is read from PostgreSQL, so the answer is the same, only
marked degraded. After a failure Trino is left alone for a while (``retry_after_seconds``)
rather than made to fail, or time out, on every request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from anyio import to_thread
from prometheus_client import CollectorRegistry

from casetrail.platform.metrics import (
    TIMELINE_CACHE_REQUESTS,
    TIMELINE_QUERIES,
    TIMELINE_QUERY_SECONDS,
    TIMELINE_REFRESH_ERRORS,
    TIMELINE_SHARED_READS,
    counter,
    histogram,
)
from casetrail.timeline.model import TimelinePage, TimelineQuery, TimelineReader

logger = logging.getLogger(__name__)


class TimelineMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.cache = counter(TIMELINE_CACHE_REQUESTS, registry)
        self.queries = counter(TIMELINE_QUERIES, registry)
        self.query_seconds = histogram(TIMELINE_QUERY_SECONDS, registry)
        self.refresh_errors = counter(TIMELINE_REFRESH_ERRORS, registry)
        self.shared_reads = counter(TIMELINE_SHARED_READS, registry)


@dataclass(frozen=True)
class Served:
    page: TimelinePage
    source: str
    degraded: bool  # the preferred engine did not answer; the fallback did


class FallbackTimeline:
    def __init__(
        self,
        preferred: TimelineReader | None,
        fallback: TimelineReader,
        *,
        metrics: TimelineMetrics,
        timeout_seconds: float = 2.0,
        retry_after_seconds: float = 5.0,
        preferred_threads: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._preferred = preferred
        self._fallback = fallback
        self._metrics = metrics
        self._timeout = timeout_seconds
        self._retry_after = retry_after_seconds
        self._clock = clock
        self._left_alone_until = 0.0
        # Its own threads: a hanging Trino can hold only these, never the threads that
        # serve the fallback and everything else.
        self._preferred_threads = (
            ThreadPoolExecutor(preferred_threads, thread_name_prefix=f"timeline-{preferred.name}")
            if preferred is not None
            else None
        )

    def close(self) -> None:
        if self._preferred_threads is not None:
            self._preferred_threads.shutdown(wait=False, cancel_futures=True)

    async def read(self, query: TimelineQuery) -> Served:
        if self._preferred is None:
            page = await to_thread.run_sync(self._timed, self._fallback, query)
            return Served(page, self._fallback.name, degraded=False)
        outcome = await self._try_preferred(self._preferred, query)
        if isinstance(outcome, TimelinePage):
            return Served(outcome, self._preferred.name, degraded=False)
        self._metrics.refresh_errors.labels(outcome).inc()
        page = await to_thread.run_sync(self._timed, self._fallback, query)
        return Served(page, self._fallback.name, degraded=True)

    async def _try_preferred(
        self, reader: TimelineReader, query: TimelineQuery
    ) -> TimelinePage | str:
        """The page, or why the fallback must answer."""
        if self._clock() < self._left_alone_until:
            return "skipped"
        assert self._preferred_threads is not None
        future = self._preferred_threads.submit(self._timed, reader, query)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self._timeout)
        except TimeoutError:
            logger.warning(
                "timeline: %s took over %.1fs; reading PostgreSQL for %.0fs",
                reader.name,
                self._timeout,
                self._retry_after,
            )
            reason = "timeout"
        except Exception as error:
            logger.warning(
                "timeline: %s failed (%s); reading PostgreSQL for %.0fs",
                reader.name,
                str(error).splitlines()[0] if str(error) else type(error).__name__,
                self._retry_after,
            )
            reason = "error"
        self._left_alone_until = self._clock() + self._retry_after
        return reason

    def _timed(self, reader: TimelineReader, query: TimelineQuery) -> TimelinePage:
        started = time.perf_counter()
        self._metrics.queries.labels(reader.name).inc()
        page = reader.read(query)
        self._metrics.query_seconds.labels(reader.name).observe(time.perf_counter() - started)
        return page
