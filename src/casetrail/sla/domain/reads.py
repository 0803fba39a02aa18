"""What the SLA lists and the dashboard read: breaches, clocks at risk, figures per priority
and department. Answered from the tables the ``sla.clocks`` subscriber and the timers keep
(``projections.reads``), or computed from the events where no subscriber runs (the in-memory
event store of tests and demos, ``service.computed_reads``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class BreachRow:
    case_id: UUID
    metric: str
    cycle: int
    priority: str
    department: str | None
    due_at: datetime
    detected_at: datetime
    policy_id: UUID | None
    policy_version: int | None


@dataclass(frozen=True)
class AtRiskRow:
    case_id: UUID
    metric: str
    cycle: int
    priority: str
    department: str | None
    due_at: datetime
    at_risk_at: datetime | None


@dataclass(frozen=True)
class DashboardRow:
    priority: str
    department: str | None
    active: int
    breached: int
    clocks: int
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    resolution_median_seconds: float | None
    resolution_p90_seconds: float | None

    @property
    def breach_rate(self) -> float:
        return round(self.breached / self.clocks, 4) if self.clocks else 0.0


@dataclass(frozen=True)
class BreachFilter:
    metric: str | None = None
    priority: str | None = None
    since: datetime | None = None
    limit: int = 100


class SlaReads(Protocol):
    def breaches(self, wanted: BreachFilter) -> list[BreachRow]: ...

    def at_risk(self, now: datetime, within: timedelta, limit: int) -> list[AtRiskRow]:
        """Open, running clocks due after ``now`` and within ``within`` of it, soonest first."""
        ...

    def dashboard(self) -> list[DashboardRow]: ...


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
