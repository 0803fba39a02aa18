"""Keeps each follower going: restarts it after a failure, with backoff.

A follower is a projection runner or a subscriber's follower (``follower``): anything that
follows the log until stopped and counts the batches it committed. A poison event is logged
as an error and counted, and the follower is retried (still stopped before that event) with
growing pauses; nothing is skipped unless an operator parks it (``casetrail projections
park``, see ``parking``). Transient failures (the database restarting, a broker away) are
retried the same way, logged as warnings. The pauses follow the platform's one retry policy
(``casetrail.platform.retry``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from prometheus_client import Counter, Gauge

from casetrail.platform.logs import in_log_context
from casetrail.platform.retry import Backoff
from casetrail.platform.subscriptions.batches import TRANSIENT_ERRORS
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.wakeups import LogWakeups

logger = logging.getLogger(__name__)

__all__ = ["Backoff", "FollowerMetrics", "ProjectionSupervisor", "Supervised", "supervise"]


class Supervised(Protocol):
    """What the supervisor needs of a follower."""

    @property
    def name(self) -> str: ...

    @property
    def batches_applied(self) -> int: ...

    def run(self, stop: threading.Event) -> None:
        """Follow until ``stop`` is set; raise when it cannot go on."""

    def wake(self) -> None:
        """Look for new events now (also to notice ``stop`` sooner)."""


class FollowerMetrics(Protocol):
    """The supervisor's counters, labelled by follower (and ``kind`` for failures)."""

    @property
    def failures(self) -> Counter: ...

    @property
    def poison_events(self) -> Counter: ...

    @property
    def blocked_at(self) -> Gauge: ...


class ProjectionSupervisor:
    def __init__(
        self,
        workers: Sequence[Supervised],
        *,
        metrics: FollowerMetrics,
        wakeups: LogWakeups | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.workers = list(workers)
        self._metrics = metrics
        self._wakeups = wakeups
        self._backoff = backoff or Backoff()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failures: dict[str, int] = {}

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(
                target=in_log_context(self._supervise, role="projector", projection=worker.name),
                args=(worker,),
                name=f"follower-{worker.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for worker in self.workers:
            worker.wake()
        for thread in self._threads:
            thread.join(timeout)
        if self._wakeups is not None:
            self._wakeups.stop()

    def wait(self) -> None:
        """Block until stopped (``casetrail project`` runs this in its main thread)."""
        while not self._stop.wait(1.0):
            pass

    def _supervise(self, worker: Supervised) -> None:
        supervise(
            worker,
            self._stop,
            metrics=self._metrics,
            backoff=self._backoff,
            on_failure=self._count_failure,
        )

    def _count_failure(self, name: str) -> None:
        self.failures[name] = self.failures.get(name, 0) + 1


def supervise(
    worker: Supervised,
    stop: threading.Event,
    *,
    metrics: FollowerMetrics,
    backoff: Backoff,
    on_failure: Callable[[str], None] | None = None,
) -> None:
    """Run ``worker`` in this thread until ``stop`` is set, restarting it after each failure
    with the backoff's pauses (reset once it made progress)."""
    name = worker.name
    failures = 0
    while not stop.is_set():
        batches_before = worker.batches_applied
        try:
            worker.run(stop)
            return
        except PoisonEvent as poison:
            kind = "poison"
            metrics.poison_events.labels(name).inc()
            metrics.blocked_at.labels(name).set(poison.notification_id)
            logger.error(
                "%s (retrying; nothing is skipped unless parked: casetrail projections "
                "status shows it, casetrail projections park passes it)",
                poison,
            )
        except TRANSIENT_ERRORS as error:
            kind = "transient"
            logger.warning("%s interrupted: %s", name, error)
        except Exception:
            kind = "error"
            logger.exception("%s failed", name)
        if worker.batches_applied > batches_before:
            failures = 0  # it made progress since the last failure
            if kind != "poison":
                metrics.blocked_at.labels(name).set(0)
        failures += 1
        if on_failure is not None:
            on_failure(name)
        metrics.failures.labels(name, kind).inc()
        delay = backoff.delay(failures)
        logger.info("%s: restarting in %.1f s", name, delay)
        stop.wait(delay)
