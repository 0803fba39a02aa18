"""Calendars and policies as event-sourced aggregates: every revision is an event with its
reason, and every version stays readable, so a deadline can name the version it was
computed under and ``as_of`` a past moment reads the version in force then.

Events carry the definition whole (plain JSON values: times as "HH:MM", dates and
durations in ISO 8601 text and seconds), never derived from method signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from casetrail.kernel.actor import Actor
from casetrail.sla.domain.business_time import BusinessHours
from casetrail.sla.domain.policy import (
    DEFAULT_PAUSE_STATUSES,
    Metric,
    PolicyFilter,
    PolicyTerms,
    check_at_risk_before,
    check_targets,
)

CALENDAR_TOPICS = ("casetrail.sla.Calendar.Defined.v1", "casetrail.sla.Calendar.Revised.v1")
POLICY_TOPICS = ("casetrail.sla.Policy.Defined.v1", "casetrail.sla.Policy.Revised.v1")


class Calendar(Aggregate):
    TOPIC = "casetrail.sla.Calendar"

    if TYPE_CHECKING:
        name: str
        timezone: str
        weekly_hours: dict[str, list[list[str]]]
        holidays: list[str]
        holiday_source: dict[str, Any] | None

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Defined(Event, Aggregate.Created):
        TOPIC = "casetrail.sla.Calendar.Defined.v1"
        name: str
        timezone: str
        weekly_hours: dict[str, list[list[str]]]
        holidays: list[str]
        # Where seeded holidays came from (country, subdivision, years); the dates are in
        # ``holidays`` as resolved then, so a later package version never rewrites them.
        holiday_source: dict[str, Any] | None

        def apply(self, aggregate: Any) -> None:
            _define_calendar(aggregate, self)

    Created = Defined

    class Revised(Event):
        TOPIC = "casetrail.sla.Calendar.Revised.v1"
        name: str
        timezone: str
        weekly_hours: dict[str, list[list[str]]]
        holidays: list[str]
        holiday_source: dict[str, Any] | None
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            _define_calendar(aggregate, self)

    @classmethod
    def define(
        cls,
        *,
        calendar_id: UUID,
        name: str,
        hours: BusinessHours,
        holiday_source: Mapping[str, Any] | None,
        actor: Actor,
        at: datetime,
    ) -> Calendar:
        return cls._create(
            cls.Defined,
            id=calendar_id,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            name=name,
            **_calendar_fields(hours, holiday_source),
        )

    def revise(
        self,
        *,
        name: str,
        hours: BusinessHours,
        holiday_source: Mapping[str, Any] | None,
        reason: str | None,
        actor: Actor,
        at: datetime,
    ) -> None:
        self.trigger_event(
            self.Revised,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            name=name,
            reason=reason,
            **_calendar_fields(hours, holiday_source),
        )

    def hours(self) -> BusinessHours:
        return calendar_hours(self.timezone, self.weekly_hours, self.holidays)


def calendar_hours(
    timezone: str, weekly_hours: Mapping[str, Sequence[Sequence[str]]], holidays: Sequence[str]
) -> BusinessHours:
    return BusinessHours.define(timezone, weekly_hours, [date.fromisoformat(d) for d in holidays])


def _calendar_fields(
    hours: BusinessHours, holiday_source: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "timezone": hours.timezone,
        "weekly_hours": hours.weekly_hours(),
        "holidays": sorted(day.isoformat() for day in hours.holidays),
        "holiday_source": dict(holiday_source) if holiday_source is not None else None,
    }


def _define_calendar(aggregate: Any, event: Calendar.Defined | Calendar.Revised) -> None:
    aggregate.name = event.name
    aggregate.timezone = event.timezone
    aggregate.weekly_hours = event.weekly_hours
    aggregate.holidays = event.holidays
    aggregate.holiday_source = event.holiday_source


class Policy(Aggregate):
    TOPIC = "casetrail.sla.Policy"

    if TYPE_CHECKING:
        name: str
        position: int
        filter: dict[str, list[str]]
        targets: dict[str, dict[str, int]]
        calendar_id: UUID | None
        pause_statuses: list[str]
        at_risk_before_seconds: int | None

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Defined(Event, Aggregate.Created):
        TOPIC = "casetrail.sla.Policy.Defined.v1"
        name: str
        position: int
        filter: dict[str, list[str]]
        targets: dict[str, dict[str, int]]  # metric -> priority -> seconds
        calendar_id: UUID | None
        pause_statuses: list[str]
        at_risk_before_seconds: int | None

        def apply(self, aggregate: Any) -> None:
            _define_policy(aggregate, self)

    Created = Defined

    class Revised(Event):
        TOPIC = "casetrail.sla.Policy.Revised.v1"
        name: str
        position: int
        filter: dict[str, list[str]]
        targets: dict[str, dict[str, int]]
        calendar_id: UUID | None
        pause_statuses: list[str]
        at_risk_before_seconds: int | None
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            _define_policy(aggregate, self)

    @classmethod
    def define(cls, *, policy_id: UUID, draft: PolicyDraft, actor: Actor, at: datetime) -> Policy:
        return cls._create(
            cls.Defined,
            id=policy_id,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            **draft.fields(),
        )

    def revise(self, *, draft: PolicyDraft, reason: str | None, actor: Actor, at: datetime) -> None:
        self.trigger_event(
            self.Revised,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            reason=reason,
            **draft.fields(),
        )

    def terms(self) -> PolicyTerms:
        return policy_terms(self.id, self.version, self.__dict__)


class PolicyDraft:
    """A policy's definition before it is recorded (or for a what-if), checked."""

    def __init__(
        self,
        *,
        name: str,
        position: int,
        filter: PolicyFilter,
        targets: Mapping[str, Mapping[str, timedelta]],
        calendar_id: UUID | None,
        pause_statuses: frozenset[str] = DEFAULT_PAUSE_STATUSES,
        at_risk_before: timedelta | None = None,
    ) -> None:
        check_targets(targets)
        check_at_risk_before(at_risk_before)
        self.name = name
        self.position = position
        self.filter = filter
        self.targets = targets
        self.calendar_id = calendar_id
        self.pause_statuses = pause_statuses
        self.at_risk_before = at_risk_before

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "filter": self.filter.as_json(),
            "targets": {
                metric: {p: int(d.total_seconds()) for p, d in by_priority.items()}
                for metric, by_priority in self.targets.items()
            },
            "calendar_id": self.calendar_id,
            "pause_statuses": sorted(self.pause_statuses),
            "at_risk_before_seconds": (
                int(self.at_risk_before.total_seconds())
                if self.at_risk_before is not None
                else None
            ),
        }

    def terms(self, policy_id: UUID, version: int) -> PolicyTerms:
        return policy_terms(policy_id, version, self.fields())


def policy_terms(policy_id: UUID, version: int, fields: Mapping[str, Any]) -> PolicyTerms:
    at_risk = fields.get("at_risk_before_seconds")
    return PolicyTerms(
        policy_id=policy_id,
        version=version,
        name=fields["name"],
        position=fields["position"],
        filter=PolicyFilter.from_json(fields["filter"]),
        targets={
            Metric(metric): {p: timedelta(seconds=s) for p, s in by_priority.items()}
            for metric, by_priority in fields["targets"].items()
        },
        calendar_id=fields["calendar_id"],
        pause_statuses=frozenset(fields["pause_statuses"]),
        at_risk_before=timedelta(seconds=at_risk) if at_risk is not None else None,
    )


def _define_policy(aggregate: Any, event: Policy.Defined | Policy.Revised) -> None:
    for name in (
        "name",
        "position",
        "filter",
        "targets",
        "calendar_id",
        "pause_statuses",
        "at_risk_before_seconds",
    ):
        setattr(aggregate, name, getattr(event, name))
