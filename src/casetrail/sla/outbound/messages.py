"""The public ``support.case.sla.*`` messages: a clock that breached, a clock at risk.

Contracts: fields are only ever added (a breaking change is a new ``schema_version``). The
``event_id`` is derived from the timer fire that recorded it, so a message sent again after
a crash carries the same id: deduplicate on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from casetrail.cases.published import IntegrationMessage

MetricName = Literal["first_response", "next_response", "resolution"]


class SlaMessage(IntegrationMessage):
    """What every ``support.case.sla.*`` message carries (``event_id`` is stable per breach
    or warning; ``occurred_at`` is when it was detected)."""

    case_id: UUID
    metric: MetricName
    cycle: int = Field(
        description="1 for the first cycle; a reopening or a new customer"
        " message starts another of the same metric."
    )
    priority: str
    department: str | None
    due_at: datetime | None = Field(description="The deadline (business time applied).")
    detected_at: datetime = Field(
        description="When casetrail noticed: after due_at when no timer worker ran then."
    )


class SlaBreachedMessage(SlaMessage):
    """A clock passed its deadline without a response or resolution."""

    topic: ClassVar[str] = "support.case.sla.breached"
    event_type: Literal["support.case.sla.breached"] = "support.case.sla.breached"
    policy_id: UUID | None
    policy_version: int | None


class SlaAtRiskMessage(SlaMessage):
    """A clock is close to its deadline (the policy's at-risk threshold passed)."""

    topic: ClassVar[str] = "support.case.sla.at_risk"
    event_type: Literal["support.case.sla.at_risk"] = "support.case.sla.at_risk"
    at_risk_at: datetime


SLA_MESSAGE_TYPES: tuple[type[SlaMessage], ...] = (SlaBreachedMessage, SlaAtRiskMessage)
SLA_TOPICS = tuple(message.topic for message in SLA_MESSAGE_TYPES)
