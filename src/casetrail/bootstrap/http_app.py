"""The HTTP API, assembled from what the caller wired (nothing is created at import)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from casetrail import __version__
from casetrail.cases.api import routes_agents, routes_case_queries, routes_cases, routes_customers
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.projections.in_process import InProcessReadModel
from casetrail.cases.queries import ReadModel
from casetrail.cases.service.desk import SupportDesk
from casetrail.commerce import routes_customer_context
from casetrail.commerce.context import CustomerContextReader
from casetrail.platform.http import routes_benchmark, routes_health
from casetrail.platform.http.authentication import Authentication, RateLimitHeaders
from casetrail.platform.http.body_limit import BodySizeLimit
from casetrail.platform.http.openapi_document import install_openapi_document
from casetrail.platform.http.problems import install_problem_handlers
from casetrail.platform.http.request_metrics import RequestMetrics
from casetrail.platform.http.routes_benchmark import RawRead
from casetrail.platform.http.routes_health import ReadinessCheck
from casetrail.platform.http.unstorable_guard import UnstorableTextGuard
from casetrail.privacy import routes as routes_privacy
from casetrail.privacy.erasure_command import CustomerErasure
from casetrail.timeline.service import CaseTimelineService


def create_app(
    desk: SupportDesk,
    *,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    metrics_registry: CollectorRegistry | None = None,
    read_model: ReadModel | None = None,
    read_options: ReadOptions | None = None,
    customer_context: CustomerContextReader | None = None,
    case_timeline: CaseTimelineService | None = None,
    benchmark_read: RawRead | None = None,
    authentication: Authentication | None = None,
    erasure: CustomerErasure | None = None,
) -> FastAPI:
    """Without a ``read_model``, queries fold the desk's events in this process's memory
    (for the in-memory event store of tests and demos; production wires PostgreSQL's).

    Without ``authentication``, tokens signed with the development secret are accepted and
    rate limits are counted in memory (tests and demos); ``casetrail serve`` always passes
    the one its settings describe."""
    app = FastAPI(
        title="casetrail",
        version=__version__,
        description="Event-sourced customer-support backend: cases, conversations, context.",
    )
    registry = metrics_registry or CollectorRegistry()
    app.state.desk = desk
    app.state.readiness_checks = dict(readiness_checks or {})
    app.state.metrics_registry = registry
    app.state.read_model = read_model if read_model is not None else InProcessReadModel(desk)
    app.state.read_options = read_options or ReadOptions()
    app.state.customer_context = customer_context
    app.state.case_timeline = case_timeline
    app.state.authentication = authentication or Authentication()
    app.state.erasure = erasure
    install_problem_handlers(app)
    install_openapi_document(app)
    app.add_middleware(RequestMetrics, registry=registry)
    app.include_router(routes_health.router)
    app.include_router(routes_case_queries.router)
    app.include_router(routes_cases.router)
    app.include_router(routes_customers.router)
    app.include_router(routes_customer_context.router)
    app.include_router(routes_agents.router)
    app.include_router(routes_privacy.router)
    if benchmark_read is not None:
        app.state.benchmark_read = benchmark_read
        app.include_router(routes_benchmark.router)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(UnstorableTextGuard)
    return app
