"""The HTTP API, assembled from what the caller wired (nothing is created at import)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram

from casetrail import __version__
from casetrail.commands.desk import SupportDesk
from casetrail.read_api import routes_cases, routes_health
from casetrail.read_api.body_limit import BodySizeLimit
from casetrail.read_api.problems import install_problem_handlers
from casetrail.read_api.routes_health import ReadinessCheck


def create_app(
    desk: SupportDesk,
    *,
    readiness_checks: Mapping[str, ReadinessCheck] | None = None,
    metrics_registry: CollectorRegistry | None = None,
) -> FastAPI:
    app = FastAPI(
        title="casetrail",
        version=__version__,
        description="Event-sourced customer-support backend: cases, conversations, context.",
    )
    registry = metrics_registry or CollectorRegistry()
    app.state.desk = desk
    app.state.readiness_checks = dict(readiness_checks or {})
    app.state.metrics_registry = registry
    install_problem_handlers(app)
    _count_requests(app, registry)
    app.include_router(routes_health.router)
    app.include_router(routes_cases.router)
    app.add_middleware(BodySizeLimit)
    return app


def _count_requests(app: FastAPI, registry: CollectorRegistry) -> None:
    requests = Counter(
        "casetrail_http_requests_total",
        "HTTP requests answered, by route and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "casetrail_http_request_duration_seconds",
        "HTTP request latency, by route.",
        ["method", "route"],
        registry=registry,
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    )

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        requests.labels(request.method, path, str(response.status_code)).inc()
        return response
