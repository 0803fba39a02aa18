"""OpenTelemetry spans: an HTTP request with the command it ran in one trace, projection
batches, Kafka produce, Trino queries; exported over OTLP/HTTP to the endpoint that
``OTEL_EXPORTER_OTLP_ENDPOINT`` names; and nothing recorded while tracing is off."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import structlog
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from casetrail.bootstrap.contexts import projection_views
from casetrail.bootstrap.event_store import build_memory_desk
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER
from casetrail.platform.logs import LogFormat, configure_logging
from casetrail.platform.tracing import (
    span,
    start_tracing,
    stop_tracing,
    tracer_provider,
    use_tracer_provider,
)
from tests.fixtures.auth import supervisor_headers, unlimited
from tests.fixtures.commerce_fakes import order_event
from tests.fixtures.kafka import ConsumerThread, message, produce
from tests.fixtures.relay import RelayRunner
from tests.fixtures.timeline import TimelineApiFactory

CASE = {"customer_id": "cust-1", "subject": "Parcel never arrived"}
PLAIN = CommandContext(actor=Actor(subject="agent-5", role="AGENT"))


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(None)
    provider.shutdown()


def named(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [item for item in exporter.get_finished_spans() if item.name == name]


def wait_for_span(exporter: InMemorySpanExporter, name: str, timeout: float = 30.0) -> ReadableSpan:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = named(exporter, name)
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no span {name!r} among {exporter.get_finished_spans()}")


def memory_api() -> TestClient:
    desk = build_memory_desk()
    app = build_api_app(ApiDependencies(desk, authentication=unlimited()))
    return TestClient(app, raise_server_exceptions=False, headers=supervisor_headers())


def test_a_request_and_the_command_it_ran_are_one_trace(spans: InMemorySpanExporter) -> None:
    with memory_api() as api:
        opened = api.post("/support/cases", json=CASE)
    assert opened.status_code == 201

    (request,) = named(spans, "POST /support/cases")
    (command,) = named(spans, "command OpenCase")
    assert request.kind is SpanKind.SERVER
    assert request.attributes is not None
    status = request.attributes.get(
        "http.response.status_code", request.attributes.get("http.status_code")
    )
    assert status == 201
    assert command.context is not None
    assert request.context is not None
    assert command.context.trace_id == request.context.trace_id
    assert command.attributes is not None
    assert command.attributes["casetrail.ticket_id"] == opened.json()["id"]


def test_a_requests_log_line_names_its_trace(spans: InMemorySpanExporter) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(LogFormat.JSON, "INFO", stream=stream)
    try:
        with memory_api() as api:
            api.get("/support/cases")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.reset_defaults()
    (request,) = named(spans, "GET /support/cases")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    (line,) = [line for line in lines if line["event"] == "request"]
    assert request.context is not None
    assert line["trace_id"] == f"{request.context.trace_id:032x}"


def test_a_callers_traceparent_makes_the_request_a_child_of_theirs(
    spans: InMemorySpanExporter,
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    with memory_api() as api:
        api.get("/support/cases", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    (request,) = named(spans, "GET /support/cases")
    assert request.context is not None
    assert f"{request.context.trace_id:032x}" == trace_id


def test_probes_are_not_traced(spans: InMemorySpanExporter) -> None:
    with memory_api() as api:
        api.get("/healthz")
        api.get("/metrics")
    assert spans.get_finished_spans() == ()


def test_nothing_is_recorded_while_tracing_is_off() -> None:
    assert tracer_provider() is None
    with span("anything") as current:
        assert not current.is_recording()


@pytest.mark.integration
def test_projection_batches_are_spans(
    spans: InMemorySpanExporter, projected_api: TestClient
) -> None:
    opened = projected_api.post("/support/cases", json=CASE)
    position = opened.headers["x-casetrail-position"]
    projected_api.get("/support/cases", headers={MIN_POSITION_HEADER: position})
    batch = wait_for_span(spans, "projection batch")
    assert batch.attributes is not None
    # Every projection follows the whole log, so any of them may be the first to apply it.
    assert batch.attributes["casetrail.projection"] in projection_views()
    assert int(str(batch.attributes["casetrail.events"])) >= 1


class Receiver(BaseHTTPRequestHandler):
    """A tiny OTLP/HTTP collector: keeps the span names of each export it is sent."""

    received: list[str]
    paths: list[str]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                self.received.extend(item.name for item in scope.spans)
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, type[Receiver]]]:
    handler = type("Collector", (Receiver,), {"received": [], "paths": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_spans_are_exported_to_the_otlp_endpoint_the_environment_names(
    collector: tuple[str, type[Receiver]], monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "casetrail-test")
    settings = Settings()
    assert settings.tracing.otlp_endpoint == endpoint
    start_tracing(settings.tracing.otlp_endpoint, settings.tracing.service_name)
    try:
        with memory_api() as api:
            assert api.post("/support/cases", json=CASE).status_code == 201
    finally:
        stop_tracing()  # sends what is buffered
    assert "/v1/traces" in received.paths
    assert {"POST /support/cases", "command OpenCase"} <= set(received.received)


@pytest.mark.stack
def test_the_relay_produces_to_kafka_in_a_span(
    spans: InMemorySpanExporter, relay_desk: SupportDesk, start_relay: RelayRunner
) -> None:
    relay_desk.open_case(OpenCase(customer_id="cust-1", subject="Traced", description=""), PLAIN)
    start_relay()
    produced = wait_for_span(spans, "kafka produce", timeout=60)
    assert produced.kind is SpanKind.PRODUCER
    assert produced.attributes is not None
    assert int(str(produced.attributes["casetrail.events"])) >= 1


@pytest.mark.stack
def test_consuming_a_kafka_batch_is_a_span(
    spans: InMemorySpanExporter, commerce_settings: Settings
) -> None:
    produce(commerce_settings, [message("order.status.changed", order_event("e-t", 0, "placed"))])
    consumer = ConsumerThread(commerce_settings).start()
    try:
        consumed = wait_for_span(spans, "kafka consume", timeout=90)
    finally:
        consumer.close()
    assert consumed.kind is SpanKind.CONSUMER
    assert consumed.attributes is not None
    assert int(str(consumed.attributes["casetrail.messages"])) >= 1


@pytest.mark.stack
def test_a_trino_query_is_a_span(
    spans: InMemorySpanExporter, timeline_api: TimelineApiFactory
) -> None:
    api = timeline_api(redis_url=None)
    case_id = api.open_case(customer_id="cust-traced")
    assert api.timeline(case_id).status_code == 200
    query = wait_for_span(spans, "trino query")
    assert query.kind is SpanKind.CLIENT
    assert query.attributes is not None
    assert query.attributes["db.system"] == "trino"
