"""One firing round: claim due timers, run their handlers, record the fires — in one
transaction on the worker's connection.

Each due row is locked with ``FOR UPDATE SKIP LOCKED``: a timer is claimed by one worker
at a time, and the others pass over it. Per timer, inside a savepoint, the fire is first
written to the ledger (a (key, due time) pair that is already there is not fired again),
then the handler runs on the same connection, then the row is deleted. So the handler's
writes, the ledger row and the deletion commit together or not at all: a worker killed
mid-fire leaves the timer armed, and the next round fires it once.

A handler that raises rolls back to its savepoint; the timer stays armed with its failure
counted, its error kept and its next attempt put off by the backoff policy.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from casetrail.platform.retry import Backoff
from casetrail.platform.timers.fire import Fire, Handler
from casetrail.platform.timers.schema import FIRES, TIMERS

logger = logging.getLogger(__name__)

_CLAIM = f"""
SELECT timer_key, kind, due_at, payload, cause, attempts
FROM {TIMERS}
WHERE run_at <= %(now)s AND kind = ANY(%(kinds)s)
ORDER BY run_at
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""

_RECORD = f"""
INSERT INTO {FIRES} (timer_key, due_at, kind, payload, cause, detected_at, attempts)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (timer_key, due_at) DO NOTHING
RETURNING 1
"""

# Only the claimed due time: a handler that re-armed its own timer for later keeps it.
_DISARM = f"DELETE FROM {TIMERS} WHERE timer_key = %s AND due_at = %s"

_FAILED = f"""
UPDATE {TIMERS}
SET attempts = attempts + 1, last_error = %s, last_failed_at = %s, run_at = %s
WHERE timer_key = %s AND due_at = %s
"""

_MAX_ERROR_CHARS = 2000


@dataclass
class Round:
    """What one round did; complete only once its transaction committed."""

    fired: list[Fire] = field(default_factory=list)
    failed: list[tuple[Fire, str]] = field(default_factory=list)
    already_fired: int = 0

    @property
    def claimed(self) -> int:
        return len(self.fired) + len(self.failed) + self.already_fired


def fire_due(
    conn: psycopg.Connection[Any],
    handlers: Mapping[str, Handler],
    now: datetime,
    *,
    backoff: Backoff,
    limit: int = 100,
) -> Round:
    """Fire up to ``limit`` timers of the kinds in ``handlers`` whose run time is at or
    before ``now`` (which becomes their detection time), in one transaction. A handler's
    ``BaseException`` that is not an ``Exception`` (the process being stopped) rolls the
    whole round back."""
    result = Round()
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cursor:
        claimed = cursor.execute(
            _CLAIM, {"now": now, "kinds": list(handlers), "limit": limit}
        ).fetchall()
        for key, kind, due_at, payload, cause, attempts in claimed:
            fire = Fire(key, kind, due_at, now, payload, cause, attempts + 1)
            try:
                with conn.transaction():
                    if _record(cursor, fire):
                        handlers[kind](conn, fire)
                        result.fired.append(fire)
                    else:
                        result.already_fired += 1
                    cursor.execute(_DISARM, (key, due_at))
            except Exception as error:
                if conn.broken:
                    raise
                retry_at = now + timedelta(seconds=backoff.delay(fire.attempt))
                reason = f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS]
                cursor.execute(_FAILED, (reason, now, retry_at, key, due_at))
                result.failed.append((fire, reason))
                logger.warning(
                    "timer %s (%s) due %s failed on attempt %d, retrying at %s: %s",
                    key,
                    kind,
                    due_at.isoformat(),
                    fire.attempt,
                    retry_at.isoformat(),
                    reason,
                    exc_info=True,
                )
    return result


def _record(cursor: psycopg.Cursor[Any], fire: Fire) -> bool:
    """Write the fire to the ledger; False when this (key, due time) fired before."""
    row = cursor.execute(
        _RECORD,
        (
            fire.timer_key,
            fire.due_at,
            fire.kind,
            Jsonb(dict(fire.payload)),
            fire.cause,
            fire.detected_at,
            fire.attempt,
        ),
    ).fetchone()
    return row is not None
