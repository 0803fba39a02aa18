"""Each case's earliest running deadline, as the cases context's lists take it
(``CaseDueTimes``): from the subscriber's view on PostgreSQL, computed from the events in
process otherwise."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.kernel.errors import NotFound
from casetrail.sla.projections.catalog import SlaCatalog
from casetrail.sla.projections.tables import CASE_DUE_VIEW
from casetrail.sla.service.case_sla import CaseSla


class KeptDueTimes:
    """The ``sla.clocks`` subscriber's view; the read models join it (PostgreSQL)."""

    relation = CASE_DUE_VIEW

    def due_at(self, case_ids: Sequence[UUID]) -> Mapping[UUID, datetime]:  # noqa: ARG002
        return {}  # PostgreSQL reads join the relation instead


class ComputedDueTimes:
    """Computed from each case's events at the moment asked (the in-memory event store)."""

    relation = CASE_DUE_VIEW

    def __init__(self, store: Application[Any], clock: Callable[[], datetime]) -> None:
        self._case_sla = CaseSla(store, SlaCatalog(store))
        self._clock = clock

    def due_at(self, case_ids: Sequence[UUID]) -> Mapping[UUID, datetime]:
        now = self._clock()
        found: dict[UUID, datetime] = {}
        for case_id in case_ids:
            try:
                clocks = self._case_sla.clocks(case_id, now)
            except NotFound:
                continue
            running = [c.due_at for c in clocks.metrics if c.open and c.due_at is not None]
            if running:
                found[case_id] = min(running)
        return found
