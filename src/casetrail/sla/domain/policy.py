"""SLA policies: which cases a policy covers and the targets it sets.

Policies are ordered by position; the first whose filter matches a case applies. A filter
field left empty matches anything; a field with values matches a case whose value is one
of them (tags: any one of them). Department and customer tier are matched on what is known
of the case: a case whose department or tier is unknown does not match a filter on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from uuid import UUID

from casetrail.sla.domain.errors import InvalidDefinition


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


DEFAULT_PAUSE_STATUSES = frozenset({"pending_customer"})
# Warned as at risk when this share of the target is left, unless the policy says otherwise.
DEFAULT_AT_RISK_SHARE = 0.2


@dataclass(frozen=True)
class CaseSubject:
    """What a policy filter looks at, as the case stands."""

    priority: str
    channel: str
    tags: frozenset[str] = frozenset()
    department: str | None = None
    customer_tier: str | None = None


@dataclass(frozen=True)
class PolicyFilter:
    priority: frozenset[str] = frozenset()
    channel: frozenset[str] = frozenset()
    department: frozenset[str] = frozenset()
    customer_tier: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def matches(self, case: CaseSubject) -> bool:
        return (
            _admits(self.priority, case.priority)
            and _admits(self.channel, case.channel)
            and _admits(self.department, case.department)
            and _admits(self.customer_tier, case.customer_tier)
            and (not self.tags or bool(self.tags & case.tags))
        )

    def as_json(self) -> dict[str, list[str]]:
        return {
            name: sorted(values)
            for name, values in (
                ("priority", self.priority),
                ("channel", self.channel),
                ("department", self.department),
                ("customer_tier", self.customer_tier),
                ("tags", self.tags),
            )
            if values
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Iterable[str]]) -> PolicyFilter:
        return cls(**{name: frozenset(values) for name, values in data.items()})


def _admits(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or (value is not None and value in allowed)


@dataclass(frozen=True)
class PolicyTerms:
    """One version of a policy, as the clocks apply it."""

    policy_id: UUID
    version: int
    name: str
    position: int
    filter: PolicyFilter
    targets: Mapping[Metric, Mapping[str, timedelta]]
    calendar_id: UUID | None
    pause_statuses: frozenset[str] = DEFAULT_PAUSE_STATUSES
    at_risk_before: timedelta | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    def target(self, metric: Metric, priority: str) -> timedelta | None:
        return self.targets.get(metric, {}).get(priority)

    def warning_before(self, target: timedelta) -> timedelta:
        """How long before the deadline a clock is at risk."""
        if self.at_risk_before is not None:
            return min(self.at_risk_before, target)
        return target * DEFAULT_AT_RISK_SHARE


# Longer targets are mistakes, and would take deadlines past any calendar's horizon.
MAX_TARGET = timedelta(days=366)


def check_targets(targets: Mapping[str, Mapping[str, timedelta]]) -> None:
    for metric, by_priority in targets.items():
        for priority, duration in by_priority.items():
            if duration <= timedelta(0):
                raise InvalidDefinition(
                    f"targets.{metric}.{priority}", "a target must be longer than zero"
                )
            if duration > MAX_TARGET:
                raise InvalidDefinition(
                    f"targets.{metric}.{priority}", "a target may be at most 366 days"
                )


def check_at_risk_before(duration: timedelta | None) -> None:
    if duration is not None and duration <= timedelta(0):
        raise InvalidDefinition("at_risk_before", "must be longer than zero")
    if duration is not None and duration > MAX_TARGET:
        raise InvalidDefinition("at_risk_before", "may be at most 366 days")


def applicable(policies: Sequence[PolicyTerms], case: CaseSubject) -> PolicyTerms | None:
    """The first policy by position whose filter matches (ties: the older id first)."""
    for policy in sorted(policies, key=lambda terms: (terms.position, str(terms.policy_id))):
        if policy.filter.matches(case):
            return policy
    return None
