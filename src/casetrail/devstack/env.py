"""The settings that point casetrail at a running stack, as ``export`` lines for a shell."""

from __future__ import annotations

import shlex

from casetrail.devstack.stack import Stack


def stack_environment(stack: Stack) -> dict[str, str]:
    return {
        "CASETRAIL_DATABASE_URL": stack.postgres.dsn(),
        "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": stack.kafka.bootstrap_servers,
        "CASETRAIL_KAFKA_CONNECT_URL": stack.connect.url,
        "CASETRAIL_REDIS_URL": stack.redis.url,
        "CASETRAIL_TRINO_URL": stack.trino.url,
    }


def export_lines(environment: dict[str, str]) -> list[str]:
    return [f"export {name}={shlex.quote(value)}" for name, value in environment.items()]
