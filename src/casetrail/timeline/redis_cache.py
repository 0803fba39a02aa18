"""The timeline's answer cache in Redis, shared by every API process.

Keys (``{id}`` a case or conversation id):

- ``casetrail:timeline:gen:{id}`` — a generation, incremented after each commit that
  changes the timelines of that case or conversation (see ``answer_cache`` for why);
- ``casetrail:timeline:answer:{case}:{variant}`` — one answer, its stamp first, for 60 s.

A lookup reads the case's and its conversation's generations and the answer in one MGET.
When Redis fails the cache is left alone for a few seconds (requests are served uncached
meanwhile) instead of making every request wait for a connection error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterable
from uuid import UUID

import redis
import redis.asyncio as aioredis

from casetrail.cases.published import conversation_id_for_case
from casetrail.timeline.answer_cache import CachedAnswer, Lookup, decode_answer, encode_answer

logger = logging.getLogger(__name__)

PREFIX = "casetrail:timeline"
# Generations outlive every answer by far; an expired one restarts from nothing, which no
# answer still cached can have been stamped with.
GENERATION_SECONDS = 24 * 3600
REDIS_ERRORS = (redis.RedisError, OSError, TimeoutError)


def generation_key(stream_id: UUID | str) -> str:
    return f"{PREFIX}:gen:{stream_id}"


def answer_key(case_id: UUID, variant: str) -> str:
    return f"{PREFIX}:answer:{case_id}:{variant}"


class RedisAnswerCache:
    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: int = 60,
        socket_timeout: float = 1.0,
        retry_after_seconds: float = 2.0,
        max_connections: int = 128,
        pool_wait_seconds: float = 5.0,
    ) -> None:
        self._ttl = ttl_seconds
        self._retry_after = retry_after_seconds
        self._left_alone_until = 0.0
        # Created here, connected on first use (from the event loop that serves requests).
        # Under a burst, requests queue for a connection rather than fail for want of one.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            max_connections=max_connections,
            timeout=pool_wait_seconds,
        )
        self._client = aioredis.Redis(connection_pool=pool)

    async def close(self) -> None:
        await self._client.aclose()

    async def lookup(self, case_id: UUID, variant: str) -> Lookup:
        if time.monotonic() < self._left_alone_until:
            return Lookup(None, None)
        try:
            case_gen, conversation_gen, value = await self._client.mget(
                generation_key(case_id),
                generation_key(conversation_id_for_case(case_id)),
                answer_key(case_id, variant),
            )
        except REDIS_ERRORS as error:
            self._failed(error)
            return Lookup(None, None)
        stamp = f"{_number(case_gen)}.{_number(conversation_gen)}"
        return Lookup(decode_answer(_bytes(value), stamp) if value is not None else None, stamp)

    async def store(self, case_id: UUID, variant: str, stamp: str, answer: CachedAnswer) -> None:
        try:
            await self._client.set(
                answer_key(case_id, variant), encode_answer(stamp, answer), ex=self._ttl
            )
        except REDIS_ERRORS as error:
            self._failed(error)

    async def get_raw(self, key: str) -> bytes | None:
        """One GET (the benchmark's ceiling: what the HTTP stack adds to a Redis read)."""
        value = await self._client.get(key)
        return _bytes(value) if value is not None else None

    def _failed(self, error: BaseException) -> None:
        if time.monotonic() >= self._left_alone_until:
            logger.warning(
                "timeline cache: Redis failed (%s); serving uncached for %.0fs",
                error,
                self._retry_after,
            )
        self._left_alone_until = time.monotonic() + self._retry_after


class RedisGenerations:
    """Bumps generations (blocking: called from projection runners and consumers)."""

    def __init__(self, url: str, *, socket_timeout: float = 1.0) -> None:
        self._client = redis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )

    def bump(self, stream_ids: Iterable[UUID | str]) -> None:
        """Raises a Redis error when it could not (the caller keeps the ids to retry)."""
        pipe = self._client.pipeline(transaction=False)
        for stream_id in stream_ids:
            key = generation_key(stream_id)
            pipe.incr(key)
            pipe.expire(key, GENERATION_SECONDS)
        pipe.execute()

    def delete_answers(self, case_ids: Collection[UUID | str]) -> int:
        """Delete every cached answer of these cases (an erasure: outdated is not enough,
        they must not stay stored until they expire). Answers how many; raises a Redis
        error when it could not."""
        cases = {str(case_id) for case_id in case_ids}
        doomed = [
            key
            for key in self._client.scan_iter(match=f"{PREFIX}:answer:*", count=1_000)
            if _bytes(key).decode().split(":")[3] in cases
        ]
        for start in range(0, len(doomed), 1_000):
            self._client.delete(*doomed[start : start + 1_000])
        return len(doomed)

    def close(self) -> None:
        self._client.close()


def _number(value: bytes | str | None) -> int:
    return int(value) if value is not None else 0


def _bytes(value: bytes | str) -> bytes:
    # The client is made without decode_responses, so values are bytes; the types allow str.
    return value.encode() if isinstance(value, str) else value
