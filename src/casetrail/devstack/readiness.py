"""Waiting until an engine really serves, not merely until its process exists."""

from __future__ import annotations

import time
from collections.abc import Callable

from casetrail.devstack.errors import StackError


def wait_until_ready(
    engine: str,
    probe: Callable[[], object],
    is_running: Callable[[], bool],
    log_tail: Callable[[], str],
    timeout: float,
    interval: float = 0.5,
) -> None:
    """Call ``probe`` until it returns without raising; fail fast if the process dies.

    The error carries the engine's last log lines: they nearly always say what went wrong.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not is_running():
            raise StackError(f"{engine} exited during start-up; the end of its log:\n{log_tail()}")
        try:
            probe()
        except Exception as error:  # any failure of the probe means "not yet"
            last_error = error
            time.sleep(interval)
        else:
            return
    reason = f" (last check: {_one_line(last_error)})" if last_error else ""
    raise StackError(
        f"{engine} was not ready within {timeout:.0f}s{reason}; the end of its log:\n{log_tail()}"
    )


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
