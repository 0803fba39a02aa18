"""What the clocks follow of a case: its events, reduced to the facts that start, stop,
pause or re-target a clock. Each fact keeps a reference to the event it comes from
(``<stream id>@<version>`` and the event's name), so every segment can name its cause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from casetrail.sla.domain.policy import CaseSubject


class FactKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"
    PRIORITY = "priority"
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    ROUTED = "routed"  # the case went to a department
    AGENT_REPLY = "agent_reply"  # a public reply by an agent (not a note, not a bot)
    CUSTOMER_MESSAGE = "customer_message"


@dataclass(frozen=True)
class CaseFact:
    ref: str  # "<stream id>@<version>"
    event: str  # the event's name: Opened, StatusChanged, MessagePosted, …
    at: datetime
    kind: FactKind
    value: str | None = None  # the status, priority or department it sets
    channel: str | None = None  # OPENED only
    tags: tuple[str, ...] = ()
    customer_id: str | None = None  # OPENED only

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "event": self.event,
            "at": self.at.isoformat(),
            "kind": self.kind.value,
            "value": self.value,
            "channel": self.channel,
            "tags": list(self.tags),
            "customer_id": self.customer_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CaseFact:
        return cls(
            ref=str(data["ref"]),
            event=str(data["event"]),
            at=datetime.fromisoformat(str(data["at"])),
            kind=FactKind(str(data["kind"])),
            value=None if data.get("value") is None else str(data["value"]),
            channel=None if data.get("channel") is None else str(data["channel"]),
            tags=tuple(str(tag) for tag in cast("list[object]", data.get("tags") or [])),
            customer_id=None if data.get("customer_id") is None else str(data["customer_id"]),
        )


def customer_of(facts: Sequence[CaseFact]) -> str | None:
    return next((fact.customer_id for fact in facts if fact.kind is FactKind.OPENED), None)


@dataclass(frozen=True)
class CaseState:
    status: str
    subject: CaseSubject


def state_after(facts: Sequence[CaseFact], customer_tier: str | None = None) -> CaseState | None:
    """The case as its facts leave it; None before it was opened."""
    status = priority = channel = None
    department: str | None = None
    tags: set[str] = set()
    for fact in facts:
        if fact.kind is FactKind.OPENED:
            status, priority, channel = "open", fact.value, fact.channel
            tags = set(fact.tags)
        elif fact.kind is FactKind.STATUS:
            status = fact.value
        elif fact.kind is FactKind.PRIORITY:
            priority = fact.value
        elif fact.kind is FactKind.TAGGED:
            tags |= set(fact.tags)
        elif fact.kind is FactKind.UNTAGGED:
            tags -= set(fact.tags)
        elif fact.kind is FactKind.ROUTED:
            department = fact.value
    if status is None or priority is None or channel is None:
        return None
    return CaseState(
        status,
        CaseSubject(
            priority=priority,
            channel=channel,
            tags=frozenset(tags),
            department=department,
            customer_tier=customer_tier,
        ),
    )
