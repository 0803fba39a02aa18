"""Small durable writes made at the same time share one transaction.

A write that must be durable before its caller goes on (a customer's new key, which stream
belongs to whom) costs a commit, and a commit costs an fsync. Callers arriving while one
batch commits wait for the next, which carries all of them: one fsync for many, each caller
still returning only once its own item is committed, and hearing of the failure if the batch
failed. (The event store's group commit does the same for events, with conflict isolation.)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchedWrites(Generic[Item, Result]):
    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Result]],
        *,
        name: str,
        max_batch: int = 256,
    ) -> None:
        """``write`` commits every item of a batch in one transaction and answers one result
        per item, in order."""
        self._write = write
        self._name = name
        self._max = max_batch
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches_written = 0

    def submit(self, item: Item) -> Result:
        """Write ``item`` with whatever else is waiting; answers once it is committed."""
        self._ensure_started()
        outcome: Future[Result] = Future()
        self._queue.put((item, outcome))
        return outcome.result()

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
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write_batch(batch)
            if stop:
                return

    def _write_batch(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        try:
            results = self._write([item for item, _ in batch])
            if len(results) != len(batch):
                raise ValueError(f"{len(results)} results for a batch of {len(batch)}")
        except Exception as error:  # every waiting caller must hear of it
            for _, outcome in batch:
                outcome.set_exception(error)
            return
        self.batches_written += 1
        for (_, outcome), result in zip(batch, results, strict=True):
            outcome.set_result(result)
