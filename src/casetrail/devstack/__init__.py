"""Real engines on one machine without Docker: PostgreSQL, Kafka (KRaft), Kafka Connect with
Debezium, Trino and Redis, started on loopback under one stack directory.

Nothing here starts or downloads anything at import time.
"""

from casetrail.devstack.engines import ENGINE_NAMES, EngineStatus
from casetrail.devstack.env import export_lines, stack_environment
from casetrail.devstack.errors import StackError
from casetrail.devstack.stack import Stack, StartUp

__all__ = [
    "ENGINE_NAMES",
    "EngineStatus",
    "Stack",
    "StackError",
    "StartUp",
    "export_lines",
    "stack_environment",
]
