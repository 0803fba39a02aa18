"""The api role: the HTTP application over what the caller wired, and the server that runs it.

``build_api_app`` takes its collaborators as one ``ApiDependencies`` value (fakes and
in-memory stand-ins by default, for tests and demos) and includes the routers each context
publishes; ``ApiServer`` serves it on a bound socket, started and stopped like every role.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from casetrail import __version__
from casetrail.agents.projections.in_process import InProcessDirectory
from casetrail.agents.published import capacity_of
from casetrail.agents.queries import DirectoryReader
from casetrail.agents.service.directory import Directory
from casetrail.bootstrap.contexts import CONTEXTS, Contexts, routers
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.projections.in_process import InProcessReadModel
from casetrail.cases.queries import ReadModel
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce.context import CustomerContextReader
from casetrail.customers.projections.read_models import default_customer_read_model
from casetrail.customers.published import DirectoryAnswers
from casetrail.customers.queries import CustomerReadModel
from casetrail.customers.service.directory import CustomerDirectory
from casetrail.platform.http import routes_benchmark, routes_health
from casetrail.platform.http.authentication import Authentication, RateLimitHeaders
from casetrail.platform.http.body_limit import BodySizeLimit
from casetrail.platform.http.bounded_http import HeadLimits, bounded_http_protocol
from casetrail.platform.http.docs_pages import install_docs_pages
from casetrail.platform.http.openapi_document import install_openapi_document
from casetrail.platform.http.problems import install_problem_handlers
from casetrail.platform.http.request_log import RequestLog
from casetrail.platform.http.request_metrics import RequestMetrics
from casetrail.platform.http.request_tracing import trace_requests
from casetrail.platform.http.routes_benchmark import RawRead
from casetrail.platform.http.routes_health import ReadinessCheck
from casetrail.platform.http.unstorable_guard import UnstorableTextGuard
from casetrail.platform.logs import in_log_context
from casetrail.privacy.erasure_command import CustomerErasure
from casetrail.sla.published import ComputedDueTimes
from casetrail.timeline.service import CaseTimelineService


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiDependencies:
    """What the routes reach. Without a ``read_model`` queries fold the desk's events in
    this process's memory (the in-memory event store of tests and demos); without
    ``authentication`` tokens signed with the development secret are accepted and rate
    limits count in memory. ``casetrail serve`` passes what its settings describe."""

    desk: SupportDesk
    authentication: Authentication = field(default_factory=Authentication)
    read_model: ReadModel | None = None
    read_options: ReadOptions = field(default_factory=ReadOptions)
    customer_context: CustomerContextReader | None = None
    case_timeline: CaseTimelineService | None = None
    erasure: CustomerErasure | None = None
    # The directory's customer list; by default PostgreSQL's when ``read_model`` is given
    # on a PostgreSQL store, else folded in this process.
    customer_read_model: CustomerReadModel | None = None
    # The directory of agents and departments: its write side over the desk's event store
    # (with the default presence grace) and its read model, folded in memory unless given.
    directory: Directory | None = None
    directory_reader: DirectoryReader | None = None
    readiness_checks: Mapping[str, ReadinessCheck] = field(default_factory=dict)
    metrics_registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # The benchmark's ceiling route (GET /_benchmark/redis-constant) when given.
    benchmark_read: RawRead | None = None


def build_api_app(dependencies: ApiDependencies, contexts: Contexts = CONTEXTS) -> FastAPI:
    app = FastAPI(
        title="casetrail",
        version=__version__,
        description="Event-sourced customer-support backend: cases, conversations, context.",
        docs_url=None,
        redoc_url=None,
    )
    install_docs_pages(app, "casetrail")
    desk = dependencies.desk
    app.state.desk = desk
    app.state.readiness_checks = dict(dependencies.readiness_checks)
    app.state.metrics_registry = dependencies.metrics_registry
    app.state.read_model = dependencies.read_model or InProcessReadModel(
        # The SLA deadlines beside each case, at the SLA routes' clock (tests move it).
        desk,
        ComputedDueTimes(desk, lambda: getattr(app.state, "sla_clock", utc_now)()),
    )
    directory_reader = dependencies.directory_reader or InProcessDirectory(desk)
    app.state.directory = dependencies.directory or Directory(desk, clock=utc_now)
    app.state.directory_reader = directory_reader
    read_options = dependencies.read_options
    if read_options.capacity_of is None:
        # The workload counts against each agent's own capacity, from the directory.
        read_options = replace(read_options, capacity_of=capacity_of(directory_reader))
    app.state.read_options = read_options
    app.state.customer_context = dependencies.customer_context
    app.state.case_timeline = dependencies.case_timeline
    app.state.authentication = dependencies.authentication
    app.state.erasure = dependencies.erasure
    app.state.customer_directory = CustomerDirectory(desk, clock=utc_now)
    app.state.customer_read_model = dependencies.customer_read_model or (
        default_customer_read_model(desk, projected=dependencies.read_model is not None)
    )
    # The directory's answers for cases and commerce, which know no directory of their own.
    app.state.known_customers = DirectoryAnswers(
        app.state.customer_directory, app.state.customer_read_model
    )
    install_problem_handlers(app)
    install_openapi_document(app)
    app.add_middleware(RequestMetrics, registry=dependencies.metrics_registry)
    app.include_router(routes_health.router)
    for router in routers(contexts):
        app.include_router(router)
    if dependencies.benchmark_read is not None:
        app.state.benchmark_read = dependencies.benchmark_read
        app.include_router(routes_benchmark.router)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(UnstorableTextGuard)
    # Outermost: every answer, refusals by the middlewares above included, is logged.
    app.add_middleware(RequestLog)
    trace_requests(app)
    return app


class ApiServer:
    """The api role: ``app`` served on an already bound ``listener`` (so a busy port is
    reported before anything starts), on a thread of its own."""

    name = "api"

    def __init__(self, app: FastAPI, listener: socket.socket, limits: HeadLimits) -> None:
        self.app = app
        self._listener = listener
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                http=bounded_http_protocol(limits),
                log_level="warning",
                access_log=False,  # RequestLog writes one line per request
                log_config=None,  # uvicorn's own lines go through casetrail's logging
            )
        )
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=in_log_context(self._server.run, role="api"),
            kwargs={"sockets": [self._listener]},
            name="api",
        )
        self._thread.start()

    def stop(self) -> None:
        """Graceful: requests in flight are answered first."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()

    @property
    def stopped(self) -> bool:
        """True once the server has ended (stopped, or failed to start)."""
        return self._thread is not None and not self._thread.is_alive()
