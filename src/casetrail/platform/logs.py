"""Log lines people can use: one JSON object a line (or human-readable on a terminal), each
carrying the context it was written in — the request id, principal and route of a request,
the role and projection of a worker, the case it is about.

Code logs through the standard library (``logging.getLogger(__name__)``, fields in
``extra=``); structlog renders every record, ours and the libraries', the same way and adds
what ``log_context`` bound on the running thread or task.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TextIO, TypeVar

import structlog
from opentelemetry import trace
from structlog.typing import EventDict, Processor, WrappedLogger

T = TypeVar("T")

# Marks the handler casetrail installed, so configuring again replaces it.
_HANDLER_NAME = "casetrail"


class LogFormat(StrEnum):
    AUTO = "auto"  # human-readable when the stream is a terminal, JSON otherwise
    JSON = "json"
    CONSOLE = "console"


def _thread_name(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    record = event.get("_record")
    if record is not None and record.threadName != "MainThread":
        event.setdefault("thread", record.threadName)
    return event


def _trace_ids(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """The trace and span a line was logged in, when tracing is on: logs and traces meet."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", f"{context.trace_id:032x}")
        event.setdefault("span_id", f"{context.span_id:016x}")
    return event


def _without_empty(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    return {key: value for key, value in event.items() if value is not None}


_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
    _thread_name,
    _trace_ids,
    _without_empty,
]


def configure_logging(
    log_format: LogFormat = LogFormat.AUTO, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Send every log record to ``stream`` (stderr), rendered for ``log_format``."""
    stream = stream if stream is not None else sys.stderr
    human = log_format is LogFormat.CONSOLE or (
        log_format is LogFormat.AUTO and _is_terminal(stream)
    )
    rendering: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if human:
        rendering.append(structlog.dev.ConsoleRenderer(colors=_is_terminal(stream)))
    else:
        rendering += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_SHARED, processors=rendering)
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Every line logged inside (on this thread or task) carries ``fields``."""
    with structlog.contextvars.bound_contextvars(**fields):
        yield


def bind_log_context(**fields: Any) -> None:
    """Add ``fields`` to the lines logged from here on, in this thread or task."""
    structlog.contextvars.bind_contextvars(**fields)


def in_log_context(target: Callable[..., T], **fields: Any) -> Callable[..., T]:
    """``target`` run with ``fields`` on its lines: for a thread's target."""

    def run(*args: Any, **kwargs: Any) -> T:
        with log_context(**fields):
            return target(*args, **kwargs)

    return run
