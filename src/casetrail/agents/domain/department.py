"""A department: a group of agents that cases are routed to (Billing, Returns, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from casetrail.kernel.actor import Actor

DEPARTMENT_FIELDS = ("name", "description")


class Department(Aggregate):
    TOPIC = "casetrail.department"

    if TYPE_CHECKING:
        name: str
        description: str

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Created(Event, Aggregate.Created):
        TOPIC = "casetrail.department.Created.v1"
        name: str
        description: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.description = self.description

    class Changed(Event):
        """Only the fields that changed, with their new values."""

        TOPIC = "casetrail.department.Changed.v1"
        changes: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            for name, value in self.changes.items():
                setattr(aggregate, name, value)

    @classmethod
    def create(
        cls, *, department_id: UUID, name: str, description: str, actor: Actor, at: datetime
    ) -> Department:
        return cls._create(
            cls.Created,
            id=department_id,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            name=name,
            description=description,
        )

    def change(self, wanted: Mapping[str, Any], *, actor: Actor, at: datetime) -> None:
        changes = {
            name: value
            for name, value in wanted.items()
            if name in DEPARTMENT_FIELDS and value != getattr(self, name)
        }
        if changes:
            self.trigger_event(
                self.Changed,
                timestamp=at,
                actor_subject=actor.subject,
                actor_role=actor.role,
                changes=changes,
            )
