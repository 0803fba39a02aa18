"""The retry policy: exponential backoff with jitter, capped.

One policy for every retrying piece of the platform. The delay depends only on how many
times in a row something has failed, so a caller can keep that count wherever it likes (in
memory for a runner, in a table row for a durable timer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Wait ``first_seconds`` after the first failure, doubling per failure up to
    ``max_seconds``; each delay is drawn from the upper half of its step so that many
    failing callers do not retry in lockstep."""

    first_seconds: float = 0.5
    max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.first_seconds <= self.max_seconds:
            raise ValueError("backoff needs 0 < first_seconds <= max_seconds")

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1 for the first)."""
        exponent = min(max(0, failures - 1), 64)  # past 64 doublings every cap is reached
        ceiling = min(self.max_seconds, self.first_seconds * 2.0**exponent)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security
