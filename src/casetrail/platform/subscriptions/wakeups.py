"""Wake the runners when events are committed: PostgreSQL LISTEN on the event store's
channel (the event store NOTIFYs it in each inserting transaction)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

logger = logging.getLogger(__name__)


class LogWakeups:
    def __init__(self, connect: Callable[[], psycopg.Connection[DictRow]], channel: str) -> None:
        self._connect = connect
        self._channel = channel
        self._subscribers: list[threading.Event] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self) -> threading.Event:
        wake = threading.Event()
        with self._lock:
            self._subscribers.append(wake)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._listen, name="projection-wakeups", daemon=True
                )
                self._thread.start()
        return wake

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _wake_all(self) -> None:
        with self._lock:
            for wake in self._subscribers:
                wake.set()

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._connect() as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self._channel)))
                    # Events committed while we were not listening are found by the
                    # runners' own reads; wake them once in case they are waiting.
                    self._wake_all()
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=0.25, stop_after=1):
                            self._wake_all()
            except psycopg.Error as error:
                # The runners fall back to polling meanwhile; try again shortly.
                logger.warning("projection wake-ups: %s; listening again in 1 s", error)
                self._stopping.wait(1.0)
