"""What an operator (the CLI, the metrics) wants to know about the timers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from casetrail.platform.timers.clock import require_aware
from casetrail.platform.timers.schema import TIMERS

_COUNTS = f"""
SELECT count(*),
       count(*) FILTER (WHERE due_at <= %(now)s),
       count(*) FILTER (WHERE attempts > 0),
       min(due_at) FILTER (WHERE due_at <= %(now)s)
FROM {TIMERS}
"""

_OVERDUE_BY_KIND = f"""
SELECT kind, count(*) FROM {TIMERS} WHERE due_at <= %(now)s GROUP BY kind ORDER BY kind
"""

_FAILING = f"""
SELECT timer_key, kind, due_at, attempts, last_error, last_failed_at, run_at
FROM {TIMERS}
WHERE attempts > 0
ORDER BY due_at, timer_key
LIMIT %s
"""


@dataclass(frozen=True)
class FailingTimer:
    timer_key: str
    kind: str
    due_at: datetime
    attempts: int
    last_error: str
    last_failed_at: datetime
    next_attempt_at: datetime


@dataclass(frozen=True)
class TimerStatus:
    """``pending`` counts every armed timer (overdue and failing ones included);
    ``overdue`` those whose due time has passed; ``failing`` those whose last attempt
    failed (they are retried, never dropped). ``oldest_overdue_seconds`` is how long the
    oldest overdue timer has been due (0 when none is). A kind that is overdue and not
    failing has no worker running for it, or too few."""

    as_of: datetime
    pending: int
    overdue: int
    failing: int
    oldest_overdue_seconds: float
    overdue_by_kind: Mapping[str, int]
    failing_timers: tuple[FailingTimer, ...]


def timer_status(
    conn: psycopg.Connection[Any], now: datetime, *, failing_limit: int = 20
) -> TimerStatus:
    """The timers as of ``now``, with up to ``failing_limit`` failing ones named."""
    require_aware(now, "now")
    with conn.cursor(row_factory=tuple_row) as cursor:
        counts = cursor.execute(_COUNTS, {"now": now}).fetchone()
        assert counts is not None  # an aggregate always returns a row
        pending, overdue, failing, oldest_due = counts
        overdue_by_kind: dict[str, int] = dict(
            cursor.execute(_OVERDUE_BY_KIND, {"now": now}).fetchall()
        )
        failing_rows = cursor.execute(_FAILING, (failing_limit,)).fetchall()
    lag = 0.0 if oldest_due is None else max(0.0, (now - oldest_due).total_seconds())
    return TimerStatus(
        as_of=now,
        pending=pending,
        overdue=overdue,
        failing=failing,
        oldest_overdue_seconds=lag,
        overdue_by_kind=overdue_by_kind,
        failing_timers=tuple(FailingTimer(*row) for row in failing_rows),
    )
