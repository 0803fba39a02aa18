"""What every process role offers, a role that runs a loop on a thread of its own, and the
composition of several roles in one process."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from casetrail.platform.logs import log_context

logger = logging.getLogger(__name__)


class ProcessRole(Protocol):
    """A long-running part of a process: started once, stopped once."""

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


class LoopRole:
    """A loop that runs until the event it is given is set, on a daemon thread. A loop that
    ends with an error is logged and reported by ``failure`` (for /readyz), never restarted
    behind the operator's back."""

    def __init__(
        self,
        name: str,
        run: Callable[[threading.Event], object],
        *,
        join_timeout: float = 30.0,
    ) -> None:
        self._name = name
        self._run = run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._join_timeout = join_timeout
        self.failure: str | None = None

    @property
    def name(self) -> str:
        return self._name

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._join_timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self) -> None:
        """Until the loop ends (a stop, or an error)."""
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        try:
            with log_context(role=self._name):
                self._run(self._stop)
        except Exception as error:
            lines = str(error).strip().splitlines()
            self.failure = lines[0] if lines else type(error).__name__
            logger.critical("%s halted: %s", self._name, self.failure)


@contextlib.contextmanager
def running(roles: Sequence[ProcessRole]) -> Iterator[None]:
    """Start the roles in order; stop them in reverse order on the way out (those started
    so far, when one fails to start)."""
    with contextlib.ExitStack() as started:
        for role in roles:
            role.start()
            started.callback(role.stop)
        yield
