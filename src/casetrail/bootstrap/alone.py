"""One role alone in its process, to scale it apart from the API: ``casetrail project``,
``casetrail relay``, ``casetrail scheduler``. Each wires only what its role needs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.contexts import CONTEXTS, Contexts, timer_handlers
from casetrail.bootstrap.process import ProcessCore, process_core
from casetrail.bootstrap.read_side import prepare_read_models
from casetrail.bootstrap.roles.base import LoopRole
from casetrail.bootstrap.roles.projector import ProjectorRole, build_projector
from casetrail.bootstrap.roles.relay import build_relay
from casetrail.bootstrap.roles.scheduler import SchedulerRole, build_scheduler
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import invalidate_after_commit, redis_invalidation
from casetrail.platform.subscriptions.status import (
    CachedStatus,
    ProjectionLagCollector,
    StatusReader,
)


@contextlib.contextmanager
def projector_alone(
    settings: Settings, contexts: Contexts = CONTEXTS
) -> Iterator[tuple[ProcessCore, ProjectorRole]]:
    """The projections' runners, their lag as metrics, and the shared timeline cache told
    of their commits when Redis is configured (else no cache outside the API to tell)."""
    with process_core(settings, contexts) as core, contextlib.ExitStack() as closing:
        database = core.read_database()
        prepare_read_models(core.desk, database, core.projections)
        status = CachedStatus(StatusReader(core.desk, database.connect))
        core.registry.register(ProjectionLagCollector(status))
        invalidation = redis_invalidation(settings, core.database_url)
        if invalidation is not None:
            closing.callback(invalidation.close)
        projector = build_projector(
            core.desk,
            database,
            settings,
            core.registry,
            projections=core.projections,
            after_commit=None if invalidation is None else invalidate_after_commit(invalidation),
            contexts=contexts,
        )
        yield core, projector


@contextlib.contextmanager
def relay_alone(settings: Settings) -> Iterator[tuple[ProcessCore, LoopRole]]:
    if not settings.kafka.bootstrap_servers:
        raise ValueError("the relay needs CASETRAIL_KAFKA_BOOTSTRAP_SERVERS")
    with process_core(settings) as core:
        relay = build_relay(
            core.desk, core.database_url, settings.kafka.bootstrap_servers, core.registry
        )
        yield core, relay


@contextlib.contextmanager
def scheduler_alone(
    settings: Settings, registry: CollectorRegistry, contexts: Contexts = CONTEXTS
) -> Iterator[SchedulerRole]:
    """The timer worker with every context's handlers, those that command the event store
    on this process's desk."""
    with process_core(settings, contexts) as core:
        handlers = timer_handlers(contexts, store=core.desk, registry=registry)
        yield build_scheduler(core.database_url, handlers, settings.scheduler, registry)
