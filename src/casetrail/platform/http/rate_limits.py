"""Requests per client per minute: the policy, the port, and the in-process counter.

Fixed one-minute windows: cheap (one counter per client per window, in memory or one Redis
INCR), and a burst at a window's edge can reach at most twice the limit, which is what the
limit is for (stopping runaway clients), not billing.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window ends and the count starts again

    def headers(self) -> dict[str, str]:
        # IETF httpapi-ratelimit-headers (draft), separate-fields form.
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
            "RateLimit-Policy": f"{self.limit};w={WINDOW_SECONDS}",
        }


class RateLimiter(Protocol):
    def hit(self, client: str, limit: int, now: float) -> RateDecision:
        """Count one request of ``client`` at ``now`` (epoch seconds) and decide."""
        ...


@dataclass(frozen=True)
class RateLimits:
    per_minute: int = 120
    per_role: Mapping[str, int] = field(default_factory=dict)

    def for_role(self, role: str) -> int:
        return self.per_role.get(role, self.per_minute)


def window_of(now: float) -> tuple[int, int]:
    """The window ``now`` falls in, and the whole seconds until it ends (at least 1)."""
    window = int(now // WINDOW_SECONDS)
    return window, max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))


def decide(count: int, limit: int, reset_seconds: int) -> RateDecision:
    return RateDecision(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        reset_seconds=reset_seconds,
    )


class MemoryRateLimiter:
    """One process's counters: right for the embedded default (a single server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, client: str, limit: int, now: float) -> RateDecision:
        window, reset_seconds = window_of(now)
        with self._lock:
            if window != self._window:
                # A new window: last window's counters are of no use, which also bounds memory.
                self._window, self._counts = window, {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        return decide(count, limit, reset_seconds)
