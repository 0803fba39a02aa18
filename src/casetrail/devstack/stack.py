"""The local engine stack: which engines, in which order, started and stopped together."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from casetrail.bootstrap.settings import Settings
from casetrail.devstack.engines import (
    ENGINE_NAMES,
    ENGINE_TYPES,
    ConnectEngine,
    Engine,
    EngineStatus,
    KafkaEngine,
    PostgresEngine,
    RedisEngine,
    TrinoEngine,
)
from casetrail.devstack.errors import StackError

Report = Callable[[str], None]
EngineT = TypeVar("EngineT", bound=Engine)


def _silent(_: str) -> None:
    return None


@dataclass
class StartUp:
    """What one ``up`` did: the engines it launched and how long each took to be ready."""

    launched: list[str] = field(default_factory=list)
    seconds_to_ready: dict[str, float] = field(default_factory=dict)


class Stack:
    def __init__(self, settings: Settings, report: Report = _silent) -> None:
        self.settings = settings
        self.report = report
        self.engines: dict[str, Engine] = {
            kind.name: kind(settings, report) for kind in ENGINE_TYPES
        }

    @property
    def postgres(self) -> PostgresEngine:
        return self._engine("postgres", PostgresEngine)

    @property
    def redis(self) -> RedisEngine:
        return self._engine("redis", RedisEngine)

    @property
    def kafka(self) -> KafkaEngine:
        return self._engine("kafka", KafkaEngine)

    @property
    def connect(self) -> ConnectEngine:
        return self._engine("connect", ConnectEngine)

    @property
    def trino(self) -> TrinoEngine:
        return self._engine("trino", TrinoEngine)

    def select(self, only: Iterable[str] | None = None) -> list[Engine]:
        """The engines named (all when None) plus those they need, in start-up order."""
        if only is None:
            return list(self.engines.values())
        wanted: set[str] = set()
        pending = self._known(only)
        while pending:
            name = pending.pop()
            if name not in wanted:
                wanted.add(name)
                pending.extend(self.engines[name].requires)
        return [engine for engine in self.engines.values() if engine.name in wanted]

    def up(self, only: Iterable[str] | None = None) -> StartUp:
        """Install what is missing, then start the selected engines and wait until each serves.

        Engines that already run are kept and only checked. An engine starts once those it
        requires are ready; the rest start without waiting for each other.
        """
        engines = self.select(only)
        for engine in engines:
            if engine.missing():
                engine.install()
        started = StartUp()
        launched_at: dict[str, float] = {}
        for engine in engines:
            for requirement in engine.requires:
                self._ensure_ready(self.engines[requirement], launched_at, started)
            if engine.is_running():
                self.report(f"{engine.name}: already running (pid {engine.pid()})")
                continue
            engine.refuse_taken_ports()
            self.report(f"{engine.name}: starting on {engine.address}")
            launched_at[engine.name] = time.monotonic()
            engine.launch()
            started.launched.append(engine.name)
        for engine in engines:
            self._ensure_ready(engine, launched_at, started)
        return started

    def _ensure_ready(
        self, engine: Engine, launched_at: dict[str, float], started: StartUp
    ) -> None:
        if engine.name in started.seconds_to_ready:
            return
        since = launched_at.get(engine.name, time.monotonic())
        remaining = self.settings.stack.start_timeout - (time.monotonic() - since)
        engine.wait_ready(max(remaining, 1.0))
        engine.provision()
        started.seconds_to_ready[engine.name] = time.monotonic() - since
        if engine.name in launched_at:
            self.report(f"{engine.name}: ready in {started.seconds_to_ready[engine.name]:.1f}s")

    def down(self, only: Iterable[str] | None = None, purge: bool = False) -> list[str]:
        """Stop the engines this stack started (newest first); with ``purge``, delete their data."""
        engines = (
            list(self.engines.values())
            if only is None
            else [self.engines[name] for name in self._known(only)]
        )
        stopped = []
        for engine in reversed(engines):
            if engine.is_running():
                self.report(f"{engine.name}: stopping (pid {engine.pid()})")
                engine.stop()
                stopped.append(engine.name)
        if purge:
            for engine in engines:
                if engine.home.exists():
                    self.report(f"{engine.name}: deleting {engine.home}")
                    shutil.rmtree(engine.home)
        return stopped

    def status(self) -> list[EngineStatus]:
        return [engine.status() for engine in self.engines.values()]

    def _known(self, names: Iterable[str]) -> list[str]:
        known = []
        for name in names:
            if name not in self.engines:
                raise StackError(f"unknown engine {name!r}: choose from {', '.join(ENGINE_NAMES)}")
            known.append(name)
        return known

    def _engine(self, name: str, kind: type[EngineT]) -> EngineT:
        engine = self.engines[name]
        assert isinstance(engine, kind)
        return engine
