"""What every engine of the local stack can do, and the status it reports."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from casetrail.bootstrap.settings import Settings
from casetrail.devstack.daemon import Daemon, log_tail
from casetrail.devstack.errors import StackError
from casetrail.devstack.readiness import wait_until_ready
from casetrail.platform.embedded_postgres import port_in_use

Report = Callable[[str], None]

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class EngineStatus:
    name: str
    running: bool
    address: str
    version: str | None
    pid: int | None
    log_file: Path
    missing: str | None  # what has to be downloaded or installed first, and how


class Engine(ABC):
    """One engine of the stack: installed on demand, started, checked, stopped."""

    name: ClassVar[str]
    # Engines that must be ready before this one starts.
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self, settings: Settings, report: Report) -> None:
        self.settings = settings
        self.report = report  # progress for the person waiting: downloads, first-time set-up

    @property
    def home(self) -> Path:
        """This engine's directory under the stack directory: config, data, pid, log."""
        return self.settings.resolved_stack_dir / self.name

    @property
    @abstractmethod
    def ports(self) -> tuple[int, ...]: ...

    @property
    @abstractmethod
    def address(self) -> str: ...

    @property
    @abstractmethod
    def log_file(self) -> Path: ...

    @abstractmethod
    def version(self) -> str | None:
        """The version that runs or would run; None when that cannot be known yet."""

    @abstractmethod
    def missing(self) -> str | None:
        """What is not installed yet and how it gets installed; None when all is there."""

    @abstractmethod
    def install(self) -> None:
        """Download or install whatever ``missing`` names."""

    @abstractmethod
    def pid(self) -> int | None:
        """The pid of the engine's process when it runs and is ours, else None."""

    @abstractmethod
    def launch(self) -> None:
        """Start the process; returns without waiting for it to serve."""

    @abstractmethod
    def wait_ready(self, timeout: float) -> None:
        """Block until the engine answers a real request, or raise StackError."""

    @abstractmethod
    def stop(self) -> None: ...

    def provision(self) -> None:  # noqa: B027 - most engines need nothing created
        """Create what casetrail expects inside the ready engine (databases, roles, topics)."""

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_file, lines)

    def is_running(self) -> bool:
        return self.pid() is not None

    def status(self) -> EngineStatus:
        pid = self.pid()
        try:
            version = self.version()
        except StackError:
            version = None
        return EngineStatus(
            name=self.name,
            running=pid is not None,
            address=self.address,
            version=version,
            pid=pid,
            log_file=self.log_file,
            missing=self.missing(),
        )

    def refuse_taken_ports(self) -> None:
        for port in self.ports:
            if port_in_use(port, LOOPBACK):
                raise StackError(
                    f"cannot start {self.name}: port {LOOPBACK}:{port} is already in use "
                    "by another program (stop it, or choose another port in the "
                    "CASETRAIL_STACK_*_PORT settings)"
                )


class ProcessEngine(Engine):
    """An engine that runs as one process we launch and track by its pid file."""

    @property
    def daemon(self) -> Daemon:
        return Daemon(home=self.home, name=self.name)

    @property
    def log_file(self) -> Path:
        return self.daemon.log_file

    def pid(self) -> int | None:
        return self.daemon.pid()

    def stop(self) -> None:
        self.daemon.stop()

    @abstractmethod
    def command(self) -> list[str]:
        """Write the engine's configuration and return the command line that runs it.

        Every command names a file under ``home``: that is how a pid is recognised as ours.
        """

    def launch(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        command = self.command()
        self.daemon.launch(command)

    def wait_ready_with(
        self, probe: Callable[[], object], timeout: float, interval: float = 0.5
    ) -> None:
        wait_until_ready(
            self.name,
            probe,
            is_running=self.is_running,
            log_tail=self.log_tail,
            timeout=timeout,
            interval=interval,
        )
