"""Keeps each projection runner going: restarts it after a failure, with backoff.

A poison event is logged as an error and counted, and the runner is retried (still
stopped before that event) with growing pauses; nothing is skipped unless an operator
parks it (``casetrail projections park``, see ``parking``). Transient
failures (the database restarting) are retried the same way, logged as warnings.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from casetrail.platform.subscriptions.batches import TRANSIENT_ERRORS
from casetrail.platform.subscriptions.errors import PoisonEvent
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.wakeups import LogWakeups
from casetrail.platform.subscriptions.worker import ProjectionWorker

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    first_seconds: float = 0.5
    max_seconds: float = 30.0

    def delay(self, failures: int) -> float:
        ceiling = min(self.max_seconds, self.first_seconds * 2 ** max(0, failures - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


class ProjectionSupervisor:
    def __init__(
        self,
        workers: Sequence[ProjectionWorker],
        *,
        metrics: ProjectionMetrics,
        wakeups: LogWakeups | None = None,
        backoff: Backoff = Backoff(),
    ) -> None:
        self.workers = list(workers)
        self._metrics = metrics
        self._wakeups = wakeups
        self._backoff = backoff
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failures: dict[str, int] = {}

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(
                target=self._supervise,
                args=(worker,),
                name=f"projection-{worker.projection}",
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

    def _supervise(self, worker: ProjectionWorker) -> None:
        name = worker.projection
        failures = 0
        while not self._stop.is_set():
            batches_before = worker.batches_applied
            try:
                worker.run(self._stop)
                return
            except PoisonEvent as poison:
                kind = "poison"
                self._metrics.poison_events.labels(name).inc()
                self._metrics.blocked_at.labels(name).set(poison.notification_id)
                logger.error(
                    "%s (retrying; nothing is skipped unless parked: casetrail projections "
                    "status shows it, casetrail projections park passes it)",
                    poison,
                )
            except TRANSIENT_ERRORS as error:
                kind = "transient"
                logger.warning("projection %s interrupted: %s", name, error)
            except Exception:
                kind = "error"
                logger.exception("projection %s failed", name)
            if worker.batches_applied > batches_before:
                failures = 0  # it made progress since the last failure
                if kind != "poison":
                    self._metrics.blocked_at.labels(name).set(0)
            failures += 1
            self.failures[name] = self.failures.get(name, 0) + 1
            self._metrics.failures.labels(name, kind).inc()
            delay = self._backoff.delay(failures)
            logger.info("projection %s: restarting in %.1f s", name, delay)
            self._stop.wait(delay)
