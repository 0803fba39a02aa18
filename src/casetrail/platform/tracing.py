"""OpenTelemetry spans: HTTP requests, commands, projection batches, Kafka consume and
produce, Trino queries.

Until ``start_tracing`` is called (``casetrail`` does when ``OTEL_EXPORTER_OTLP_ENDPOINT``
is set) every span is the API's no-op span and HTTP requests are not wrapped at all, so
tracing costs nothing measurable when off.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.util.types import AttributeValue

P = ParamSpec("P")
R = TypeVar("R")

INSTRUMENTATION_NAME = "casetrail"

_provider: TracerProvider | None = None
_tracer: Tracer = trace.NoOpTracer()


def start_tracing(otlp_endpoint: str, service_name: str = "casetrail") -> TracerProvider:
    """Export spans over OTLP/HTTP to ``otlp_endpoint`` (the collector's base URL, as
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` holds it), in batches, from a thread of their own."""
    # Imported here: without an endpoint the exporter (and its HTTP client) never loads.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    exporter = OTLPSpanExporter(endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    use_tracer_provider(provider)
    return provider


def use_tracer_provider(provider: TracerProvider | None) -> None:
    """Record spans with ``provider`` from now on (None: back to no-op spans)."""
    global _provider, _tracer
    _provider = provider
    _tracer = provider.get_tracer(INSTRUMENTATION_NAME) if provider else trace.NoOpTracer()


def tracer_provider() -> TracerProvider | None:
    """The provider spans are recorded with, or None when tracing is off."""
    return _provider


def stop_tracing() -> None:
    """Send the spans still buffered, then stop recording."""
    if _provider is not None:
        _provider.shutdown()
    use_tracer_provider(None)


@contextmanager
def span(
    name: str,
    attributes: Mapping[str, AttributeValue] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
) -> Iterator[Span]:
    """A span around the block, a child of the current one; an error escaping the block is
    recorded on it."""
    with _tracer.start_as_current_span(name, kind=kind, attributes=attributes) as current:
        yield current


def traced(
    name: str, kind: SpanKind = SpanKind.INTERNAL
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The decorated function runs in a span called ``name``."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with span(name, kind=kind):
                return function(*args, **kwargs)

        return run

    return decorate


def attributes_of(**values: Any) -> dict[str, AttributeValue]:
    """``casetrail.<name>`` attributes, the ones that are None left out."""
    return {
        f"casetrail.{key}": value if isinstance(value, str | int | float | bool) else str(value)
        for key, value in values.items()
        if value is not None
    }
