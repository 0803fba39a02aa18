"""The timer worker's Prometheus metrics: fires, failures, lag and the status gauges."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from prometheus_client import CollectorRegistry

from casetrail.platform.timers import Fire, TimerMetrics, TimerWorker, timer_status

pytestmark = pytest.mark.integration


def test_metrics_count_fires_failures_and_show_the_status(
    timers_url, clock, start, arm, conn
) -> None:
    def refuse_one(connection: psycopg.Connection[Any], fire: Fire) -> None:
        if fire.timer_key == "bad":
            raise RuntimeError("no")

    registry = CollectorRegistry()
    metrics = TimerMetrics(registry)
    worker = TimerWorker(timers_url, {"test.effect": refuse_one}, clock=clock, metrics=metrics)
    arm("good", start)
    arm("bad", start - timedelta(minutes=3))
    arm("future", start + timedelta(hours=1))
    clock.advance(timedelta(seconds=30))
    try:
        assert worker.run_once() == 1
    finally:
        worker.close()
    metrics.observe_status(timer_status(conn, clock.now()))

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert sample("casetrail_timer_fires_total", kind="test.effect") == 1
    assert sample("casetrail_timer_failures_total", kind="test.effect") == 1
    assert sample("casetrail_timer_fire_lag_seconds_sum", kind="test.effect") == 30
    assert sample("casetrail_timer_pending") == 2
    assert sample("casetrail_timer_overdue") == 1
    assert sample("casetrail_timer_failing") == 1
    assert sample("casetrail_timer_oldest_overdue_seconds") == 210
