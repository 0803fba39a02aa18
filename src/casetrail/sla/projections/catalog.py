"""Every version of every calendar and policy, read from the event log.

Kept in memory (there are few of them) and caught up before each use; a version is found by
the time it was recorded (``as_of``) or by its place in the log (a follower deciding at
notification *n* uses the versions recorded before *n*, so a replay decides the same).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application

from casetrail.sla.domain.aggregates import (
    CALENDAR_TOPICS,
    POLICY_TOPICS,
    Calendar,
    Policy,
    calendar_hours,
    policy_terms,
)
from casetrail.sla.domain.business_time import BusinessHours
from casetrail.sla.domain.clocks import CalendarVersion
from casetrail.sla.domain.policy import PolicyTerms

_BATCH = 500


@dataclass(frozen=True)
class CalendarRecord:
    calendar_id: UUID
    version: int
    notification_id: int
    recorded_at: datetime
    name: str
    hours: BusinessHours
    holiday_source: Mapping[str, Any] | None
    reason: str | None

    def as_clock_calendar(self) -> CalendarVersion:
        return CalendarVersion(self.calendar_id, self.version, self.hours)


@dataclass(frozen=True)
class PolicyRecord:
    terms: PolicyTerms
    notification_id: int
    recorded_at: datetime
    reason: str | None


@dataclass(frozen=True)
class Moment:
    """Which versions count: those recorded by ``as_of`` and before notification ``before``."""

    as_of: datetime | None = None
    before: int | None = None

    def admits(self, recorded_at: datetime, notification_id: int) -> bool:
        return (self.as_of is None or recorded_at <= self.as_of) and (
            self.before is None or notification_id < self.before
        )


NOW = Moment()
Record = TypeVar("Record", CalendarRecord, PolicyRecord)


class SlaCatalog:
    def __init__(self, app: Application[Any]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self._calendars: dict[UUID, list[CalendarRecord]] = {}
        self._policies: dict[UUID, list[PolicyRecord]] = {}

    def refresh(self) -> None:
        """Catch up with the log. Only calendar and policy events are read, up to the head
        as it is now (the store numbers events in commit order, so nothing committed later
        can appear below it); the next refresh starts there."""
        with self._lock:
            head = self._app.recorder.max_notification_id() or 0
            while self._position < head:
                notifications = self._app.recorder.select_notifications(
                    start=self._position,
                    limit=_BATCH,
                    stop=head,
                    topics=(*CALENDAR_TOPICS, *POLICY_TOPICS),
                    inclusive_of_start=False,
                )
                for notification in notifications:
                    self.learn(notification.id, self._app.mapper.to_domain_event(notification))
                if len(notifications) < _BATCH:
                    self._position = head
                else:
                    self._position = notifications[-1].id

    def learn(self, notification_id: int, event: Any) -> None:
        """Take in one calendar or policy event (in log order); one known already is
        passed over."""
        fields = vars(event)
        reason = fields.get("reason")
        if isinstance(event, Calendar.Defined | Calendar.Revised):
            versions = self._calendars.setdefault(event.originator_id, [])
            if versions and versions[-1].version >= event.originator_version:
                return
            versions.append(
                CalendarRecord(
                    calendar_id=event.originator_id,
                    version=event.originator_version,
                    notification_id=notification_id,
                    recorded_at=event.timestamp,
                    name=event.name,
                    hours=calendar_hours(event.timezone, event.weekly_hours, event.holidays),
                    holiday_source=event.holiday_source,
                    reason=reason,
                )
            )
        elif isinstance(event, Policy.Defined | Policy.Revised):
            policy_versions = self._policies.setdefault(event.originator_id, [])
            if policy_versions and policy_versions[-1].terms.version >= event.originator_version:
                return
            policy_versions.append(
                PolicyRecord(
                    terms=policy_terms(event.originator_id, event.originator_version, fields),
                    notification_id=notification_id,
                    recorded_at=event.timestamp,
                    reason=reason,
                )
            )

    # -- reading ----------------------------------------------------------------------------

    def policies(self, at: Moment = NOW) -> list[PolicyTerms]:
        return [record.terms for record in self.policy_records(at)]

    def policy_records(self, at: Moment = NOW) -> list[PolicyRecord]:
        with self._lock:
            found = [_latest(versions, at) for versions in self._policies.values()]
        return [record for record in found if record is not None]

    def policy_versions(self, policy_id: UUID) -> list[PolicyRecord]:
        with self._lock:
            return list(self._policies.get(policy_id, ()))

    def calendars(self, at: Moment = NOW) -> dict[UUID, CalendarVersion]:
        with self._lock:
            found = [_latest(versions, at) for versions in self._calendars.values()]
        return {
            record.calendar_id: record.as_clock_calendar() for record in found if record is not None
        }

    def calendar_versions(self, calendar_id: UUID) -> list[CalendarRecord]:
        with self._lock:
            return list(self._calendars.get(calendar_id, ()))

    def knows_calendar(self, calendar_id: UUID) -> bool:
        with self._lock:
            return calendar_id in self._calendars


def _latest(versions: list[Record], at: Moment) -> Record | None:
    for record in reversed(versions):
        if at.admits(record.recorded_at, record.notification_id):
            return record
    return None
