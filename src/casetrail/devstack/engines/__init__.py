"""The engines of the local stack, in the order they start."""

from casetrail.devstack.engines.base import Engine, EngineStatus
from casetrail.devstack.engines.connect import ConnectEngine
from casetrail.devstack.engines.kafka import KafkaEngine
from casetrail.devstack.engines.postgres import PostgresEngine
from casetrail.devstack.engines.redis import RedisEngine
from casetrail.devstack.engines.trino import TrinoEngine

# Dependencies come first; Trino starts before Connect so the two slow JVMs warm up together.
ENGINE_TYPES: tuple[type[Engine], ...] = (
    PostgresEngine,
    RedisEngine,
    KafkaEngine,
    TrinoEngine,
    ConnectEngine,
)
ENGINE_NAMES = tuple(engine.name for engine in ENGINE_TYPES)

__all__ = [
    "ENGINE_NAMES",
    "ENGINE_TYPES",
    "ConnectEngine",
    "Engine",
    "EngineStatus",
    "KafkaEngine",
    "PostgresEngine",
    "RedisEngine",
    "TrinoEngine",
]
