"""kill -9 of a worker process while a handler's effect is written but not committed: the
restarted worker fires every timer, and each effect exists exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casetrail.platform.timers import TimerWorker, timer_status

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).with_name("blocking_worker.py")
BOUND_SECONDS = 60.0


def wait_for(condition, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {BOUND_SECONDS:.0f} s: {what}")
        time.sleep(0.05)


def worker_process(timers_url: str, *mode: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(SCRIPT), timers_url, *mode])


def test_kill_9_mid_fire_then_restart_fires_each_timer_exactly_once(
    timers_url, handlers, arm, conn, effects, tmp_path: Path
) -> None:
    due = datetime.now(UTC) - timedelta(minutes=5)
    keys = ["case-1", "case-2", "case-3"]
    for key in keys:
        arm(key, due)

    blocked = tmp_path / "blocked"
    first = worker_process(timers_url, "block", str(blocked))
    try:
        wait_for(blocked.exists, "the handler blocked after writing its effect", first)
        # Written, not committed: nobody sees the effects, and the claimed timers stay
        # locked, so another worker passes over them instead of firing them again.
        assert effects() == []
        bystander = TimerWorker(timers_url, handlers)
        try:
            assert bystander.run_once() == 0
        finally:
            bystander.close()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=BOUND_SECONDS)
    assert effects() == []
    assert timer_status(conn, datetime.now(UTC)).pending == 3

    second = worker_process(timers_url, "run")
    try:
        wait_for(lambda: len(effects()) >= 3, "the restarted worker fired", second)
    finally:
        os.kill(second.pid, signal.SIGKILL)
        second.wait(timeout=BOUND_SECONDS)

    assert sorted(key for key, *_ in effects()) == keys
    fired = conn.execute("SELECT timer_key FROM platform_timer_fires ORDER BY 1").fetchall()
    assert [key for (key,) in fired] == keys
    assert timer_status(conn, datetime.now(UTC)).pending == 0
