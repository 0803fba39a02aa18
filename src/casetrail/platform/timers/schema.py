"""The two tables behind durable timers.

``platform_timers`` holds the timers that have not fired yet (one row per timer key, its
current due time, and its failures so far). ``platform_timer_fires`` is the ledger of
fires: one row per (timer key, due time) that fired, with its detection time. A fire is
identified by that pair, so scheduling a key again with a due time that already fired (a
follower replaying its events) does nothing, and a fire is recorded at most once.
"""

from __future__ import annotations

from typing import Any

import psycopg

TIMERS = "platform_timers"
FIRES = "platform_timer_fires"
# Scheduling NOTIFYs this channel with the timer's run time (epoch seconds) on commit.
WAKEUP_CHANNEL = "platform_timers"

_DDL = f"""
CREATE TABLE IF NOT EXISTS {TIMERS} (
    timer_key   text PRIMARY KEY,
    kind        text NOT NULL,
    due_at      timestamptz NOT NULL,
    -- when the worker may fire it next: the due time, or later after a failure
    run_at      timestamptz NOT NULL,
    payload     jsonb NOT NULL,
    cause       text NOT NULL,
    scheduled_at timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    last_failed_at timestamptz
);
CREATE INDEX IF NOT EXISTS {TIMERS}_run_at ON {TIMERS} (run_at);
CREATE TABLE IF NOT EXISTS {FIRES} (
    timer_key   text NOT NULL,
    due_at      timestamptz NOT NULL,
    kind        text NOT NULL,
    payload     jsonb NOT NULL,
    cause       text NOT NULL,
    detected_at timestamptz NOT NULL,
    attempts    integer NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (timer_key, due_at)
);
"""

# Any constant shared by every process that may create the tables at the same time.
_CREATE_LOCK = 0x74696D657273  # "timers"


def create_tables(conn: psycopg.Connection[Any]) -> None:
    """Create the tables if they are missing; safe to call from many processes at once."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
        conn.execute(_DDL)
