"""A subscriber with an external effect, followed by the platform: its position is committed
only after the effect, it resumes from exactly that position after kill -9, and of two
processes only one follows at a time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.subscriber_positions import SubscriberPositions
from tests.fixtures.subscriber_process import SUBSCRIBER, Beacon, Beacons, beacons

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def log(database_url: str) -> Iterator[Beacons]:
    app = beacons(database_url)
    yield app
    app.close()


@pytest.fixture
def follower_process(database_url: str) -> Iterator[Callable[[Path], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(output: Path) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.fixtures.subscriber_process", database_url, str(output)],
            cwd=ROOT,
            env=env,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def record(app: Beacons, pings: int) -> list[int]:
    """Record a beacon and ``pings`` pings; answers their notification ids."""
    beacon = Beacon()
    for _ in range(pings):
        beacon.ping()
    app.save(beacon)
    head = app.recorder.max_notification_id() or 0
    return list(range(head - pings, head + 1))


def delivered(output: Path) -> list[int]:
    return [int(line) for line in output.read_text().split()] if output.exists() else []


def committed(database_url: str) -> int:
    with Database(database_url).connect() as conn:
        return SubscriberPositions().read(conn, SUBSCRIBER)


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_after_kill_9_the_subscriber_resumes_exactly_after_its_committed_position(
    log: Beacons, database_url: str, follower_process: Callable[..., Any], tmp_path: Path
) -> None:
    ids = [n for _ in range(40) for n in record(log, 9)]  # 400 events, 10 per batch
    before, after = tmp_path / "before.txt", tmp_path / "after.txt"
    first = follower_process(before)
    wait_until(lambda: len(delivered(before)) >= 120)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    position = committed(database_url)
    assert 0 < position < ids[-1], "killed mid-way"
    ids += [n for _ in range(5) for n in record(log, 9)]  # more while it was down

    second = follower_process(after)
    wait_until(lambda: set(ids) <= set(delivered(before)) | set(delivered(after)))
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0

    resumed = delivered(after)
    assert resumed[0] == min(n for n in ids if n > position), "resumed elsewhere"
    assert resumed == sorted(resumed) == [n for n in ids if n > position]
    # Before the kill: everything up to the position was acknowledged, and at most the one
    # batch in flight beyond it (delivered, position not yet committed) is delivered again.
    first_run = delivered(before)
    assert [n for n in ids if n <= position] == [n for n in first_run if n <= position]
    assert len([n for n in first_run if n > position]) <= 10


def test_of_two_processes_one_follows_and_the_other_takes_over_when_it_dies(
    log: Beacons, database_url: str, follower_process: Callable[..., Any], tmp_path: Path
) -> None:
    outputs = [tmp_path / "a.txt", tmp_path / "b.txt"]
    processes = [follower_process(output) for output in outputs]
    ids = record(log, 49)
    wait_until(lambda: set(ids) <= set(delivered(outputs[0])) | set(delivered(outputs[1])))
    time.sleep(0.5)  # a second follower would have delivered something by now
    active = [index for index, output in enumerate(outputs) if delivered(output)]
    assert len(active) == 1, "both processes delivered"
    assert delivered(outputs[active[0]]) == ids

    processes[active[0]].send_signal(signal.SIGKILL)
    processes[active[0]].wait(timeout=10)
    more = record(log, 9)
    standby = outputs[1 - active[0]]
    wait_until(lambda: set(more) <= set(delivered(standby)))
    assert delivered(standby) == more
