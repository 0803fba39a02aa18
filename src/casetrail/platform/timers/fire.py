"""What a handler receives when its timer fires, and what a handler is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg


@dataclass(frozen=True)
class Fire:
    """One firing of one timer.

    ``due_at`` is when it was due; ``detected_at`` is when a worker noticed it was due
    (later than ``due_at`` when no worker was running at the time). ``attempt`` counts from
    1; it is above 1 when earlier attempts failed.
    """

    timer_key: str
    kind: str
    due_at: datetime
    detected_at: datetime
    payload: Mapping[str, Any]
    cause: str
    attempt: int

    @property
    def idempotency_key(self) -> str:
        """Stable for this fire across retries and crashes, distinct for another due time
        of the same timer: the key a handler gives an event-store command. In UTC, so that
        workers whose sessions run in different time zones agree on it."""
        return f"timer:{self.timer_key}@{self.due_at.astimezone(UTC).isoformat()}"

    @property
    def lag_seconds(self) -> float:
        return (self.detected_at - self.due_at).total_seconds()


# Runs inside the worker's transaction on ``conn``: whatever it writes through ``conn``
# commits together with the timer being marked fired, or not at all. Raising makes the
# fire fail (rolled back, retried with backoff, reported).
Handler = Callable[[psycopg.Connection[Any], Fire], None]
