"""What the long-running commands tell an operator: log lines on stderr (JSON, or
human-readable on a terminal) and, when an OTLP endpoint is set, traces."""

from __future__ import annotations

from casetrail.bootstrap.settings import Settings
from casetrail.platform.kafka_logs import limit_librdkafka_lines
from casetrail.platform.logs import configure_logging
from casetrail.platform.tracing import start_tracing


def observe(settings: Settings) -> None:
    configure_logging(settings.logs.format, settings.logs.level)
    limit_librdkafka_lines(settings.logs.kafka_lines_per_minute)
    if settings.tracing.otlp_endpoint:
        # Buffered spans are sent when the process exits (the SDK's own exit hook).
        start_tracing(settings.tracing.otlp_endpoint, settings.tracing.service_name)
