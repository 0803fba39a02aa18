"""Group commit: concurrent commands share one transaction, each keeps its own outcome.

Durability stays on (one fsync per transaction); throughput comes from putting many
commands in that transaction. While one batch commits, the next accumulates. If a batch
fails on a conflict, its commands are retried one by one so that only the conflicting
command fails.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from eventsourcing.persistence import IntegrityError, StoredEvent

from casetrail.platform.eventstore.ports import IdempotencyRecord

WriteBatch = Callable[[Sequence[StoredEvent], Sequence[IdempotencyRecord]], Sequence[int]]


class CommitConflict(Exception):
    """The command's events or idempotency key conflict with what is already committed."""


@dataclass
class _Pending:
    events: Sequence[StoredEvent]
    record: IdempotencyRecord | None
    outcome: Future[list[int]] = field(default_factory=Future)


class GroupCommitter:
    def __init__(
        self,
        write: WriteBatch,
        max_commands_per_commit: int = 256,
        linger_seconds: float = 0.0,
    ) -> None:
        self._write = write
        self._max = max_commands_per_commit
        # Like Kafka's linger.ms: a short wait lets callers woken by the last commit join the
        # next one, so batches fill instead of alternating between two half-full ones. It
        # only waits for as many callers as recent batches had, so a lone caller never waits.
        self._linger = linger_seconds
        self._expected_batch = 1.0
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches_committed = 0
        self.commands_committed = 0

    def commit(self, events: Sequence[StoredEvent], record: IdempotencyRecord | None) -> list[int]:
        """Write the events (and record) durably; answer their notification ids."""
        self._ensure_started()
        pending = _Pending(events, record)
        self._queue.put(pending)
        try:
            return pending.outcome.result()
        except IntegrityError as conflict:
            raise CommitConflict(str(conflict)) from conflict

    def close(self) -> None:
        with self._start_lock:
            if self._thread is None:
                return
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="casetrail-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            deadline = time.monotonic() + self._linger
            while len(batch) < self._max:
                remaining = deadline - time.monotonic()
                try:
                    if remaining > 0 and len(batch) < int(self._expected_batch):
                        more = self._queue.get(timeout=remaining)
                    else:
                        more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._expected_batch = max(float(len(batch)), self._expected_batch * 0.9)
            self._commit_batch(batch)
            if stop:
                return

    def _commit_batch(self, batch: list[_Pending]) -> None:
        events = [event for pending in batch for event in pending.events]
        records = [pending.record for pending in batch if pending.record is not None]
        try:
            ids = list(self._write(events, records))
        except IntegrityError as conflict:
            if len(batch) == 1:
                batch[0].outcome.set_exception(conflict)
            else:
                # Find the culprit(s): the others must not fail because of them.
                for pending in batch:
                    self._commit_batch([pending])
            return
        except Exception as error:  # every waiting caller must hear of it
            for pending in batch:
                pending.outcome.set_exception(error)
            return
        self.batches_committed += 1
        self.commands_committed += len(batch)
        start = 0
        for pending in batch:
            end = start + len(pending.events)
            pending.outcome.set_result(ids[start:end])
            start = end
