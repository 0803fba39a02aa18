"""Log lines of the long-running commands: JSON, or human-readable on a terminal."""

from __future__ import annotations

from casetrail.bootstrap.settings import Settings
from casetrail.platform.kafka_logs import limit_librdkafka_lines
from casetrail.platform.logs import configure_logging


def log_to_stderr(settings: Settings) -> None:
    configure_logging(settings.logs.format, settings.logs.level)
    limit_librdkafka_lines(settings.logs.kafka_lines_per_minute)
