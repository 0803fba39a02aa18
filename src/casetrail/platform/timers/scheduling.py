"""Schedule and cancel timers inside the caller's own transaction.

A follower calls these with the connection on which it commits its position, so a timer
exists exactly when the event that caused it has been followed. Both are idempotent: the
timer key is the identity, and a (key, due time) pair that already fired is never armed
again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from casetrail.platform.timers.clock import require_aware
from casetrail.platform.timers.schema import FIRES, TIMERS, WAKEUP_CHANNEL

_SCHEDULE = f"""
INSERT INTO {TIMERS} AS timer (timer_key, kind, due_at, run_at, payload, cause)
SELECT %(key)s, %(kind)s, %(due_at)s, %(due_at)s, %(payload)s, %(cause)s
WHERE NOT EXISTS (
    SELECT 1 FROM {FIRES} WHERE timer_key = %(key)s AND due_at = %(due_at)s
)
ON CONFLICT (timer_key) DO UPDATE
    SET kind = excluded.kind, due_at = excluded.due_at, run_at = excluded.run_at,
        payload = excluded.payload, cause = excluded.cause, scheduled_at = now(),
        attempts = 0, last_error = NULL, last_failed_at = NULL
    -- the same timer again (a replayed event) keeps its failures and its retry time
    WHERE (timer.kind, timer.due_at, timer.payload)
        IS DISTINCT FROM (excluded.kind, excluded.due_at, excluded.payload)
RETURNING extract(epoch FROM run_at)::float8
"""

_CANCEL = f"DELETE FROM {TIMERS} WHERE timer_key = ANY(%s)"


def schedule(
    conn: psycopg.Connection[Any],
    timer_key: str,
    due_at: datetime,
    *,
    kind: str,
    payload: Mapping[str, Any],
    cause: str,
) -> bool:
    """Arm the timer ``timer_key`` to fire handler ``kind`` with ``payload`` at ``due_at``.

    Scheduling a key that is armed moves it to the new due time and payload (its failures
    are forgotten: it is a new fire). Scheduling it with a due time that already fired does
    nothing, so a follower that replays its events does not fire anything twice. ``cause``
    names what decided this due time (an event id, a policy version), for provenance.

    Runs in the caller's transaction (it commits or rolls back with the caller's other
    writes); the worker is woken when that transaction commits. Returns whether anything
    changed.
    """
    return schedule_many(conn, [Timer(timer_key, due_at, kind, payload, cause)]) > 0


@dataclass(frozen=True)
class Timer:
    """A timer to arm: what ``schedule`` takes, for ``schedule_many``."""

    key: str
    due_at: datetime
    kind: str
    payload: Mapping[str, Any]
    cause: str


def schedule_many(conn: psycopg.Connection[Any], timers: Sequence[Timer]) -> int:
    """``schedule`` each of ``timers`` (in one round trip where the driver can pipeline);
    returns how many changed. The worker is woken once, for the soonest of them."""
    params = []
    for timer in timers:
        require_aware(timer.due_at, "due_at")
        if not timer.key or not timer.kind:
            raise ValueError("a timer needs a non-empty key and kind")
        params.append(
            {
                "key": timer.key,
                "kind": timer.kind,
                "due_at": timer.due_at,
                "payload": Jsonb(dict(timer.payload)),
                "cause": timer.cause,
            }
        )
    if not params:
        return 0
    run_at: list[float] = []
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.executemany(_SCHEDULE, params, returning=True)
        while True:
            row = cursor.fetchone()
            if row is not None:
                run_at.append(float(row[0]))
            if not cursor.nextset():
                break
        if run_at:
            # Delivered when the caller commits.
            cursor.execute("SELECT pg_notify(%s, %s)", (WAKEUP_CHANNEL, repr(min(run_at))))
    return len(run_at)


def cancel(conn: psycopg.Connection[Any], timer_key: str) -> bool:
    """Disarm ``timer_key`` (a later event made it moot); returns whether it was armed.

    A timer that already fired stays fired: its fire is in the ledger.
    """
    return cancel_many(conn, [timer_key]) > 0


def cancel_many(conn: psycopg.Connection[Any], timer_keys: Sequence[str]) -> int:
    """``cancel`` each of ``timer_keys`` in one statement; returns how many were armed."""
    if not timer_keys:
        return 0
    return conn.execute(_CANCEL, (list(timer_keys),)).rowcount
