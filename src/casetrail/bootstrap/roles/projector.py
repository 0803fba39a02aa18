"""The projector role: one runner per projection of the contexts, single-active across
processes (the subscription platform's advisory locks), supervised with backoff."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from prometheus_client import CollectorRegistry

from casetrail.bootstrap.read_side import build_supervisor
from casetrail.bootstrap.settings import Settings
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.metrics import ProjectionMetrics
from casetrail.platform.subscriptions.positions import PositionBoard
from casetrail.platform.subscriptions.supervisor import ProjectionSupervisor
from casetrail.platform.subscriptions.worker import AfterCommit


class ProjectorRole:
    name = "projector"

    def __init__(self, supervisor: ProjectionSupervisor, projections: Sequence[str]) -> None:
        self.supervisor = supervisor
        self.projections = tuple(projections)

    def start(self) -> None:
        self.supervisor.start()

    def stop(self) -> None:
        self.supervisor.stop()

    def wait(self) -> None:
        self.supervisor.wait()


def build_projector(
    app: Application[Any],
    database: Database,
    settings: Settings,
    registry: CollectorRegistry,
    *,
    projections: Sequence[str],
    board: PositionBoard | None = None,
    after_commit: AfterCommit | None = None,
) -> ProjectorRole:
    """``board`` tells this process's queries (read-your-writes) where the runners are;
    ``after_commit`` is told which streams each committed batch changed (the timeline
    cache's invalidation)."""
    supervisor = build_supervisor(
        app,
        database,
        settings,
        metrics=ProjectionMetrics(registry),
        board=board,
        after_commit=after_commit,
        projections=projections,
    )
    return ProjectorRole(supervisor, projections)
