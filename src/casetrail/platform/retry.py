"""The retry policy: exponential backoff, capped, with jitter.

One policy for every retrying piece of casetrail: the subscription supervisor (projections,
the outbound relay and every later follower), the commerce consumer's transient errors, the
durable timers, and commands that lost an optimistic-concurrency race. The delay depends
only on how many times in a row something has failed, so a caller can keep that count
wherever it likes (in memory for a runner, in a table row for a durable timer).
"""

from __future__ import annotations

import enum
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass


class Jitter(enum.Enum):
    """How a delay is drawn from its step of the exponential ladder."""

    # From the upper half of the step: waits stay close to the ladder, and many callers
    # failing together (every runner when the database restarts) do not retry in lockstep.
    HALF = "half"
    # From zero to the step: spreads contending callers furthest (for short races).
    FULL = "full"
    # Exactly the step: for a single caller whose waits an operator reads in the log.
    NONE = "none"


@dataclass(frozen=True)
class Backoff:
    """Wait ``first_seconds`` after the first failure, doubling per failure up to
    ``max_seconds``, each delay drawn as ``jitter`` says."""

    first_seconds: float = 0.5
    max_seconds: float = 30.0
    jitter: Jitter = Jitter.HALF

    def __post_init__(self) -> None:
        if not 0 < self.first_seconds <= self.max_seconds:
            raise ValueError("backoff needs 0 < first_seconds <= max_seconds")

    def step(self, failures: int) -> float:
        """The ladder's step after the ``failures``-th failure in a row, before jitter."""
        exponent = min(max(0, failures - 1), 64)  # past 64 doublings every cap is reached
        return min(self.max_seconds, self.first_seconds * 2.0**exponent)

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1 for the first)."""
        ceiling = self.step(failures)
        if self.jitter is Jitter.NONE:
            return ceiling
        floor = ceiling / 2 if self.jitter is Jitter.HALF else 0.0
        return random.uniform(floor, ceiling)  # noqa: S311 - jitter, not security

    def delays(self) -> Iterator[float]:
        """The delays after the first, second, ... failure in a row, without end."""
        return (self.delay(failures) for failures in itertools.count(1))
