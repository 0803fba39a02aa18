"""What the operator's one-off commands work with (projection status, rebuild and park;
erasure): the event store, the read side's connections and status, the timeline cache."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from casetrail.bootstrap.process import ProcessCore, process_core
from casetrail.bootstrap.read_side import prepare_read_models
from casetrail.bootstrap.settings import Settings
from casetrail.bootstrap.timeline import TimelineSide
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.status import CachedStatus, StatusReader


@dataclass(frozen=True)
class OperatorSession:
    core: ProcessCore
    read_database: Database
    status: CachedStatus
    timeline: TimelineSide


@contextlib.contextmanager
def operator_session(settings: Settings) -> Iterator[OperatorSession]:
    with process_core(settings) as core:
        database = core.read_database()
        prepare_read_models(core.desk, database, core.projections)
        timeline = TimelineSide(settings, core.database_url, core.registry)
        try:
            yield OperatorSession(
                core, database, CachedStatus(StatusReader(core.desk, database.connect)), timeline
            )
        finally:
            timeline.close()
