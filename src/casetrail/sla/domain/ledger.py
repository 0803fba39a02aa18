"""What the SLA context decided about a case, as events of the case's SLA ledger: a stream
of its own per case (``sla_ledger_id``), beside the case's stream, that only the SLA context
writes.

- ``ClockDecided``: a clock's deadline set, moved, paused, met, restated or no longer
  covered, with the event that caused it and the policy and calendar versions used;
- ``Breached`` and ``WarnedAtRisk``: a timer found a clock past its deadline or in its
  at-risk window, with the due time and the time it was detected.

The ledger is written by the ``sla.clocks`` follower and the timer handlers, each in the
transaction that commits its position or its fire, so each decision is recorded exactly
once; it is read back to explain a case's deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

_LEDGER_NAMESPACE = UUID("6f0d8a52-3f5e-4a8e-b7d4-8f1c2e9a7b31")

LEDGER_TOPICS = (
    "casetrail.sla.Ledger.ClockDecided.v1",
    "casetrail.sla.Ledger.Breached.v1",
    "casetrail.sla.Ledger.WarnedAtRisk.v1",
)


def sla_ledger_id(case_id: UUID | str) -> UUID:
    """The stream of a case's SLA decisions."""
    return uuid5(_LEDGER_NAMESPACE, str(case_id))


class Ledger:
    """A case's SLA ledger: a stream of events, read as a list (there is no aggregate to
    load; each event is a decision or a finding of its own)."""

    @dataclass(frozen=True)
    class Event(DomainEvent):
        case_id: str
        metric: str
        cycle: int
        priority: str
        department: str | None

    @dataclass(frozen=True)
    class ClockDecided(Event):
        TOPIC = "casetrail.sla.Ledger.ClockDecided.v1"
        # started | deadline_moved | paused | stopped | restated | outcome_restated |
        # no_longer_covered
        kind: str
        state: str
        target_seconds: int
        elapsed_seconds: int
        due_at: datetime | None
        at_risk_at: datetime | None
        stopped_at: datetime | None
        policy_id: str
        policy_version: int
        calendar_id: str | None
        calendar_version: int | None
        cause_ref: str
        cause_event: str
        cause_notification: int
        reason: str | None
        decided_at: datetime

    @dataclass(frozen=True)
    class Breached(Event):
        TOPIC = "casetrail.sla.Ledger.Breached.v1"
        due_at: datetime
        detected_at: datetime
        policy_id: str | None
        policy_version: int | None
        cause: str

    @dataclass(frozen=True)
    class WarnedAtRisk(Event):
        TOPIC = "casetrail.sla.Ledger.WarnedAtRisk.v1"
        at_risk_at: datetime
        due_at: datetime | None
        detected_at: datetime
        cause: str


for _event in (Ledger.ClockDecided, Ledger.Breached, Ledger.WarnedAtRisk):
    register_topic(_event.TOPIC, _event)
