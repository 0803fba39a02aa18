"""What-if: a draft policy over a past period's cases, beside the policies in force — from
the recorded events, writing nothing. Each case opened in the period is evaluated with
everything recorded of it until now, under both sets of policies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.sla.domain.aggregates import PolicyDraft
from casetrail.sla.domain.clocks import ClockState, MetricClock, case_clocks
from casetrail.sla.domain.errors import InvalidDefinition
from casetrail.sla.domain.facts import FactKind, customer_of
from casetrail.sla.domain.ports import CustomerTiers, UnknownTiers
from casetrail.sla.projections.catalog import SlaCatalog
from casetrail.sla.service.case_sla import CaseSla
from casetrail.sla.service.computed_reads import case_ids

DRAFT_ID = UUID(int=0)
MAX_CASES = 10_000
MAX_CHANGES = 500


@dataclass(frozen=True)
class ChangedClock:
    case_id: UUID
    metric: str
    cycle: int
    current_state: str | None
    draft_state: str | None
    current_due_at: datetime | None
    draft_due_at: datetime | None


@dataclass
class SimulationResult:
    evaluated_at: datetime
    cases: int = 0
    truncated: bool = False
    current_breaches: dict[str, int] = field(default_factory=dict)
    draft_breaches: dict[str, int] = field(default_factory=dict)
    changed: list[ChangedClock] = field(default_factory=list)
    changed_total: int = 0


class Simulations:
    def __init__(
        self,
        store: Application[Any],
        catalog: SlaCatalog,
        case_sla: CaseSla,
        *,
        clock: Callable[[], datetime],
        tiers: CustomerTiers | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._case_sla = case_sla
        self._clock = clock
        self._tiers = tiers or UnknownTiers()

    def run(
        self,
        draft: PolicyDraft,
        *,
        opened_from: datetime,
        opened_to: datetime,
        replaces: UUID | None = None,
    ) -> SimulationResult:
        self._catalog.refresh()
        current = self._catalog.policies()
        if replaces is not None and all(p.policy_id != replaces for p in current):
            raise InvalidDefinition("replaces", f"no SLA policy {replaces}")
        calendars = self._catalog.calendars()
        if draft.calendar_id is not None and draft.calendar_id not in calendars:
            raise InvalidDefinition("policy.calendar_id", f"no calendar {draft.calendar_id}")
        drafted = [p for p in current if p.policy_id != replaces]
        drafted.append(draft.terms(replaces or DRAFT_ID, 0))
        until = self._clock()
        result = SimulationResult(evaluated_at=until)
        for case_id in case_ids(self._store):
            facts = [fact for fact in self._case_sla.facts(case_id) if fact.at <= until]
            opened = next((f.at for f in facts if f.kind is FactKind.OPENED), None)
            if opened is None or not opened_from <= opened < opened_to:
                continue
            if result.cases >= MAX_CASES:
                result.truncated = True
                break
            result.cases += 1
            customer = customer_of(facts)
            tier = self._tiers.tier_of(customer, until) if customer is not None else None
            now = case_clocks(facts, current, calendars, until, tier)
            then = case_clocks(facts, drafted, calendars, until, tier)
            _count(result.current_breaches, now.priority, now.metrics)
            _count(result.draft_breaches, then.priority, then.metrics)
            _compare(result, case_id, now.metrics, then.metrics)
        return result


def _count(breaches: dict[str, int], priority: str | None, clocks: tuple[MetricClock, ...]) -> None:
    if priority is None:
        return
    breached = sum(1 for clock in clocks if clock.state is ClockState.BREACHED)
    breaches[priority] = breaches.get(priority, 0) + breached


def _compare(
    result: SimulationResult,
    case_id: UUID,
    current: tuple[MetricClock, ...],
    draft: tuple[MetricClock, ...],
) -> None:
    before = {(clock.metric.value, clock.cycle): clock for clock in current}
    after = {(clock.metric.value, clock.cycle): clock for clock in draft}
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        old_state = old.state.value if old else None
        new_state = new.state.value if new else None
        if old_state == new_state:
            continue  # the same outcome, whatever the deadline
        result.changed_total += 1
        if len(result.changed) < MAX_CHANGES:
            result.changed.append(
                ChangedClock(
                    case_id=case_id,
                    metric=key[0],
                    cycle=key[1],
                    current_state=old_state,
                    draft_state=new_state,
                    current_due_at=old.due_at if old else None,
                    draft_due_at=new.due_at if new else None,
                )
            )
