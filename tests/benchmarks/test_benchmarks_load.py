"""Every benchmark module loads and registers itself: a rename in the code it measures
breaks this test, not the next person's benchmark run."""

from __future__ import annotations

from benchmarks.__main__ import load_benchmarks
from benchmarks.harness import BENCHMARKS


def test_every_benchmark_loads() -> None:
    load_benchmarks()
    assert {
        "write",
        "catch-up",
        "case-list",
        "projection-lag",
        "relay",
        "consume",
        "timeline",
        "sla-catch-up",
        "sla-timer-lag",
    } <= set(BENCHMARKS)
