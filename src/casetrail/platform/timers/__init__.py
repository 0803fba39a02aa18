"""Durable timers: a due-time table that followers fill from events, and a clock worker
that fires each timer once at its due time, also after the worker was down.

A feature arms a timer with ``schedule`` (and disarms it with ``cancel``) in the
transaction that commits its follower's position, and registers a ``Handler`` for the
timer's kind with a ``TimerWorker``. The handler gets the worker's connection and a
``Fire`` (due time, detection time); what it writes through that connection commits with
the timer being marked fired. See docs/timers.md.
"""

from casetrail.platform.timers.clock import Clock, ManualClock, SystemClock
from casetrail.platform.timers.fire import Fire, Handler
from casetrail.platform.timers.metrics import TimerMetrics
from casetrail.platform.timers.scheduling import (
    Timer,
    cancel,
    cancel_many,
    schedule,
    schedule_many,
)
from casetrail.platform.timers.schema import create_tables
from casetrail.platform.timers.status import FailingTimer, TimerStatus, timer_status
from casetrail.platform.timers.worker import TimerWorker, WorkerOptions

__all__ = [
    "Clock",
    "FailingTimer",
    "Fire",
    "Handler",
    "ManualClock",
    "SystemClock",
    "Timer",
    "TimerMetrics",
    "TimerStatus",
    "TimerWorker",
    "WorkerOptions",
    "cancel",
    "cancel_many",
    "create_tables",
    "schedule",
    "schedule_many",
    "timer_status",
]
