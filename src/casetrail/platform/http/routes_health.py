"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel

# Each named check answers None when healthy, or a one-line reason when not.
ReadinessCheck = Callable[[], str | None]

router = APIRouter(tags=["operations"])


class CheckRead(BaseModel):
    status: Literal["ok", "down"]
    detail: str | None = None


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckRead]


@router.get("/healthz")
def alive() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is down; see checks."}},
)
def ready(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    results: dict[str, dict[str, str]] = {}
    for name, check in checks.items():
        try:
            problem = check()
        except Exception as error:  # a failing check is itself the answer
            problem = str(error) or type(error).__name__
        results[name] = (
            {"status": "ok"} if problem is None else {"status": "down", "detail": problem}
        )
    healthy = all(result["status"] == "ok" for result in results.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status_code=200 if healthy else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
