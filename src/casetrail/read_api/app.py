"""The HTTP API, assembled from what the caller wired (nothing is created at import)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from casetrail import __version__
from casetrail.commands.desk import SupportDesk
from casetrail.read_api import routes_cases, routes_health
from casetrail.read_api.body_limit import BodySizeLimit
from casetrail.read_api.problems import install_problem_handlers
from casetrail.read_api.request_metrics import RequestMetrics
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
    app.add_middleware(RequestMetrics, registry=registry)
    app.include_router(routes_health.router)
    app.include_router(routes_cases.router)
    app.add_middleware(BodySizeLimit)
    return app
