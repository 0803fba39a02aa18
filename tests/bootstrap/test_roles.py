"""Process roles: which ones `casetrail serve` runs, and how a process starts and stops
them (fakes; the roles on real engines are covered by the CLI and context tests)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from casetrail.bootstrap.roles.base import LoopRole, running
from casetrail.bootstrap.serve import RoleName, serve_roles
from casetrail.bootstrap.settings import Settings

API, PROJECTOR, RELAY, CONSUMER, SCHEDULER = RoleName


@pytest.mark.parametrize(
    ("values", "roles"),
    [
        ({}, (PROJECTOR, SCHEDULER, API)),
        ({"kafka_bootstrap_servers": "k:9092"}, (PROJECTOR, RELAY, CONSUMER, SCHEDULER, API)),
        ({"kafka_bootstrap_servers": "k:9092", "run_workers": False}, (API,)),
        ({"scheduler_in_serve": False}, (PROJECTOR, API)),
    ],
)
def test_serve_runs_the_roles_its_settings_enable(
    values: dict[str, Any], roles: tuple[RoleName, ...]
) -> None:
    assert serve_roles(Settings(**values)) == roles


class FakeRole:
    def __init__(self, name: str, journal: list[str], *, refuse_start: bool = False) -> None:
        self.name = name
        self._journal = journal
        self._refuse_start = refuse_start

    def start(self) -> None:
        if self._refuse_start:
            raise RuntimeError(f"{self.name} cannot start")
        self._journal.append(f"start {self.name}")

    def stop(self) -> None:
        self._journal.append(f"stop {self.name}")


def test_roles_start_in_order_and_stop_in_reverse() -> None:
    journal: list[str] = []
    with running([FakeRole("projector", journal), FakeRole("api", journal)]):
        journal.append("serving")
    assert journal == ["start projector", "start api", "serving", "stop api", "stop projector"]


def test_a_role_that_cannot_start_stops_those_already_started() -> None:
    journal: list[str] = []
    roles = [FakeRole("projector", journal), FakeRole("relay", journal, refuse_start=True)]
    with pytest.raises(RuntimeError, match="relay cannot start"), running(roles):
        pytest.fail("never reached")
    assert journal == ["start projector", "stop projector"]


def test_a_loop_role_runs_until_stopped() -> None:
    rounds: list[int] = []

    def loop(stop: threading.Event) -> None:
        while not stop.wait(0.01):
            rounds.append(1)

    role = LoopRole("relay", loop)
    with running([role]):
        time.sleep(0.1)
        assert role.running
    assert not role.running
    assert rounds
    assert role.failure is None


def test_a_loop_that_fails_is_reported_not_restarted() -> None:
    def loop(_stop: threading.Event) -> None:
        raise ConnectionError("Kafka at k:9092 is unreachable\nmore detail")

    role = LoopRole("consumer", loop)
    role.start()
    role.wait()
    assert role.failure == "Kafka at k:9092 is unreachable"
    assert not role.running
    role.stop()
