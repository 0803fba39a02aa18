"""The SLA context reaches the process roles from its one line in the contexts list: its
subscriber runs in the projector role, its timer handlers in the scheduler role."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from casetrail.bootstrap.contexts import CONTEXTS, subscribers, timer_handlers
from casetrail.bootstrap.roles.projector import build_projector
from casetrail.bootstrap.settings import Settings
from casetrail.cases.service.desk import SupportDesk
from casetrail.platform.subscriptions.database import Database


def test_the_clocks_subscriber_and_the_alarm_handlers_are_wired(memory_desk: SupportDesk) -> None:
    registry = CollectorRegistry()
    assert [s.name for s in subscribers(memory_desk, registry)] == ["sla.clocks"]
    assert {"sla.breach", "sla.at_risk"} <= set(
        timer_handlers(CONTEXTS, store=memory_desk, registry=registry)
    )


def test_the_projector_role_runs_the_subscribers(memory_desk: SupportDesk, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    role = build_projector(
        memory_desk,
        Database("postgresql://unused/none"),
        settings,
        CollectorRegistry(),
        projections=[],
    )
    try:
        assert role.reactions is not None
        assert [worker.name for worker in role.reactions.workers] == ["sla.clocks"]
    finally:
        role.stop()
