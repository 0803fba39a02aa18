"""A server span per HTTP request (named by method and route template), when tracing is on;
the app is left as it is otherwise. A caller's ``traceparent`` makes it a child of theirs."""

from __future__ import annotations

from fastapi import FastAPI

from casetrail.platform.tracing import tracer_provider

# Probes and scrapes would drown the traces that matter.
UNTRACED_PATHS = "healthz,readyz,metrics"


def trace_requests(app: FastAPI) -> None:
    provider = tracer_provider()
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_PATHS)
