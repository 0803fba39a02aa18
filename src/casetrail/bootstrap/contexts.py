"""The contexts casetrail runs: one line each. A new context publishes a ``ContextWiring``
in its own package (routers, projection views, timer handlers) and is added here; every
process role takes what it hosts from this list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from fastapi import APIRouter
from prometheus_client import CollectorRegistry

from casetrail.agents.wiring import AGENTS
from casetrail.cases.wiring import cases_context
from casetrail.commerce.wiring import COMMERCE
from casetrail.customers.wiring import CUSTOMERS
from casetrail.platform.context_wiring import ContextWiring
from casetrail.platform.subscriptions.catalog import register
from casetrail.platform.subscriptions.subscriber import (
    ExternalSubscriber,
    TransactionalSubscriber,
)
from casetrail.platform.subscriptions.view import BatchedView
from casetrail.platform.timers.fire import Handler
from casetrail.privacy.wiring import PRIVACY
from casetrail.sla.wiring import SLA
from casetrail.timeline.wiring import CASE_TIMELINE, TIMELINE

CONTEXTS: tuple[ContextWiring, ...] = (
    cases_context(case_detail=CASE_TIMELINE),
    AGENTS,
    COMMERCE,
    PRIVACY,
    TIMELINE,
    CUSTOMERS,
    SLA,
)

Contexts = Sequence[ContextWiring]


def routers(contexts: Contexts = CONTEXTS) -> list[APIRouter]:
    return [router for context in contexts for router in context.routers]


def projection_views(contexts: Contexts = CONTEXTS) -> dict[str, type[BatchedView]]:
    """The projections by name, in the order the contexts list them."""
    views: dict[str, type[BatchedView]] = {}
    for context in contexts:
        for view in context.views:
            if view.projection_name in views:
                raise ValueError(f"two projections are named {view.projection_name!r}")
            views[view.projection_name] = view
    return views


def register_projections(contexts: Contexts = CONTEXTS) -> dict[str, type[BatchedView]]:
    """Make the contexts' views known to the subscription machinery (runners, rebuilds,
    status), and return them by name."""
    views = projection_views(contexts)
    register(*views.values())
    return views


def timer_handlers(
    contexts: Contexts = CONTEXTS,
    store: Application[Any] | None = None,
    registry: CollectorRegistry | None = None,
) -> dict[str, Handler]:
    """The handler of each timer kind; a kind belongs to one context. Handlers built on the
    event store are included when its application (``store``) is given; handlers that count
    what they do count in ``registry``."""
    handlers: dict[str, Handler] = {}
    registry = registry if registry is not None else CollectorRegistry()
    for context in contexts:
        built = {
            kind: build(store)
            for kind, build in context.store_timer_handlers.items()
            if store is not None
        }
        if context.timer_handler_factory is not None and store is not None:
            built |= context.timer_handler_factory(store, registry)
        for kind, handler in {**context.timer_handlers, **built}.items():
            if kind in handlers:
                raise ValueError(f"two contexts handle timers of kind {kind!r}")
            handlers[kind] = handler
    return handlers


def subscribers(
    app: Application[Any], registry: CollectorRegistry, contexts: Contexts = CONTEXTS
) -> list[TransactionalSubscriber | ExternalSubscriber]:
    """The contexts' subscribers, built on ``app``'s event log; names are unique."""
    built = [factory(app, registry) for context in contexts for factory in context.subscribers]
    names = [subscriber.name for subscriber in built]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"two subscribers are named {name!r}")
    return built
