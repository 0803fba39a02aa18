"""The rate limit counted in Redis, so every server of a deployment shares one count."""

from __future__ import annotations

import redis

from casetrail.platform.http.rate_limits import WINDOW_SECONDS, RateDecision, decide, window_of

KEY_PREFIX = "casetrail:ratelimit:"


class RedisRateLimiter:
    def __init__(self, url: str, *, timeout_seconds: float = 0.5) -> None:
        # Connects on first use; a slow Redis costs a request at most this long, and the
        # caller lets the request through if Redis cannot answer.
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds
        )

    def hit(self, client: str, limit: int, now: float) -> RateDecision:
        window, reset_seconds = window_of(now)
        key = f"{KEY_PREFIX}{client}:{window}"
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.incr(key)
        # Outlive the window a little so a late request cannot restart a finished count.
        pipeline.expire(key, WINDOW_SECONDS * 2)
        count, _ = pipeline.execute()
        return decide(int(count), limit, reset_seconds)

    def close(self) -> None:
        self._redis.close()
