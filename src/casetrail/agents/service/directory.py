"""The directory: the write-side application service for agents and departments.

It writes to the one event store every context shares (the application whose notification
log the projections, timers and relays follow), through the library's repository, mapper
and the platform's recorder port: one command loads one aggregate, asks it to decide and
commits its events (with the idempotency record when the client sent a key). Optimistic
concurrency: a command with an expected version that is stale is refused; one without is
decided again on fresh state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, AggregateEvent, DomainEventProtocol
from eventsourcing.persistence import IntegrityError

from casetrail.agents.domain.agent import Agent
from casetrail.agents.domain.department import Department
from casetrail.agents.domain.errors import (
    AgentAlreadyRegistered,
    AgentNotFound,
    DepartmentNotFound,
    DirectoryVersionConflict,
    UnknownDepartment,
)
from casetrail.agents.domain.values import agent_stream_id
from casetrail.agents.service.commands import (
    ChangeAgent,
    ChangeDepartment,
    CreateDepartment,
    DirectoryContext,
    RegisterAgent,
    SetPresence,
)
from casetrail.agents.service.history import DirectoryHistoryEntry, history_entry
from casetrail.agents.service.results import DirectoryResult
from casetrail.kernel.actor import SYSTEM
from casetrail.kernel.errors import Conflict, Unprocessable
from casetrail.platform.eventstore.idempotency import record_key
from casetrail.platform.eventstore.ports import Clock, IdempotencyRecord, SupportRecorder
from casetrail.platform.retry import Backoff, Jitter

MAX_ATTEMPTS = 8
CONTENTION_BACKOFF = Backoff(first_seconds=0.005, max_seconds=0.64, jitter=Jitter.FULL)
# How long a presence holds without a heartbeat, when the settings do not say.
DEFAULT_PRESENCE_GRACE = timedelta(seconds=90)

A = TypeVar("A", bound=Aggregate)


class IdempotencyKeyReused(Unprocessable):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


class TooMuchContention(Conflict):
    slug = "contention"
    title = "Too many concurrent changes"
    headers = {"Retry-After": "1"}  # noqa: RUF012 (read only)


class Directory:
    def __init__(
        self,
        store: Application[UUID],
        *,
        clock: Clock,
        new_id: Callable[[], UUID] = uuid4,
        presence_grace: timedelta = DEFAULT_PRESENCE_GRACE,
    ) -> None:
        if not isinstance(store.recorder, SupportRecorder):
            raise TypeError("the directory needs a recorder that keeps idempotency records")
        self._store = store
        self._recorder: SupportRecorder = store.recorder
        self._clock = clock
        self._new_id = new_id
        self.presence_grace = presence_grace

    # -- agents -----------------------------------------------------------------------------

    def register_agent(self, command: RegisterAgent, context: DirectoryContext) -> DirectoryResult:
        replayed = self._replay(context)
        if replayed is not None:
            return replayed
        self.check_departments("body.department_ids", command.department_ids)
        agent_id = command.agent_id or f"agent-{self._new_id()}"
        agent = Agent.register(
            agent_id=agent_id,
            name=command.name,
            email=command.email,
            roles=command.roles,
            department_ids=command.department_ids,
            skills=command.skills,
            capacity=command.capacity,
            seniority=command.seniority,
            actor=context.actor,
            at=self._clock(),
        )
        result = DirectoryResult(id=agent_id, version=agent.version, position=None)
        try:
            return self._commit(agent.collect_events(), result, context)
        except IntegrityError:
            replayed = self._replay(context)
            if replayed is not None:
                return replayed
            raise AgentAlreadyRegistered(agent_id) from None

    def change_agent(self, command: ChangeAgent, context: DirectoryContext) -> DirectoryResult:
        if "department_ids" in command.changes:
            self.check_departments("body.department_ids", command.changes["department_ids"])
        return self._change_agent(
            command.agent_id,
            context,
            lambda agent, at: agent.change_profile(command.changes, actor=context.actor, at=at),
        )

    def set_presence(self, command: SetPresence, context: DirectoryContext) -> DirectoryResult:
        grace = self.presence_grace
        return self._change_agent(
            command.agent_id,
            context,
            lambda agent, at: agent.set_status(
                command.status, grace=grace, actor=context.actor, at=at
            ),
        )

    def log_in(self, agent_id: str, context: DirectoryContext) -> DirectoryResult:
        grace = self.presence_grace
        return self._change_agent(
            agent_id,
            context,
            lambda agent, at: agent.log_in(grace=grace, actor=context.actor, at=at),
        )

    def log_out(self, agent_id: str, context: DirectoryContext) -> DirectoryResult:
        return self._change_agent(
            agent_id, context, lambda agent, at: agent.log_out(actor=context.actor, at=at)
        )

    def heartbeat(self, agent_id: str, context: DirectoryContext) -> DirectoryResult:
        grace = self.presence_grace
        return self._change_agent(
            agent_id,
            context,
            lambda agent, at: agent.heartbeat(grace=grace, actor=context.actor, at=at),
        )

    def expire_presence(
        self,
        agent_stream_id: UUID,
        *,
        lease_expired_at: datetime,
        cause: str,
        idempotency_key: str,
        detected_at: datetime,
    ) -> DirectoryResult | None:
        """Record that the lease ending at ``lease_expired_at`` lapsed (its timer fired),
        unless it was renewed or ended meanwhile. Idempotent under ``idempotency_key``; the
        event is stamped with when the lapse was detected (the timer worker's clock)."""
        agent = self._get(agent_stream_id, Agent)
        if agent is None:
            return None
        context = DirectoryContext(
            actor=SYSTEM, idempotency_key=idempotency_key, fingerprint=idempotency_key
        )
        return self._change_agent(
            agent.agent_id,
            context,
            lambda agent, _at: agent.expire_presence(
                lease_expired_at=lease_expired_at, cause=cause, actor=SYSTEM, at=detected_at
            ),
        )

    def get_agent(self, agent_id: str, as_of: datetime | None = None) -> Agent:
        stream_id = agent_stream_id(agent_id)
        if as_of is None:
            agent = self._get(stream_id, Agent)
            if agent is None:
                raise AgentNotFound(agent_id)
            return agent
        folded = self._fold_until(stream_id, as_of)
        if not isinstance(folded, Agent):
            raise AgentNotFound(agent_id)
        return folded

    def agent_history(self, agent_id: str) -> list[DirectoryHistoryEntry]:
        events = self._stream(agent_stream_id(agent_id))
        if not events or not isinstance(events[0], Agent.Registered):
            raise AgentNotFound(agent_id)
        return [history_entry(event) for event in events]

    # -- departments ------------------------------------------------------------------------

    def create_department(
        self, command: CreateDepartment, context: DirectoryContext
    ) -> DirectoryResult:
        replayed = self._replay(context)
        if replayed is not None:
            return replayed
        department_id = command.department_id or self._new_id()
        department = Department.create(
            department_id=department_id,
            name=command.name,
            description=command.description,
            actor=context.actor,
            at=self._clock(),
        )
        result = DirectoryResult(id=str(department_id), version=department.version, position=None)
        try:
            return self._commit(department.collect_events(), result, context)
        except IntegrityError:
            replayed = self._replay(context)
            if replayed is not None:
                return replayed
            raise DirectoryVersionConflict(f"department {department_id}", 0, 1) from None

    def change_department(
        self, command: ChangeDepartment, context: DirectoryContext
    ) -> DirectoryResult:
        department_id = command.department_id

        def decide() -> tuple[Sequence[DomainEventProtocol[UUID]], DirectoryResult]:
            department = self.get_department(department_id)
            self._check_version(f"department {department_id}", department.version, context)
            department.change(command.changes, actor=context.actor, at=self._clock())
            result = DirectoryResult(
                id=str(department_id), version=department.version, position=None
            )
            return department.collect_events(), result

        return self._run(f"department {department_id}", context, decide)

    def get_department(self, department_id: UUID, as_of: datetime | None = None) -> Department:
        if as_of is None:
            department = self._get(department_id, Department)
            if department is None:
                raise DepartmentNotFound(department_id)
            return department
        folded = self._fold_until(department_id, as_of)
        if not isinstance(folded, Department):
            raise DepartmentNotFound(department_id)
        return folded

    def department_history(self, department_id: UUID) -> list[DirectoryHistoryEntry]:
        events = self._stream(department_id)
        if not events or not isinstance(events[0], Department.Created):
            raise DepartmentNotFound(department_id)
        return [history_entry(event) for event in events]

    def check_departments(self, field: str, department_ids: Collection[str]) -> None:
        """Refuse (422 naming ``field``) department ids the directory does not have."""
        unknown = [item for item in department_ids if not self.department_exists(item)]
        if unknown:
            raise UnknownDepartment(field, unknown)

    def department_exists(self, department_id: str) -> bool:
        try:
            stream_id = UUID(department_id)
        except ValueError:
            return False
        return self._get(stream_id, Department) is not None

    # -- machinery --------------------------------------------------------------------------

    def _change_agent(
        self,
        agent_id: str,
        context: DirectoryContext,
        change: Callable[[Agent, datetime], None],
    ) -> DirectoryResult:
        def decide() -> tuple[Sequence[DomainEventProtocol[UUID]], DirectoryResult]:
            agent = self.get_agent(agent_id)
            self._check_version(f"agent {agent_id!r}", agent.version, context)
            change(agent, self._clock())
            result = DirectoryResult(id=agent_id, version=agent.version, position=None)
            return agent.collect_events(), result

        return self._run(f"agent {agent_id!r}", context, decide)

    def _run(
        self,
        what: str,
        context: DirectoryContext,
        decide: Callable[[], tuple[Sequence[DomainEventProtocol[UUID]], DirectoryResult]],
    ) -> DirectoryResult:
        """Decide and commit; on losing a race without an expected version, decide again."""
        for attempt in range(MAX_ATTEMPTS):
            replayed = self._replay(context)
            if replayed is not None:
                return replayed
            events, result = decide()
            try:
                return self._commit(events, result, context)
            except IntegrityError:
                if context.expected_version is not None:
                    raise DirectoryVersionConflict(
                        what, context.expected_version, context.expected_version + 1
                    ) from None
                time.sleep(CONTENTION_BACKOFF.delay(attempt + 1))
        raise TooMuchContention(f"{what} is changing too fast; retry the command")

    def _commit(
        self,
        events: Sequence[DomainEventProtocol[UUID]],
        result: DirectoryResult,
        context: DirectoryContext,
    ) -> DirectoryResult:
        if not events:
            return result
        records = []
        if context.idempotency_key is not None:
            records.append(
                IdempotencyRecord(
                    key=record_key(context.actor, context.idempotency_key),
                    fingerprint=context.fingerprint,
                    result=result.to_json(),
                )
            )
        stored = [self._store.mapper.to_stored_event(event) for event in events]
        ids = self._recorder.insert_events(stored, idempotency_records=records) or []
        return replace(result, position=ids[-1] if ids else None)

    def _replay(self, context: DirectoryContext) -> DirectoryResult | None:
        if context.idempotency_key is None:
            return None
        record = self._recorder.select_idempotency_record(
            record_key(context.actor, context.idempotency_key)
        )
        if record is None:
            return None
        if record.fingerprint != context.fingerprint:
            raise IdempotencyKeyReused(context.idempotency_key)
        return DirectoryResult.from_json(record.result)

    @staticmethod
    def _check_version(what: str, version: int, context: DirectoryContext) -> None:
        if context.expected_version is not None and version != context.expected_version:
            raise DirectoryVersionConflict(what, context.expected_version, version)

    def _stream(self, stream_id: UUID) -> list[AggregateEvent]:
        return cast("list[AggregateEvent]", list(self._store.events.get(stream_id)))

    def _fold_until(self, stream_id: UUID, at: datetime) -> Aggregate | None:
        folded: Aggregate | None = None
        for event in self._stream(stream_id):
            if event.timestamp > at:
                break
            folded = cast("Aggregate | None", event.mutate(folded))
        return folded

    def _get(self, stream_id: UUID, kind: type[A]) -> A | None:
        try:
            aggregate: Aggregate = self._store.repository.get(stream_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None
