"""``casetrail serve``: the api role plus, unless told otherwise, every other role the
settings enable — projector, relay and consumer (when Kafka is configured), scheduler —
each in this process. Several servers may run side by side: each projection is active in
one of them, the consumer group shares the partitions, timers are claimed one by one."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from casetrail.agents.analyst_view import prepare_agent_views
from casetrail.agents.projections.read_model import PostgresDirectory
from casetrail.agents.service.directory import Directory
from casetrail.bootstrap.authentication import build_authentication
from casetrail.bootstrap.commerce import open_customer_context
from casetrail.bootstrap.contexts import CONTEXTS, Contexts, timer_handlers
from casetrail.bootstrap.event_store import EventStoreDatabase, utc_now
from casetrail.bootstrap.process import process_core
from casetrail.bootstrap.read_side import start_read_side
from casetrail.bootstrap.readiness import postgres_check, projections_check
from casetrail.bootstrap.roles.api import ApiDependencies, ApiServer, build_api_app
from casetrail.bootstrap.roles.base import ProcessRole
from casetrail.bootstrap.roles.consumer import build_consumer_role, consumer_readiness
from casetrail.bootstrap.roles.projector import build_projector
from casetrail.bootstrap.roles.relay import build_relay
from casetrail.bootstrap.roles.scheduler import build_scheduler
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import TimelineSide, invalidate_after_commit
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.platform.http.bounded_http import HeadLimits
from casetrail.platform.http.routes_health import ReadinessCheck
from casetrail.privacy.analyst_views import prepare_analyst_views
from casetrail.privacy.erasure import erasure_for


class RoleName(StrEnum):
    API = "api"
    PROJECTOR = "projector"
    RELAY = "relay"
    CONSUMER = "consumer"
    SCHEDULER = "scheduler"


def serve_roles(settings: Settings) -> tuple[RoleName, ...]:
    """The roles ``casetrail serve`` runs, in the order they start (the API last, once the
    others are running; they stop in reverse)."""
    roles: list[RoleName] = []
    if settings.run_workers:
        roles.append(RoleName.PROJECTOR)
        if settings.kafka.bootstrap_servers:
            roles += [RoleName.RELAY, RoleName.CONSUMER]
        if settings.scheduler.in_serve:
            roles.append(RoleName.SCHEDULER)
    return (*roles, RoleName.API)


def head_limits(settings: Settings) -> HeadLimits:
    return HeadLimits(
        max_bytes=settings.http.max_header_bytes,
        max_fields=settings.http.max_header_fields,
        timeout_seconds=settings.http.header_timeout_seconds,
    )


@dataclass(frozen=True)
class ServeProcess:
    database: EventStoreDatabase
    roles: tuple[ProcessRole, ...]
    api: ApiServer


@contextlib.contextmanager
def serve_process(
    settings: Settings, listener: socket.socket, contexts: Contexts = CONTEXTS
) -> Iterator[ServeProcess]:
    """Every role of the settings wired (not started) on one event store; the shared parts
    (read models, timeline cache, customer context) closed on the way out."""
    enabled = serve_roles(settings)
    with process_core(settings, contexts) as core, contextlib.ExitStack() as closing:
        url, registry = core.database_url, core.registry
        timeline = TimelineSide(settings, url, registry)
        closing.callback(timeline.close)
        read_side = start_read_side(
            core.desk,
            url,
            settings,
            registry,
            run_projections=False,
            projections=core.projections,
        )
        closing.callback(read_side.close)
        # Over the read models: the timeline view, then the masked views analysts query.
        timeline.prepare()
        prepare_analyst_views(url)
        prepare_agent_views(url)
        directory_reader = PostgresDirectory(read_side.database.datastore(pool_size=2))
        closing.callback(directory_reader.close)
        customer_context = open_customer_context(url)
        closing.callback(customer_context.close)
        checks: dict[str, ReadinessCheck] = {
            "postgres": postgres_check(url),
            "projections": projections_check(
                read_side.status, settings.projections.ready_max_lag_seconds
            ),
        }
        roles: list[ProcessRole] = []
        if RoleName.PROJECTOR in enabled:
            roles.append(
                build_projector(
                    core.desk,
                    read_side.database,
                    settings,
                    registry,
                    projections=core.projections,
                    board=read_side.board,
                    after_commit=invalidate_after_commit(timeline.invalidation),
                    contexts=contexts,
                )
            )
        if RoleName.RELAY in enabled:
            assert settings.kafka.bootstrap_servers is not None
            roles.append(build_relay(core.desk, url, settings.kafka.bootstrap_servers, registry))
        if RoleName.CONSUMER in enabled:
            consumer = build_consumer_role(settings, url, registry, timeline=timeline.invalidation)
            checks["commerce"] = consumer_readiness(consumer)
            roles.append(consumer)
        if RoleName.SCHEDULER in enabled:
            handlers = timer_handlers(contexts, store=core.desk, registry=registry)
            roles.append(build_scheduler(url, handlers, settings.scheduler, registry))
        wait = settings.projections.read_your_writes_timeout
        app = build_api_app(
            ApiDependencies(
                desk=core.desk,
                authentication=build_authentication(settings),
                read_model=read_side.read_model,
                read_options=ReadOptions(
                    max_wait_seconds=wait, agent_capacity=settings.cases.agent_capacity
                ),
                customer_context=customer_context,
                case_timeline=timeline.service(read_side.read_model, max_wait_seconds=wait),
                erasure=erasure_for(core.desk, utc_now, timeline=timeline),
                directory=Directory(
                    core.desk,
                    clock=utc_now,
                    presence_grace=timedelta(seconds=settings.agents.presence_grace_seconds),
                ),
                directory_reader=directory_reader,
                readiness_checks=checks,
                metrics_registry=registry,
                benchmark_read=(
                    timeline.benchmark_read() if settings.timeline.benchmark_route else None
                ),
            ),
            contexts,
        )
        api = ApiServer(app, listener, head_limits(settings))
        yield ServeProcess(core.database, (*roles, api), api)
