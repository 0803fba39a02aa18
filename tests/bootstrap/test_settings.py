"""Settings: every variable the documentation names is honoured, in its context's group,
and a bad value is reported by the variable's name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from casetrail.bootstrap.settings import Settings
from casetrail.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# variable: (value set, where it lands, the value read back)
DOCUMENTED: dict[str, tuple[str, str, Any]] = {
    "CASETRAIL_ENVIRONMENT": ("production", "environment", "production"),
    "CASETRAIL_DATA_DIR": ("/srv/casetrail", "data_dir", Path("/srv/casetrail")),
    "CASETRAIL_DATABASE_URL": (
        "postgresql://u@db:5433/ct",
        "database_url",
        "postgresql://u@db:5433/ct",
    ),
    "CASETRAIL_DATABASE_POOL_SIZE": ("7", "database.pool_size", 7),
    "CASETRAIL_MAX_COMMANDS_PER_COMMIT": ("9", "event_store.max_commands_per_commit", 9),
    "CASETRAIL_IDEMPOTENCY_RETENTION_HOURS": (
        "2.5",
        "event_store.idempotency_retention_hours",
        2.5,
    ),
    "CASETRAIL_HOST": ("0.0.0.0", "http.host", "0.0.0.0"),
    "CASETRAIL_PORT": ("8123", "http.port", 8123),
    "CASETRAIL_HTTP_MAX_HEADER_BYTES": ("4096", "http.max_header_bytes", 4096),
    "CASETRAIL_HTTP_MAX_HEADER_FIELDS": ("50", "http.max_header_fields", 50),
    "CASETRAIL_HTTP_HEADER_TIMEOUT_SECONDS": ("3", "http.header_timeout_seconds", 3.0),
    "CASETRAIL_JWT_SECRET": (
        "s3cret-for-production",
        "auth.secret.get_secret_value",
        "s3cret-for-production",
    ),
    "CASETRAIL_JWT_JWKS_URL": ("https://idp/jwks", "auth.jwks_url", "https://idp/jwks"),
    "CASETRAIL_JWT_ISSUER": ("idp", "auth.issuer", "idp"),
    "CASETRAIL_JWT_AUDIENCE": ("helpdesk", "auth.audience", "helpdesk"),
    "CASETRAIL_JWT_LEEWAY_SECONDS": ("5", "auth.leeway_seconds", 5.0),
    "CASETRAIL_RATE_LIMIT_PER_MINUTE": ("60", "rate_limits.per_minute", 60),
    "CASETRAIL_RATE_LIMIT_PER_ROLE": ('{"SERVICE": 600}', "rate_limits.per_role", {"SERVICE": 600}),
    "CASETRAIL_PRIVACY_KEY_CACHE_SECONDS": ("1", "privacy.key_cache_seconds", 1.0),
    "CASETRAIL_PROJECTION_BATCH_SIZE": ("11", "projections.batch_size", 11),
    "CASETRAIL_PROJECTION_READY_MAX_LAG_SECONDS": ("12", "projections.ready_max_lag_seconds", 12.0),
    "CASETRAIL_READ_YOUR_WRITES_TIMEOUT": ("0.5", "projections.read_your_writes_timeout", 0.5),
    "CASETRAIL_AGENT_CAPACITY": ("4", "cases.agent_capacity", 4),
    "CASETRAIL_AGENTS_PRESENCE_GRACE_SECONDS": ("30", "agents.presence_grace_seconds", 30.0),
    "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": ("k:9092", "kafka.bootstrap_servers", "k:9092"),
    "CASETRAIL_KAFKA_CONNECT_URL": ("http://c:8083", "kafka.connect_url", "http://c:8083"),
    "CASETRAIL_REDIS_URL": ("redis://r:6379/0", "redis.url", "redis://r:6379/0"),
    "CASETRAIL_TRINO_URL": ("http://t:8080", "trino.url", "http://t:8080"),
    "CASETRAIL_COMMERCE_TOPIC_PREFIX": ("staging.", "commerce.topic_prefix", "staging."),
    "CASETRAIL_COMMERCE_DLQ_LIMIT": ("3", "commerce.dlq_limit", 3),
    "CASETRAIL_COMMERCE_DLQ_WINDOW_SECONDS": ("9", "commerce.dlq_window_seconds", 9.0),
    "CASETRAIL_COMMERCE_RETRY_MAX_SECONDS": ("4", "commerce.retry_max_seconds", 4.0),
    "CASETRAIL_TIMELINE_TRINO_SCHEMA": ("tenant_a", "timeline.trino_schema", "tenant_a"),
    "CASETRAIL_TIMELINE_TRINO_TIMEOUT_SECONDS": ("1.5", "timeline.trino_timeout_seconds", 1.5),
    "CASETRAIL_TIMELINE_TRINO_RETRY_SECONDS": ("6", "timeline.trino_retry_seconds", 6.0),
    "CASETRAIL_TIMELINE_TRINO_THREADS": ("3", "timeline.trino_threads", 3),
    "CASETRAIL_TIMELINE_CACHE_TTL_SECONDS": ("30", "timeline.cache_ttl_seconds", 30),
    "CASETRAIL_TIMELINE_POSTGRES_POOL_SIZE": ("2", "timeline.postgres_pool_size", 2),
    "CASETRAIL_SCHEDULER_IN_SERVE": ("false", "scheduler.in_serve", False),
    "CASETRAIL_SCHEDULER_BATCH_SIZE": ("25", "scheduler.batch_size", 25),
    "CASETRAIL_SCHEDULER_MAX_SLEEP_SECONDS": ("2", "scheduler.max_sleep_seconds", 2.0),
    "CASETRAIL_LOG_FORMAT": ("json", "logs.format", "json"),
    "CASETRAIL_LOG_LEVEL": ("debug", "logs.level", "DEBUG"),
    "CASETRAIL_LOG_KAFKA_LINES_PER_MINUTE": ("2", "logs.kafka_lines_per_minute", 2),
    "CASETRAIL_STACK_DIR": ("/srv/stack", "resolved_stack_dir", Path("/srv/stack")),
    "CASETRAIL_STACK_JAVA": ("/opt/jdk/bin/java", "stack.java", "/opt/jdk/bin/java"),
    "CASETRAIL_STACK_KAFKA_HEAP": ("1g", "stack.kafka_heap", "1g"),
    "CASETRAIL_STACK_KEEP_RUNNING": ("1", "stack.keep_running", True),
    "CASETRAIL_STACK_START_TIMEOUT": ("60", "stack.start_timeout", 60.0),
    "CASETRAIL_STACK_TRINO_PORT": ("28080", "stack.trino_port", 28080),
}


def documented_variables() -> set[str]:
    named = set()
    for document in DOCUMENTS:
        named |= set(re.findall(r"CASETRAIL_[A-Z0-9_]*[A-Z0-9]\b", document.read_text()))
    return named


def read_back(settings: Settings, where: str) -> Any:
    value: Any = settings
    for part in where.split("."):
        value = getattr(value, part)
    return value() if callable(value) else value


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in documented_variables() | set(DOCUMENTED):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_documented_variable_is_listed_here() -> None:
    assert documented_variables() <= set(DOCUMENTED)


@pytest.mark.parametrize("variable", sorted(DOCUMENTED))
def test_each_documented_variable_is_honoured(
    variable: str, clean_environment: pytest.MonkeyPatch
) -> None:
    value, where, expected = DOCUMENTED[variable]
    assert read_back(Settings(), where) != expected  # the default differs: a real change
    clean_environment.setenv(variable, value)
    if variable == "CASETRAIL_ENVIRONMENT":
        clean_environment.setenv("CASETRAIL_JWT_SECRET", "s3cret-for-production")
    assert read_back(Settings(), where) == expected


def test_variables_are_read_whatever_their_case(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("casetrail_commerce_batch_size", "17")
    assert Settings().commerce.batch_size == 17


def test_keyword_arguments_take_the_variables_names_and_win(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("CASETRAIL_PORT", "9000")
    clean_environment.setenv("CASETRAIL_COMMERCE_DLQ_LIMIT", "5")
    settings = Settings(port=9001)
    assert (settings.http.port, settings.commerce.dlq_limit) == (9001, 5)
    assert settings.replaced(commerce_dlq_limit=2).commerce.dlq_limit == 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CASETRAIL_COMMERCE_DLQ_LIMIT", "-1"),
        ("CASETRAIL_TIMELINE_TRINO_SCHEMA", "no spaces"),
        ("CASETRAIL_RATE_LIMIT_PER_ROLE", "not json"),
        ("CASETRAIL_SCHEDULER_BATCH_SIZE", "0"),
    ],
)
def test_a_bad_value_is_one_line_naming_its_variable(
    variable: str, value: str, clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.setenv(variable, value)
    clean_environment.setenv("CASETRAIL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["scheduler", "--status"])
    assert result.exit_code == 1
    assert f"invalid settings: {variable}: " in result.output
    assert "Traceback" not in result.output
