"""The SLA lists and dashboard computed from every case's events at the moment asked — where
no ``sla.clocks`` subscriber keeps tables (the in-memory event store of tests and demos).
A breach's detection time is its due time here: nothing detected it earlier or later."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.cases.published import Ticket
from casetrail.sla.domain.clocks import CaseClocks, ClockState, MetricClock
from casetrail.sla.domain.reads import (
    AtRiskRow,
    BreachFilter,
    BreachRow,
    DashboardRow,
    percentile,
)
from casetrail.sla.service.case_sla import CaseSla

_BATCH = 1_000


def case_ids(store: Application[Any]) -> Iterator[UUID]:
    """Every case in the store, in the order they were opened."""
    position = 0
    while True:
        notifications = store.recorder.select_notifications(
            start=position, limit=_BATCH, topics=[Ticket.Opened.TOPIC], inclusive_of_start=False
        )
        for notification in notifications:
            yield UUID(str(notification.originator_id))
        if len(notifications) < _BATCH:
            return
        position = notifications[-1].id


class ComputedSlaReads:
    def __init__(
        self, store: Application[Any], case_sla: CaseSla, clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._case_sla = case_sla
        self._clock = clock

    def _all(self, now: datetime) -> Iterator[tuple[UUID, CaseClocks, MetricClock]]:
        for case_id in case_ids(self._store):
            clocks = self._case_sla.clocks(case_id, now)
            for clock in clocks.metrics:
                yield case_id, clocks, clock

    def breaches(self, wanted: BreachFilter) -> list[BreachRow]:
        rows = [
            BreachRow(
                case_id=case_id,
                metric=clock.metric.value,
                cycle=clock.cycle,
                priority=clocks.priority or "",
                department=clocks.department,
                due_at=clock.due_at,
                detected_at=clock.due_at,
                policy_id=clocks.policy.policy_id if clocks.policy else None,
                policy_version=clocks.policy.version if clocks.policy else None,
            )
            for case_id, clocks, clock in self._all(self._clock())
            if clock.state is ClockState.BREACHED and clock.due_at is not None
            if wanted.metric in (None, clock.metric.value)
            if wanted.priority in (None, clocks.priority)
            if wanted.since is None or clock.due_at >= wanted.since
        ]
        rows.sort(key=lambda row: (row.due_at, str(row.case_id)), reverse=True)
        return rows[: wanted.limit]

    def at_risk(self, now: datetime, within: timedelta, limit: int) -> list[AtRiskRow]:
        rows = [
            AtRiskRow(
                case_id=case_id,
                metric=clock.metric.value,
                cycle=clock.cycle,
                priority=clocks.priority or "",
                department=clocks.department,
                due_at=clock.due_at,
                at_risk_at=clock.at_risk_at,
            )
            for case_id, clocks, clock in self._all(now)
            if clock.state is ClockState.ACTIVE and clock.due_at is not None
            if now < clock.due_at <= now + within
        ]
        rows.sort(key=lambda row: (row.due_at, str(row.case_id)))
        return rows[:limit]

    def dashboard(self) -> list[DashboardRow]:
        groups: dict[tuple[str, str | None], list[MetricClock]] = {}
        for _case_id, clocks, clock in self._all(self._clock()):
            groups.setdefault((clocks.priority or "", clocks.department), []).append(clock)
        return [
            _figures(priority, department, found)
            for (priority, department), found in sorted(
                groups.items(), key=lambda item: (item[0][0], item[0][1] or "")
            )
        ]


def _figures(priority: str, department: str | None, clocks: list[MetricClock]) -> DashboardRow:
    def elapsed(metric: str) -> list[float]:
        return [
            clock.elapsed.total_seconds()
            for clock in clocks
            if clock.metric.value == metric and not clock.open
        ]

    return DashboardRow(
        priority=priority,
        department=department,
        active=sum(1 for clock in clocks if clock.open),
        breached=sum(1 for clock in clocks if clock.state is ClockState.BREACHED),
        clocks=len(clocks),
        first_response_median_seconds=percentile(elapsed("first_response"), 0.5),
        first_response_p90_seconds=percentile(elapsed("first_response"), 0.9),
        resolution_median_seconds=percentile(elapsed("resolution"), 0.5),
        resolution_p90_seconds=percentile(elapsed("resolution"), 0.9),
    )
