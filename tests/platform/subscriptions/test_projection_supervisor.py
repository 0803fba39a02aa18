"""The supervisor restarts a failing runner with growing pauses and reports poison events."""

from __future__ import annotations

import logging
import threading
import time
import uuid

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.supervisor import Backoff, ProjectionSupervisor


class FlakyRunner:
    """Fails with each of ``failures`` in turn, then runs until stopped."""

    def __init__(self, failures: list[BaseException]) -> None:
        self.name = "case_list"
        self.batches_applied = 0
        self.failures = failures
        self.starts: list[float] = []
        self.running = threading.Event()

    def run(self, stop: threading.Event) -> None:
        self.starts.append(time.monotonic())
        if self.failures:
            raise self.failures.pop(0)
        self.running.set()
        stop.wait()

    def wake(self) -> None:
        pass


def supervise(runner: FlakyRunner) -> tuple[ProjectionSupervisor, CollectorRegistry]:
    registry = CollectorRegistry()
    supervisor = ProjectionSupervisor(
        [runner],  # type: ignore[list-item]
        metrics=ProjectionMetrics(registry),
        backoff=Backoff(first_seconds=0.02, max_seconds=0.05),
    )
    supervisor.start()
    return supervisor, registry


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, {"projection": "case_list", **labels}) or 0.0


def test_a_failing_runner_is_restarted_with_backoff_until_it_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    poison = PoisonEvent(
        "case_list", 42, "casetrail.ticket.Opened.v1", uuid.uuid4(), ValueError("bad")
    )
    runner = FlakyRunner([psycopg.OperationalError("server closed"), poison, RuntimeError("bug")])
    with caplog.at_level(logging.INFO):
        supervisor, registry = supervise(runner)
        try:
            assert runner.running.wait(5)
        finally:
            supervisor.stop()
    assert len(runner.starts) == 4
    pauses = [
        later - earlier for earlier, later in zip(runner.starts, runner.starts[1:], strict=False)
    ]
    assert all(pause >= 0.01 for pause in pauses)
    assert sample(registry, "casetrail_projection_failures_total", kind="transient") == 1
    assert sample(registry, "casetrail_projection_failures_total", kind="poison") == 1
    assert sample(registry, "casetrail_projection_failures_total", kind="error") == 1
    assert sample(registry, "casetrail_projection_poison_events_total") == 1
    assert sample(registry, "casetrail_projection_blocked_at_notification") == 42
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("notification 42" in record.getMessage() for record in errors)
    assert any("nothing is skipped" in record.getMessage() for record in errors)


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(first_seconds=1.0, max_seconds=8.0)
    ceilings = [max(backoff.delay(failures) for _ in range(50)) for failures in range(1, 7)]
    assert ceilings[0] <= 1.0
    assert ceilings[3] > 4.0
    assert all(ceiling <= 8.0 for ceiling in ceilings)


def test_stopping_ends_a_runner_that_waits() -> None:
    runner = FlakyRunner([])
    supervisor, _ = supervise(runner)
    assert runner.running.wait(5)
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 2
