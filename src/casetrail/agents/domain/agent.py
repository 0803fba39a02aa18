"""An agent: who they are (profile), what they can take (skills, capacity, departments) and
whether they are there (presence).

Presence is a lease: going online or busy, logging in and each heartbeat record until when
the presence holds (``expires_at``, chosen by the caller from the grace period setting). A
presence nobody renews lapses: ``PresenceExpired`` records it, naming the lease that lapsed.
Heartbeats renew the lease only once half of it has passed, so a client beating every few
seconds does not write an event each time; a short disconnect within the grace period
changes nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from casetrail.agents.domain.errors import AgentIsOffline
from casetrail.agents.domain.values import Presence, PresenceCause, Seniority, agent_stream_id
from casetrail.kernel.actor import Actor

# What a profile change may touch: the fields an agent is registered with, id aside.
PROFILE_FIELDS = (
    "name",
    "email",
    "roles",
    "department_ids",
    "skills",
    "capacity",
    "seniority",
)


def normalise_labels(labels: Iterable[str]) -> list[str]:
    """Skills and roles: trimmed, lower case, each once, sorted."""
    return sorted({label.strip().lower() for label in labels if label.strip()})


class Agent(Aggregate):
    TOPIC = "casetrail.agent"

    if TYPE_CHECKING:
        agent_id: str
        name: str
        email: str
        roles: list[str]
        department_ids: list[str]
        skills: list[str]
        capacity: int
        seniority: Seniority
        presence: Presence
        presence_expires_at: datetime | None
        presence_renewed_at: datetime | None

    class Event(Aggregate.Event):
        actor_subject: str
        actor_role: str

    class Registered(Event, Aggregate.Created):
        TOPIC = "casetrail.agent.Registered.v1"
        agent_id: str
        name: str
        email: str
        roles: list[str]
        department_ids: list[str]
        skills: list[str]
        capacity: int
        seniority: str

        def apply(self, aggregate: Any) -> None:
            agent: Agent = aggregate
            agent.agent_id = self.agent_id
            agent.name = self.name
            agent.email = self.email
            agent.roles = list(self.roles)
            agent.department_ids = list(self.department_ids)
            agent.skills = list(self.skills)
            agent.capacity = self.capacity
            agent.seniority = Seniority(self.seniority)
            agent.presence = Presence.OFFLINE
            agent.presence_expires_at = None
            agent.presence_renewed_at = None

    Created = Registered

    class ProfileChanged(Event):
        """Only the fields that changed, with their new values."""

        TOPIC = "casetrail.agent.ProfileChanged.v1"
        changes: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            for name, value in self.changes.items():
                if name == "seniority":
                    value = Seniority(value)
                setattr(aggregate, name, value)

    class PresenceChanged(Event):
        TOPIC = "casetrail.agent.PresenceChanged.v1"
        from_status: str
        to_status: str
        cause: str
        # Until when the new presence holds unless renewed; None when offline.
        expires_at: datetime | None

        def apply(self, aggregate: Any) -> None:
            aggregate.presence = Presence(self.to_status)
            aggregate.presence_expires_at = self.expires_at
            aggregate.presence_renewed_at = self.timestamp if self.expires_at else None

    class PresenceRenewed(Event):
        """A heartbeat (or a repeated status or login) extended the presence."""

        TOPIC = "casetrail.agent.PresenceRenewed.v1"
        status: str
        expires_at: datetime

        def apply(self, aggregate: Any) -> None:
            aggregate.presence_expires_at = self.expires_at
            aggregate.presence_renewed_at = self.timestamp

    class PresenceExpired(Event):
        """Nobody renewed the presence before ``expired_at``: the agent went offline."""

        TOPIC = "casetrail.agent.PresenceExpired.v1"
        from_status: str
        expired_at: datetime
        last_renewed_at: datetime | None
        # What decided it: the timer that fired for this lease.
        cause: str

        def apply(self, aggregate: Any) -> None:
            aggregate.presence = Presence.OFFLINE
            aggregate.presence_expires_at = None
            aggregate.presence_renewed_at = None

    # -- commands ---------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        agent_id: str,
        name: str,
        email: str,
        roles: Iterable[str],
        department_ids: Iterable[str],
        skills: Iterable[str],
        capacity: int,
        seniority: Seniority,
        actor: Actor,
        at: datetime,
    ) -> Agent:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        return cls._create(
            cls.Registered,
            id=agent_stream_id(agent_id),
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            agent_id=agent_id,
            name=name,
            email=email,
            roles=normalise_labels(roles),
            department_ids=sorted(set(department_ids)),
            skills=normalise_labels(skills),
            capacity=capacity,
            seniority=seniority.value,
        )

    def change_profile(self, wanted: Mapping[str, Any], *, actor: Actor, at: datetime) -> None:
        changes: dict[str, Any] = {}
        for name, value in wanted.items():
            if name not in PROFILE_FIELDS:
                raise ValueError(f"{name} is not a profile field")
            if name in ("roles", "skills"):
                value = normalise_labels(value)
            elif name == "department_ids":
                value = sorted(set(value))
            elif name == "seniority":
                value = Seniority(value).value
            elif name == "capacity" and value < 1:
                raise ValueError("capacity must be at least 1")
            if value != getattr(self, name):
                changes[name] = value
        if changes:
            self._record(self.ProfileChanged, actor, at, changes=changes)

    def set_status(self, status: Presence, *, grace: timedelta, actor: Actor, at: datetime) -> None:
        """Set the presence; setting the one the agent has renews it."""
        cause = PresenceCause.STATUS
        if status is Presence.OFFLINE:
            self._go_offline(cause, actor, at)
        elif status is self.presence:
            self._renew(grace, actor, at, always=True)
        else:
            self._record(
                self.PresenceChanged,
                actor,
                at,
                from_status=self.presence.value,
                to_status=status.value,
                cause=cause.value,
                expires_at=at + grace,
            )

    def log_in(self, *, grace: timedelta, actor: Actor, at: datetime) -> None:
        """Online from offline; a login while online or busy keeps the status and renews."""
        if self.presence is Presence.OFFLINE:
            self._record(
                self.PresenceChanged,
                actor,
                at,
                from_status=self.presence.value,
                to_status=Presence.ONLINE.value,
                cause=PresenceCause.LOGIN.value,
                expires_at=at + grace,
            )
        else:
            self._renew(grace, actor, at, always=True)

    def log_out(self, *, actor: Actor, at: datetime) -> None:
        self._go_offline(PresenceCause.LOGOUT, actor, at)

    def heartbeat(self, *, grace: timedelta, actor: Actor, at: datetime) -> None:
        if self.presence is Presence.OFFLINE:
            raise AgentIsOffline(self.agent_id)
        self._renew(grace, actor, at, always=False)

    def expire_presence(
        self, *, lease_expired_at: datetime, cause: str, actor: Actor, at: datetime
    ) -> None:
        """The lease that ended at ``lease_expired_at`` was not renewed. Nothing happens if
        the agent went offline or renewed meanwhile (the lease is another one by now)."""
        if self.presence is Presence.OFFLINE or self.presence_expires_at != lease_expired_at:
            return
        if at < lease_expired_at:
            return
        self._record(
            self.PresenceExpired,
            actor,
            at,
            from_status=self.presence.value,
            expired_at=lease_expired_at,
            last_renewed_at=self.presence_renewed_at,
            cause=cause,
        )

    @property
    def is_available(self) -> bool:
        return self.presence is Presence.ONLINE

    def _go_offline(self, cause: PresenceCause, actor: Actor, at: datetime) -> None:
        if self.presence is Presence.OFFLINE:
            return
        self._record(
            self.PresenceChanged,
            actor,
            at,
            from_status=self.presence.value,
            to_status=Presence.OFFLINE.value,
            cause=cause.value,
            expires_at=None,
        )

    def _renew(self, grace: timedelta, actor: Actor, at: datetime, *, always: bool) -> None:
        expires_at = self.presence_expires_at
        # A heartbeat early in the lease changes nothing: no event per beat.
        if not always and expires_at is not None and expires_at - at > grace / 2:
            return
        self._record(
            self.PresenceRenewed, actor, at, status=self.presence.value, expires_at=at + grace
        )

    def _record(self, event_class: type[Event], actor: Actor, at: datetime, **fields: Any) -> None:
        self.trigger_event(
            event_class,
            timestamp=at,
            actor_subject=actor.subject,
            actor_role=actor.role,
            **fields,
        )


# What an agent is registered with: the fields ``Registered`` declares itself.
REGISTERED_FIELDS: tuple[str, ...] = tuple(Agent.Registered.__annotations__)
