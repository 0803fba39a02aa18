"""Request and response bodies of calendars, policies and case clocks. Durations are
ISO 8601 (``PT4H``); times of day ``HH:MM`` (``24:00`` ends a day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from casetrail.cases.api.published import MAX_REASON, Request
from casetrail.cases.published import Channel, Priority
from casetrail.kernel.ids import MAX_ID

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON)
]
ClockTime = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}:[0-9]{2}$")]
WindowPair = Annotated[list[ClockTime], Field(min_length=2, max_length=2)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Timezone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ID)
]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=50, pattern=r"^[\w:.-]+$"
    ),
]
CustomerTier = Literal["standard", "vip"]
PauseStatus = Literal["pending_customer", "on_hold"]


class HolidaySeedBody(Request):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")] = Field(
        description="ISO 3166 country code, such as DE"
    )
    subdivision: Annotated[str, StringConstraints(min_length=1, max_length=10)] | None = None
    years: Annotated[
        list[Annotated[int, Field(ge=1950, le=2100)]], Field(min_length=1, max_length=10)
    ]


CALENDAR_EXAMPLE: dict[str, Any] = {
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "weekly_hours": {
        "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
        "tue": [["09:00", "17:00"]],
        "wed": [["09:00", "17:00"]],
        "thu": [["09:00", "17:00"]],
        "fri": [["09:00", "16:00"]],
    },
    "holidays": ["2026-12-24"],
    "holiday_seed": {"country": "DE", "subdivision": "BE", "years": [2026]},
}
POLICY_EXAMPLE: dict[str, Any] = {
    "name": "Standard",
    "position": 1,
    "filter": {"priority": ["urgent", "high"]},
    "calendar_id": "0b7c6f1e-4a52-4d1f-9c1e-2f8d3a6b5c40",
    "targets": {
        "first_response": {"urgent": "PT1H", "high": "PT4H"},
        "resolution": {"urgent": "PT8H"},
    },
    "pause_statuses": ["pending_customer"],
}


class CalendarWrite(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [CALENDAR_EXAMPLE]})

    name: Name
    timezone: Timezone = Field(description="IANA time zone, such as Europe/Berlin")
    weekly_hours: dict[Weekday, Annotated[list[WindowPair], Field(max_length=12)]] = Field(
        description='Windows per weekday: {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}'
    )
    holidays: Annotated[list[date], Field(max_length=1000)] = Field(default_factory=list)
    holiday_seed: HolidaySeedBody | None = Field(
        default=None, description="Add a country's public holidays (resolved and stored now)"
    )


class CalendarRevise(CalendarWrite):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**CALENDAR_EXAMPLE, "reason": "office closed on Christmas Eve"}]
        }
    )

    reason: Reason | None = None


class CalendarRead(BaseModel):
    id: UUID
    version: int
    name: str
    timezone: str
    weekly_hours: dict[str, list[list[str]]]
    holidays: list[date]
    holiday_source: dict[str, Any] | None
    updated_at: datetime


class PolicyFilterBody(Request):
    priority: Annotated[list[Priority], Field(max_length=4)] = Field(default_factory=list)
    channel: Annotated[list[Channel], Field(max_length=10)] = Field(default_factory=list)
    department: Annotated[list[Identifier], Field(max_length=50)] = Field(default_factory=list)
    customer_tier: Annotated[list[CustomerTier], Field(max_length=2)] = Field(default_factory=list)
    tags: Annotated[list[Tag], Field(max_length=20)] = Field(default_factory=list)


Targets = dict[Priority, timedelta]


class TargetsBody(Request):
    first_response: Targets = Field(default_factory=dict)
    next_response: Targets = Field(default_factory=dict)
    resolution: Targets = Field(default_factory=dict)


def default_pause_statuses() -> list[PauseStatus]:
    return ["pending_customer"]


class PolicyWrite(Request):
    model_config = ConfigDict(json_schema_extra={"examples": [POLICY_EXAMPLE]})

    name: Name
    position: int = Field(ge=0, le=1_000_000)
    filter: PolicyFilterBody = Field(default_factory=PolicyFilterBody)
    targets: TargetsBody
    calendar_id: UUID | None = Field(default=None, description="None: the clock runs 24/7")
    pause_statuses: Annotated[list[PauseStatus], Field(max_length=2)] = Field(
        default_factory=default_pause_statuses
    )
    at_risk_before: timedelta | None = Field(
        default=None, description="At risk this long before the deadline (default: 20%)"
    )


class PolicyRevise(PolicyWrite):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**POLICY_EXAMPLE, "reason": "stricter from January"}]}
    )

    reason: Reason | None = None


class PolicyRead(BaseModel):
    id: UUID
    version: int
    name: str
    position: int
    filter: dict[str, list[str]]
    targets: dict[str, dict[str, timedelta]]
    calendar_id: UUID | None
    pause_statuses: list[str]
    at_risk_before: timedelta | None
    updated_at: datetime


class PolicyPage(BaseModel):
    items: list[PolicyRead]


class EventRead(BaseModel):
    """An event named as the cause of something: its stream and version, and its name."""

    ref: str
    event: str
    at: datetime


class SegmentRead(BaseModel):
    kind: Literal["running", "paused", "outside_business_hours"]
    start: datetime
    end: datetime
    seconds: float
    status: str | None = None
    opened_by: EventRead | None
    closed_by: EventRead | None


class MetricRead(BaseModel):
    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int
    target: timedelta
    due_at: datetime | None
    at_risk_at: datetime | None
    state: Literal["active", "paused", "fulfilled", "breached"]
    business_seconds_elapsed: int
    business_seconds_remaining: int
    started_by: EventRead
    stopped_by: EventRead | None
    segments: list[SegmentRead]


class PolicyRef(BaseModel):
    id: UUID
    version: int
    name: str | None = None


class CalendarRef(BaseModel):
    id: UUID
    version: int


class CaseSlaRead(BaseModel):
    case_id: UUID
    as_of: datetime
    priority: str | None
    status: str | None
    policy: PolicyRef | None
    calendar: CalendarRef | None
    metrics: list[MetricRead]


class DecisionCause(BaseModel):
    """What a deadline decision was taken on: the event (or revision) and its position in
    the log, and the reason a restatement gave."""

    ref: str
    event: str
    notification_id: int
    at: datetime
    reason: str | None = None


class LedgerEntryRead(BaseModel):
    """One entry of a case's SLA ledger: a clock decided (``decided``), or a timer's finding
    (``breached``, ``at_risk``)."""

    version: int
    recorded_at: datetime
    entry: Literal["decided", "breached", "at_risk"]
    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int
    priority: str
    department: str | None = None
    kind: str | None = Field(
        default=None,
        description="for a decision: started, deadline_moved, paused, stopped, restated,"
        " outcome_restated or no_longer_covered",
    )
    state: str | None = None
    due_at: datetime | None = None
    at_risk_at: datetime | None = None
    detected_at: datetime | None = None
    policy: PolicyRef | None = None
    calendar: CalendarRef | None = None
    cause: DecisionCause | None = None
    timer_cause: str | None = Field(
        default=None, description="for a finding: the decision its timer was armed on"
    )


class CaseSlaLedgerRead(BaseModel):
    case_id: UUID
    items: list[LedgerEntryRead]


class BreachRead(BaseModel):
    case_id: UUID
    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int
    priority: str
    department: str | None
    due_at: datetime
    detected_at: datetime
    policy: PolicyRef | None


class BreachPage(BaseModel):
    items: list[BreachRead]


class AtRiskRead(BaseModel):
    case_id: UUID
    metric: Literal["first_response", "next_response", "resolution"]
    cycle: int
    priority: str
    department: str | None
    due_at: datetime
    at_risk_at: datetime | None
    seconds_left: float


class AtRiskPage(BaseModel):
    within: timedelta
    items: list[AtRiskRead]


class DashboardRowRead(BaseModel):
    priority: str
    department: str | None
    active: int
    breached: int
    breach_rate: float
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    resolution_median_seconds: float | None
    resolution_p90_seconds: float | None


class DashboardRead(BaseModel):
    rows: list[DashboardRowRead]


class Period(Request):
    opened_from: AwareDatetime = Field(alias="from")
    opened_to: AwareDatetime = Field(alias="to")

    @model_validator(mode="after")
    def ordered(self) -> Period:
        if self.opened_to <= self.opened_from:
            raise ValueError("the period must end after it starts")
        return self


class SimulationCreate(Request):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "policy": {**POLICY_EXAMPLE, "name": "Stricter"},
                    "replaces": "5d2e8a41-7c3b-4f6e-8a9d-1b2c3d4e5f60",
                    "period": {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
                }
            ]
        }
    )

    policy: PolicyWrite = Field(description="The draft policy (its position places it)")
    replaces: UUID | None = Field(
        default=None, description="The policy the draft would replace; none: it is added"
    )
    period: Period = Field(description="Cases opened from (inclusive) to (exclusive)")


class PriorityComparison(BaseModel):
    priority: str
    current_breaches: int
    draft_breaches: int


class ChangedClockRead(BaseModel):
    case_id: UUID
    metric: str
    cycle: int
    current_state: str | None
    draft_state: str | None
    current_due_at: datetime | None
    draft_due_at: datetime | None


class SimulationRead(BaseModel):
    evaluated_at: datetime
    cases: int
    truncated: bool
    by_priority: list[PriorityComparison]
    changed: list[ChangedClockRead]
    changed_total: int
