"""What a context publishes to the process roles that host it.

Each context builds one ``ContextWiring`` in its own package (``<context>/wiring.py``) and
``casetrail.bootstrap.contexts`` lists them: the API role includes the routers, the projector
registers and runs the views and the subscribers (reactions that record decisions), the
scheduler fires the timer handlers by kind (those whose effect is an event-store command are
built on the process's event store).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import Application
from fastapi import APIRouter
from prometheus_client import CollectorRegistry

from casetrail.platform.subscriptions.subscriber import ExternalSubscriber, TransactionalSubscriber
from casetrail.platform.subscriptions.view import BatchedView
from casetrail.platform.timers.fire import Handler

# A subscriber is built per process, on the event store it follows and the process's metrics.
SubscriberFactory = Callable[
    [Application[Any], CollectorRegistry], TransactionalSubscriber | ExternalSubscriber
]
# Timer handlers built on the event store (their findings may be events) that count what
# they do in the process's metrics.
HandlerFactory = Callable[[Application[Any], CollectorRegistry], Mapping[str, Handler]]


@dataclass(frozen=True)
class ContextWiring:
    name: str
    routers: tuple[APIRouter, ...] = ()
    views: tuple[type[BatchedView], ...] = ()
    timer_handlers: Mapping[str, Handler] = field(default_factory=dict)
    # Handlers whose effect is a command on the event store, built once it is open.
    store_timer_handlers: Mapping[str, Callable[[Application[Any]], Handler]] = field(
        default_factory=dict
    )
    subscribers: tuple[SubscriberFactory, ...] = ()
    timer_handler_factory: HandlerFactory | None = None
