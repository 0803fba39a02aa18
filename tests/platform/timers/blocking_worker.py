"""A timer worker process for the kill -9 test (run as a script, never imported).

``python blocking_worker.py DATABASE_URL block MARKER``: the handler writes its effect,
then creates MARKER and blocks before its transaction commits, waiting to be killed.
``python blocking_worker.py DATABASE_URL run``: an ordinary worker, until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from casetrail.platform.timers import Fire, TimerWorker, WorkerOptions


def main(database_url: str, mode: str, marker: str | None = None) -> None:
    def write_effect(conn: psycopg.Connection[Any], fire: Fire) -> None:
        conn.execute(
            "INSERT INTO timer_effects VALUES (%s, %s, %s, '{}', %s)",
            (fire.timer_key, fire.due_at, fire.detected_at, fire.attempt),
        )
        if mode == "block" and fire.timer_key.endswith("2"):
            assert marker is not None
            Path(marker).touch()
            while True:
                time.sleep(60)

    worker = TimerWorker(
        database_url, {"test.effect": write_effect}, options=WorkerOptions(max_sleep_seconds=0.2)
    )
    worker.run()


if __name__ == "__main__":
    main(*sys.argv[1:])
