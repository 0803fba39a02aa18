"""A timer fires once at its due time, as the worker's clock sees it: cancel, reschedule,
replays of the follower, a worker that was down, clock jumps, failing handlers."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest

from casetrail.platform.timers import (
    Fire,
    Timer,
    TimerWorker,
    WorkerOptions,
    cancel,
    cancel_many,
    schedule,
    schedule_many,
    timer_status,
)
from tests.platform.timers.conftest import KIND

pytestmark = pytest.mark.integration

MINUTE = timedelta(minutes=1)


def fires(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT timer_key, due_at, detected_at FROM platform_timer_fires ORDER BY 1, 2"
    ).fetchall()


def test_a_timer_fires_once_at_its_due_time(worker, clock, start, arm, effects) -> None:
    due = start + 10 * MINUTE
    assert arm("case-1:first-response", due, {"case_id": "case-1"})

    assert worker.run_once() == 0
    clock.set(due - timedelta(microseconds=1))
    assert worker.run_once() == 0
    assert effects() == []

    clock.set(due)
    assert worker.run_once() == 1
    assert effects() == [("case-1:first-response", due, due, {"case_id": "case-1"}, 1)]

    clock.advance(timedelta(days=3))
    assert worker.run_once() == 0
    assert len(effects()) == 1


def test_a_later_event_cancels_the_timer(worker, clock, start, arm, conn, effects) -> None:
    arm("case-1:resolution", start + MINUTE)
    with conn.transaction():
        assert cancel(conn, "case-1:resolution")
    with conn.transaction():
        assert not cancel(conn, "case-1:resolution")

    clock.advance(timedelta(hours=1))
    assert worker.run_once() == 0
    assert effects() == []


def test_rescheduling_a_key_moves_its_due_time(worker, clock, start, arm, effects) -> None:
    arm("case-1:next-response", start + 10 * MINUTE, {"version": 1})
    assert arm("case-1:next-response", start + 30 * MINUTE, {"version": 2})

    clock.set(start + 20 * MINUTE)
    assert worker.run_once() == 0

    assert arm("case-1:next-response", start + 25 * MINUTE, {"version": 3})
    clock.set(start + 25 * MINUTE)
    assert worker.run_once() == 1
    clock.set(start + 40 * MINUTE)
    assert worker.run_once() == 0
    assert effects() == [
        ("case-1:next-response", start + 25 * MINUTE, start + 25 * MINUTE, {"version": 3}, 1)
    ]


def test_a_timer_scheduled_in_a_rolled_back_transaction_does_not_exist(
    worker, clock, start, conn, effects
) -> None:
    class FollowerFailed(Exception):
        pass

    def follow_then_fail() -> None:
        with conn.transaction():
            schedule(conn, "case-1:x", start + MINUTE, kind="test.effect", payload={}, cause="e")
            raise FollowerFailed

    with pytest.raises(FollowerFailed):
        follow_then_fail()

    clock.advance(timedelta(hours=1))
    assert worker.run_once() == 0
    assert effects() == []


def test_a_replayed_schedule_does_not_fire_again_but_a_new_due_time_does(
    worker, clock, start, arm, effects
) -> None:
    due = start + MINUTE
    arm("case-1:at-risk", due, cause="e-1")
    clock.set(due)
    assert worker.run_once() == 1

    # The follower replays the event that armed it (a rebuild): already fired.
    assert not arm("case-1:at-risk", due, cause="e-1")
    clock.advance(timedelta(hours=1))
    assert worker.run_once() == 0

    # A policy change moves the deadline: a new due time is a new fire.
    later = due + timedelta(hours=2)
    assert arm("case-1:at-risk", later, cause="e-7")
    clock.set(later)
    assert worker.run_once() == 1
    assert [(key, due_at) for key, due_at, *_ in effects()] == [
        ("case-1:at-risk", due),
        ("case-1:at-risk", later),
    ]


def test_a_worker_that_was_down_fires_overdue_timers_with_their_detection_time(
    timers_url, handlers, clock, start, arm, conn, effects
) -> None:
    first = TimerWorker(timers_url, handlers, clock=clock)
    arm("case-1:breach", start + 5 * MINUTE)
    arm("case-2:breach", start + 50 * MINUTE)
    assert first.run_once() == 0
    first.close()  # the scheduler stops

    clock.set(start + timedelta(hours=3))
    second = TimerWorker(timers_url, handlers, clock=clock)
    try:
        assert second.run_once() == 2
    finally:
        second.close()

    detected = start + timedelta(hours=3)
    assert [(key, due, seen) for key, due, seen, *_ in effects()] == [
        ("case-1:breach", start + 5 * MINUTE, detected),
        ("case-2:breach", start + 50 * MINUTE, detected),
    ]
    assert fires(conn) == [
        ("case-1:breach", start + 5 * MINUTE, detected),
        ("case-2:breach", start + 50 * MINUTE, detected),
    ]


def test_the_clock_jumping_back_does_not_fire_again(worker, clock, start, arm, effects) -> None:
    arm("a", start + 5 * MINUTE)
    arm("b", start + 60 * MINUTE)
    clock.set(start + 10 * MINUTE)
    assert worker.run_once() == 1

    clock.set(start - timedelta(days=1))
    assert worker.run_once() == 0
    arm("a", start + 5 * MINUTE)  # the follower replays meanwhile
    clock.set(start + 10 * MINUTE)
    assert worker.run_once() == 0

    clock.set(start + 2 * 60 * MINUTE)
    assert worker.run_once() == 1
    assert [key for key, *_ in effects()] == ["a", "b"]


def test_the_clock_jumping_forward_fires_everything_due_once(
    timers_url, handlers, clock, start, arm, effects
) -> None:
    dues = {f"case-{n:03}": start + n * 37 * MINUTE for n in range(1, 251)}
    for key, due in dues.items():
        arm(key, due)
    beyond = start + timedelta(days=8)
    arm("later", beyond + MINUTE)

    worker = TimerWorker(timers_url, handlers, clock=clock, options=WorkerOptions(batch_size=40))
    try:
        clock.set(beyond)
        assert worker.run_once() == 250
        assert worker.run_once() == 0
    finally:
        worker.close()

    fired = effects()
    assert [(key, due, seen) for key, due, seen, *_ in fired] == [
        (key, due, beyond) for key, due in sorted(dues.items())
    ]


def test_two_workers_racing_fire_each_timer_exactly_once(
    timers_url, handlers, clock, start, arm, conn, effects
) -> None:
    keys = [f"case-{n:03}" for n in range(300)]
    for n, key in enumerate(keys):
        arm(key, start + (n % 10) * MINUTE)
    clock.set(start + timedelta(hours=1))
    workers = [
        TimerWorker(timers_url, handlers, clock=clock, options=WorkerOptions(batch_size=7))
        for _ in range(2)
    ]
    barrier = threading.Barrier(len(workers))
    fired: list[int] = []
    errors: list[BaseException] = []

    def race(worker: TimerWorker) -> None:
        try:
            worker.next_run_at()  # connected before the start line
            barrier.wait(timeout=30)
            fired.append(worker.run_once())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=race, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for worker in workers:
        worker.close()

    assert errors == []
    assert sum(fired) == len(keys)
    assert sorted(key for key, *_ in effects()) == keys
    assert len(fires(conn)) == len(keys)


def test_a_failing_handler_is_retried_with_backoff_and_reported_until_it_succeeds(
    timers_url, clock, start, arm, conn, effects
) -> None:
    failures_to_come = {"case-1:notify": 2}

    def flaky(connection: psycopg.Connection[Any], fire: Fire) -> None:
        connection.execute(
            "INSERT INTO timer_effects VALUES (%s, %s, %s, '{}', %s)",
            (fire.timer_key, fire.due_at, fire.detected_at, fire.attempt),
        )
        if failures_to_come.get(fire.timer_key, 0) > 0:
            failures_to_come[fire.timer_key] -= 1
            raise RuntimeError("the mail server said no")

    worker = TimerWorker(timers_url, {"test.effect": flaky}, clock=clock)
    try:
        arm("case-1:notify", start)
        arm("case-2:notify", start)
        assert worker.run_once() == 1  # one failed; its neighbour in the round fired
        status = timer_status(conn, clock.now())
        assert (status.pending, status.overdue, status.failing) == (1, 1, 1)
        [failing] = status.failing_timers
        assert (failing.timer_key, failing.attempts) == ("case-1:notify", 1)
        assert failing.last_error == "RuntimeError: the mail server said no"
        assert failing.next_attempt_at > clock.now()

        assert worker.run_once() == 0  # put off by the backoff, not retried at once

        clock.advance(timedelta(hours=1))
        assert worker.run_once() == 0
        assert timer_status(conn, clock.now()).failing_timers[0].attempts == 2

        clock.advance(timedelta(hours=1))
        assert worker.run_once() == 1
    finally:
        worker.close()

    # Only the successful attempts' writes are there; the failed ones rolled back.
    assert [(key, attempt) for key, _, _, _, attempt in effects()] == [
        ("case-1:notify", 3),
        ("case-2:notify", 1),
    ]
    status = timer_status(conn, clock.now())
    assert (status.pending, status.overdue, status.failing) == (0, 0, 0)


def test_a_timer_no_worker_handles_waits_overdue_and_fires_once_one_does(
    timers_url, handlers, clock, start, conn, effects
) -> None:
    with conn.transaction():
        schedule(conn, "case-1:digest", start, kind="digest.send", payload={}, cause="e-1")
    other_kinds = TimerWorker(timers_url, handlers, clock=clock)
    try:
        assert other_kinds.run_once() == 0
        assert other_kinds.next_run_at() is None  # nothing for it to wait for
    finally:
        other_kinds.close()
    clock.advance(timedelta(hours=1))
    status = timer_status(conn, clock.now())
    assert (status.overdue, status.failing, dict(status.overdue_by_kind)) == (
        1,
        0,
        {"digest.send": 1},
    )

    digests = TimerWorker(timers_url, {"digest.send": handlers["test.effect"]}, clock=clock)
    try:
        assert digests.run_once() == 1
    finally:
        digests.close()
    assert [(key, seen, attempt) for key, _, seen, _, attempt in effects()] == [
        ("case-1:digest", start + timedelta(hours=1), 1)
    ]


def test_status_counts_pending_overdue_and_the_oldest_lag(clock, start, arm, conn) -> None:
    empty = timer_status(conn, clock.now())
    assert (empty.pending, empty.overdue, empty.failing, empty.oldest_overdue_seconds) == (
        0,
        0,
        0,
        0.0,
    )
    arm("a", start - 10 * MINUTE)
    arm("b", start - 2 * MINUTE)
    arm("c", start + 5 * MINUTE)

    status = timer_status(conn, clock.now())
    assert (status.pending, status.overdue, status.failing) == (3, 2, 0)
    assert status.oldest_overdue_seconds == 600.0
    assert dict(status.overdue_by_kind) == {"test.effect": 2}


def test_a_fire_names_an_idempotency_key_per_timer_and_due_time(start) -> None:
    def fire(key: str, due: datetime, attempt: int) -> Fire:
        return Fire(key, "k", due, due + MINUTE, {}, "e-1", attempt)

    assert fire("a", start, 1).idempotency_key == fire("a", start, 4).idempotency_key
    assert fire("a", start, 1).idempotency_key != fire("a", start + MINUTE, 1).idempotency_key
    assert fire("a", start, 1).idempotency_key != fire("b", start, 1).idempotency_key
    # the same instant, read by a session in another time zone
    berlin = start.astimezone(timezone(timedelta(hours=1)))
    assert fire("a", berlin, 1).idempotency_key == fire("a", start, 1).idempotency_key


def test_naive_due_times_are_refused(conn) -> None:
    with pytest.raises(ValueError, match="timezone-aware"), conn.transaction():
        schedule(conn, "a", datetime(2026, 1, 1), kind="k", payload={}, cause="e-1")


def test_timers_armed_and_cancelled_together_fire_as_if_one_by_one(
    worker, clock, start, conn, effects
) -> None:
    due = [start + n * MINUTE for n in (1, 2, 3)]
    batch = [
        Timer(f"case-{n}:first-response", when, KIND, {"n": n}, "e-1") for n, when in enumerate(due)
    ]
    with conn.transaction():
        assert schedule_many(conn, batch) == 3
    with conn.transaction():
        assert schedule_many(conn, batch) == 0  # the same again: nothing changed
        assert cancel_many(conn, ["case-1:first-response", "case-9:never-armed"]) == 1

    clock.advance(timedelta(hours=1))
    assert worker.run_once() == 2
    assert [row[0] for row in effects()] == ["case-0:first-response", "case-2:first-response"]
