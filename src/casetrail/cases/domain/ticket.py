"""The support case (the API says *case*, the domain says *ticket*).

Every change is an explicitly declared event with an explicit stored topic, so renaming a
class or a parameter never changes stored history. Time and ids come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from casetrail.cases.domain.errors import (
    CaseIsClosed,
    CaseLimitReached,
    CaseNotAssigned,
    InvalidTransition,
)
from casetrail.cases.domain.values import (
    AssignmentReason,
    CaseStatus,
    Channel,
    Priority,
    format_case_number,
)
from casetrail.kernel.actor import Actor

# Where a status change may lead. Reopening (resolved -> open) is its own event; a closed
# case is final, as in mainstream helpdesks: a follow-up is a new case.
ALLOWED_STATUS_CHANGES: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset(
        {CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}
    ),
    CaseStatus.PENDING_CUSTOMER: frozenset(
        {CaseStatus.OPEN, CaseStatus.ON_HOLD, CaseStatus.RESOLVED}
    ),
    CaseStatus.ON_HOLD: frozenset(
        {CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED}
    ),
    CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


# What ``edit`` may change besides the customer.
EDITABLE_FIELDS = ("subject", "description", "external_ref")

# What one case may hold. A case past these is a process failure to look at, not something
# to keep growing: escalation goes team lead -> manager -> director and no further.
MAX_TAGS_PER_CASE = 50
MAX_ESCALATION_LEVEL = 5


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({tag.strip().lower() for tag in tags if tag.strip()}))


class Ticket(Aggregate):
    TOPIC = "casetrail.ticket"

    if TYPE_CHECKING:
        case_number: str
        customer_id: str
        subject: str
        description: str
        priority: Priority
        channel: Channel
        tags: tuple[str, ...]
        order_id: str | None
        external_ref: str | None
        status: CaseStatus
        assignee_id: str | None
        department_id: str | None
        escalation_level: int
        opened_by: Actor
        resolved_at: datetime | None
        archived_at: datetime | None

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

        def actor(self) -> Actor:
            return Actor(subject=self.actor_subject, role=self.actor_role)

    class Opened(Event, Aggregate.Created):
        TOPIC = "casetrail.ticket.Opened.v1"
        case_number: str
        customer_id: str
        subject: str
        description: str
        priority: str
        channel: str
        tags: list[str]
        order_id: str | None
        external_ref: str | None

        def apply(self, aggregate: Any) -> None:
            ticket: Ticket = aggregate
            ticket.case_number = self.case_number
            ticket.customer_id = self.customer_id
            ticket.subject = self.subject
            ticket.description = self.description
            ticket.priority = Priority(self.priority)
            ticket.channel = Channel(self.channel)
            ticket.tags = tuple(self.tags)
            ticket.order_id = self.order_id
            ticket.external_ref = self.external_ref
            ticket.status = CaseStatus.OPEN
            ticket.assignee_id = None
            ticket.department_id = None
            ticket.escalation_level = 0
            ticket.opened_by = self.actor()
            ticket.resolved_at = None
            ticket.archived_at = None

    Created = Opened  # the library's name for the creating event

    class StatusChanged(Event):
        TOPIC = "casetrail.ticket.StatusChanged.v1"
        from_status: str
        to_status: str
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CaseStatus(self.to_status)

    class Resolved(Event):
        TOPIC = "casetrail.ticket.Resolved.v1"
        from_status: str
        resolution: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CaseStatus.RESOLVED
            aggregate.resolved_at = self.timestamp

    class Reopened(Event):
        TOPIC = "casetrail.ticket.Reopened.v1"
        reason: str | None

        def apply(self, aggregate: Any) -> None:
            aggregate.status = CaseStatus.OPEN
            aggregate.resolved_at = None

    class PriorityChanged(Event):
        TOPIC = "casetrail.ticket.PriorityChanged.v1"
        from_priority: str
        to_priority: str

        def apply(self, aggregate: Any) -> None:
            aggregate.priority = Priority(self.to_priority)

    class Assigned(Event):
        TOPIC = "casetrail.ticket.Assigned.v1"
        agent_id: str
        previous_agent_id: str | None
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.assignee_id = self.agent_id

    class Unassigned(Event):
        TOPIC = "casetrail.ticket.Unassigned.v1"
        previous_agent_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.assignee_id = None

    class Routed(Event):
        """The case moved to a department (the first routing has no ``from_department_id``)."""

        TOPIC = "casetrail.ticket.Routed.v1"
        from_department_id: str | None
        to_department_id: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.department_id = self.to_department_id

    class Escalated(Event):
        TOPIC = "casetrail.ticket.Escalated.v1"
        level: int
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.escalation_level = self.level

    class Tagged(Event):
        TOPIC = "casetrail.ticket.Tagged.v1"
        tags: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.tags = normalise_tags([*aggregate.tags, *self.tags])

    class Untagged(Event):
        TOPIC = "casetrail.ticket.Untagged.v1"
        tags: list[str]

        def apply(self, aggregate: Any) -> None:
            removed = set(self.tags)
            aggregate.tags = tuple(tag for tag in aggregate.tags if tag not in removed)

    class DetailsChanged(Event):
        """``changed`` names the fields this event sets; the others are None and unchanged."""

        TOPIC = "casetrail.ticket.DetailsChanged.v1"
        changed: list[str]
        subject: str | None
        description: str | None
        external_ref: str | None

        def apply(self, aggregate: Any) -> None:
            for name in self.changed:
                setattr(aggregate, name, getattr(self, name))

    class CustomerChanged(Event):
        TOPIC = "casetrail.ticket.CustomerChanged.v1"
        from_customer_id: str
        to_customer_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.customer_id = self.to_customer_id

    class Archived(Event):
        """Hidden from lists, never destroyed (erasure is how personal data is destroyed)."""

        TOPIC = "casetrail.ticket.Archived.v1"

        def apply(self, aggregate: Any) -> None:
            aggregate.archived_at = self.timestamp

    class Restored(Event):
        TOPIC = "casetrail.ticket.Restored.v1"

        def apply(self, aggregate: Any) -> None:
            aggregate.archived_at = None

    # -- commands ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        case_id: UUID,
        sequence_number: int,
        customer_id: str,
        subject: str,
        description: str,
        priority: Priority,
        channel: Channel,
        tags: Iterable[str],
        order_id: str | None,
        external_ref: str | None,
        actor: Actor,
        at: datetime,
    ) -> Ticket:
        normalised_tags = normalise_tags(tags)
        if len(normalised_tags) > MAX_TAGS_PER_CASE:
            raise CaseLimitReached(case_id, "tags", MAX_TAGS_PER_CASE)
        return cls._create(
            cls.Opened,
            id=case_id,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            case_number=format_case_number(sequence_number),
            customer_id=customer_id,
            subject=subject,
            description=description,
            priority=priority.value,
            channel=channel.value,
            tags=list(normalised_tags),
            order_id=order_id,
            external_ref=external_ref,
        )

    def change_status(
        self, to: CaseStatus, *, reason: str | None, actor: Actor, at: datetime
    ) -> None:
        if to == self.status:
            return
        if to not in ALLOWED_STATUS_CHANGES[self.status]:
            raise InvalidTransition(current=self.status.value, requested=to.value)
        if to is CaseStatus.RESOLVED:
            self._record(self.Resolved, actor, at, from_status=self.status.value, resolution=reason)
        elif self.status is CaseStatus.RESOLVED and to is CaseStatus.OPEN:
            self._record(self.Reopened, actor, at, reason=reason)
        else:
            self._record(
                self.StatusChanged,
                actor,
                at,
                from_status=self.status.value,
                to_status=to.value,
                reason=reason,
            )

    def change_priority(self, to: Priority, *, actor: Actor, at: datetime) -> None:
        self._refuse_if_closed()
        if to == self.priority:
            return
        self._record(
            self.PriorityChanged, actor, at, from_priority=self.priority.value, to_priority=to.value
        )

    def assign(
        self, agent_id: str, *, reason: AssignmentReason, actor: Actor, at: datetime
    ) -> None:
        self._refuse_if_closed()
        if agent_id == self.assignee_id:
            return
        if reason is AssignmentReason.TRANSFER and self.assignee_id is None:
            raise CaseNotAssigned(self.id)
        self._record(
            self.Assigned,
            actor,
            at,
            agent_id=agent_id,
            previous_agent_id=self.assignee_id,
            reason=reason.value,
        )

    def unassign(self, *, actor: Actor, at: datetime) -> None:
        self._refuse_if_closed()
        if self.assignee_id is None:
            return
        self._record(self.Unassigned, actor, at, previous_agent_id=self.assignee_id)

    def route(self, department_id: str, *, reason: str, actor: Actor, at: datetime) -> None:
        """Move the case to a department (whether it exists is the caller's to check)."""
        self._refuse_if_closed()
        if department_id == self.department_id:
            return
        self._record(
            self.Routed,
            actor,
            at,
            from_department_id=self.department_id,
            to_department_id=department_id,
            reason=reason,
        )

    def escalate(self, *, reason: str, actor: Actor, at: datetime) -> None:
        self._refuse_if_closed()
        if self.status is CaseStatus.RESOLVED:
            raise InvalidTransition(current=self.status.value, requested="escalated")
        if self.escalation_level >= MAX_ESCALATION_LEVEL:
            raise CaseLimitReached(self.id, "escalation levels", MAX_ESCALATION_LEVEL)
        self._record(self.Escalated, actor, at, level=self.escalation_level + 1, reason=reason)

    def tag(self, tags: Iterable[str], *, actor: Actor, at: datetime) -> None:
        self._refuse_if_closed()
        new = [tag for tag in normalise_tags(tags) if tag not in self.tags]
        if len(self.tags) + len(new) > MAX_TAGS_PER_CASE:
            raise CaseLimitReached(self.id, "tags", MAX_TAGS_PER_CASE)
        if new:
            self._record(self.Tagged, actor, at, tags=new)

    def untag(self, tags: Iterable[str], *, actor: Actor, at: datetime) -> None:
        self._refuse_if_closed()
        present = [tag for tag in normalise_tags(tags) if tag in self.tags]
        if present:
            self._record(self.Untagged, actor, at, tags=present)

    def edit(self, changes: Mapping[str, str | None], *, actor: Actor, at: datetime) -> None:
        """Change what the case says (subject, description, external reference) and whose
        case it is; each change that differs is an event. A closed case is final."""
        unknown = set(changes) - {*EDITABLE_FIELDS, "customer_id"}
        if unknown:
            raise ValueError(f"not an editable field: {sorted(unknown)}")
        self._refuse_if_closed()
        changed = [
            name
            for name in EDITABLE_FIELDS
            if name in changes and changes[name] != getattr(self, name)
        ]
        if changed:
            self._record(
                self.DetailsChanged,
                actor,
                at,
                changed=changed,
                **{name: (changes[name] if name in changed else None) for name in EDITABLE_FIELDS},
            )
        customer_id = changes.get("customer_id")
        if customer_id is not None and customer_id != self.customer_id:
            self._record(
                self.CustomerChanged,
                actor,
                at,
                from_customer_id=self.customer_id,
                to_customer_id=customer_id,
            )

    def archive(self, *, actor: Actor, at: datetime) -> None:
        if self.archived_at is None:
            self._record(self.Archived, actor, at)

    def restore(self, *, actor: Actor, at: datetime) -> None:
        if self.archived_at is not None:
            self._record(self.Restored, actor, at)

    @property
    def accepts_messages(self) -> bool:
        return self.status is not CaseStatus.CLOSED

    def _refuse_if_closed(self) -> None:
        if self.status is CaseStatus.CLOSED:
            raise CaseIsClosed(self.id)

    def _record(self, event_class: type[Event], actor: Actor, at: datetime, **fields: Any) -> None:
        self.trigger_event(
            event_class,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            **fields,
        )


# What a case is opened with: the fields ``Opened`` declares itself (its envelope and actor
# come from the base classes). The opening command, the read rows and the response bodies
# take these names from here; tests hold the schemas that cannot derive them to the list.
OPENED_FIELDS: tuple[str, ...] = tuple(Ticket.Opened.__annotations__)
