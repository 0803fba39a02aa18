"""The running worker sleeps until the next due time and is woken early by a nearer timer
(LISTEN/NOTIFY) or by being told the clock moved. Waits are bounded, never timed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from casetrail.platform.timers import TimerWorker, WorkerOptions

pytestmark = pytest.mark.integration

# Far longer than any bounded wait below: a fire within the bound shows the worker was
# woken, not that its sleep ran out.
LONG_SLEEP = WorkerOptions(max_sleep_seconds=3600.0)
BOUND_SECONDS = 30.0


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {BOUND_SECONDS:.0f} s: {what}")
        time.sleep(0.02)


@pytest.fixture
def running(timers_url, handlers, clock):
    worker = TimerWorker(timers_url, handlers, clock=clock, options=LONG_SLEEP)
    worker.start()
    yield worker
    worker.stop()


def asleep(worker: TimerWorker) -> None:
    eventually(
        lambda: worker.listening.is_set() and worker.sleeping_until is not None,
        "the worker listens and sleeps",
    )


def test_a_nearer_timer_wakes_the_sleeping_worker(running, clock, start, arm, effects) -> None:
    arm("later", start + timedelta(minutes=30))
    asleep(running)
    # It sleeps until 'later' (or its bound); this one is due now.
    arm("now", start)
    eventually(lambda: [key for key, *_ in effects()] == ["now"], "the nearer timer fired")


def test_the_worker_told_that_the_clock_moved_fires_what_is_now_due(
    running, clock, start, arm, effects
) -> None:
    arm("in-an-hour", start + timedelta(hours=1))
    asleep(running)
    clock.advance(timedelta(hours=2))
    running.wake()
    eventually(lambda: len(effects()) == 1, "the timer fired after the jump")
    assert effects()[0][2] == start + timedelta(hours=2)  # detected after the jump
