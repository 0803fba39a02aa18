"""The benchmark harness: a real PostgreSQL for the run, a registry, and the report.

A benchmark is a function taking a :class:`BenchContext` and returning figures. Each figure
carries the ceiling it is compared with (a raw-engine rate measured in the same run), so
the report reads as ratios that mean something on any machine.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from casetrail.bootstrap.settings import Settings
from casetrail.devstack.stack import Stack
from casetrail.platform.embedded_postgres import LocalPostgres


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    ceiling: float | None = None
    ceiling_name: str = ""
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ceiling is None or self.ceiling == 0:
            return None
        return self.value / self.ceiling


@dataclass
class BenchContext:
    postgres: LocalPostgres
    work_dir: Path
    scale: float = 1.0
    _databases: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _stack: Stack | None = None
    _started: list[str] = field(default_factory=list)

    def stack(self, *engines: str) -> Stack:
        """The local engine stack with ``engines`` running (started for this run if needed,
        and stopped again by :meth:`close`)."""
        if self._stack is None:
            self._stack = Stack(Settings(), report=progress)
        self._started += self._stack.up(only=engines).launched
        return self._stack

    def close(self) -> None:
        if self._stack is not None and self._started:
            self._stack.down(only=self._started)

    def fresh_database(self) -> str:
        name = f"bench_{next(self._databases)}_{int(time.time())}"
        self.postgres.create_database(name)
        return self.postgres.dsn(name)

    def count(self, full: int, minimum: int = 100) -> int:
        return max(minimum, int(full * self.scale))


Benchmark = Callable[[BenchContext], list[Figure]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    def register(function: Benchmark) -> Benchmark:
        BENCHMARKS[name] = function
        return function

    return register


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def percentile(samples: Sequence[float], fraction: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=1000, method="inclusive")[int(fraction * 1000) - 1]


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    finished: list[float] = []
    yield lambda: (finished[0] if finished else time.perf_counter()) - started
    finished.append(time.perf_counter())


def report(figures: Sequence[Figure]) -> str:
    rows = [("figure", "value", "ceiling (same run)", "ratio", "target")]
    for figure in figures:
        ceiling = (
            f"{figure.ceiling:,.1f} {figure.unit} ({figure.ceiling_name})"
            if figure.ceiling is not None
            else ""
        )
        ratio = f"{figure.ratio:.2f}×" if figure.ratio is not None else ""
        rows.append(
            (figure.name, f"{figure.value:,.1f} {figure.unit}", ceiling, ratio, figure.target)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
