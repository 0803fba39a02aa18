"""Defining and revising calendars and policies: each command loads one aggregate, checks
the expected version, records the change (with its reason) in the event store."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from casetrail.kernel.actor import Actor
from casetrail.sla.domain.aggregates import Calendar, Policy, PolicyDraft
from casetrail.sla.domain.business_time import BusinessHours
from casetrail.sla.domain.errors import (
    CalendarNotFound,
    InvalidDefinition,
    PolicyNotFound,
    StaleVersion,
)
from casetrail.sla.domain.ports import AnyDepartment, Departments
from casetrail.sla.projections.catalog import PolicyRecord, SlaCatalog
from casetrail.sla.service.holiday_seeds import HolidaySeed

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CalendarDefinition:
    name: str
    timezone: str
    weekly_hours: Mapping[str, Sequence[Sequence[str]]]
    holidays: Sequence[date] = ()
    holiday_seed: HolidaySeed | None = None

    def hours(self) -> tuple[BusinessHours, dict[str, Any] | None]:
        seeded = self.holiday_seed.resolve() if self.holiday_seed is not None else []
        hours = BusinessHours.define(self.timezone, self.weekly_hours, [*self.holidays, *seeded])
        return hours, self.holiday_seed.source() if self.holiday_seed is not None else None


class SlaAdministration:
    def __init__(
        self,
        store: Application[Any],
        catalog: SlaCatalog,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        departments: Departments | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._new_id = new_id
        self._departments = departments or AnyDepartment()

    # -- calendars ----------------------------------------------------------------------------

    def define_calendar(self, definition: CalendarDefinition, actor: Actor) -> Calendar:
        hours, source = definition.hours()
        calendar = Calendar.define(
            calendar_id=self._new_id(),
            name=definition.name,
            hours=hours,
            holiday_source=source,
            actor=actor,
            at=self._clock(),
        )
        self._save(calendar, "calendar")
        return calendar

    def revise_calendar(
        self,
        calendar_id: UUID,
        definition: CalendarDefinition,
        *,
        reason: str | None,
        expected_version: int | None,
        actor: Actor,
    ) -> Calendar:
        calendar = self.calendar(calendar_id)
        _check_version(calendar, expected_version, "the calendar")
        hours, source = definition.hours()
        calendar.revise(
            name=definition.name,
            hours=hours,
            holiday_source=source,
            reason=reason,
            actor=actor,
            at=self._clock(),
        )
        self._save(calendar, "the calendar")
        return calendar

    def calendar(self, calendar_id: UUID) -> Calendar:
        found = self._get(calendar_id, Calendar)
        if found is None:
            raise CalendarNotFound(calendar_id)
        return found

    # -- policies -----------------------------------------------------------------------------

    def define_policy(self, draft: PolicyDraft, actor: Actor) -> Policy:
        self._check_references(draft)
        policy = Policy.define(policy_id=self._new_id(), draft=draft, actor=actor, at=self._clock())
        self._save(policy, "policy")
        return policy

    def revise_policy(
        self,
        policy_id: UUID,
        draft: PolicyDraft,
        *,
        reason: str | None,
        expected_version: int | None,
        actor: Actor,
    ) -> Policy:
        policy = self.policy(policy_id)
        _check_version(policy, expected_version, "the policy")
        self._check_references(draft)
        policy.revise(draft=draft, reason=reason, actor=actor, at=self._clock())
        self._save(policy, "the policy")
        return policy

    def policy(self, policy_id: UUID) -> Policy:
        found = self._get(policy_id, Policy)
        if found is None:
            raise PolicyNotFound(policy_id)
        return found

    def policies(self) -> list[PolicyRecord]:
        """The current version of every policy, in the order they apply."""
        self._catalog.refresh()
        records = self._catalog.policy_records()
        return sorted(records, key=lambda r: (r.terms.position, str(r.terms.policy_id)))

    # -- machinery ----------------------------------------------------------------------------

    def _check_references(self, draft: PolicyDraft) -> None:
        if draft.calendar_id is not None and self._get(draft.calendar_id, Calendar) is None:
            raise InvalidDefinition("calendar_id", f"no calendar {draft.calendar_id}")
        for index, department in enumerate(sorted(draft.filter.department)):
            if not self._departments.is_known(department):
                raise InvalidDefinition(
                    f"filter.department.{index}", f"no department {department!r}"
                )

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A | None:
        try:
            aggregate: Aggregate = self._store.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def _save(self, aggregate: Aggregate, what: str) -> None:
        try:
            self._store.save(aggregate)
        except IntegrityError:
            current: int = self._store.repository.get(aggregate.id).version
            raise StaleVersion(what, aggregate.version - 1, current) from None
        self._catalog.refresh()


def _check_version(aggregate: Aggregate, expected: int | None, what: str) -> None:
    if expected is not None and aggregate.version != expected:
        raise StaleVersion(what, expected, aggregate.version)
