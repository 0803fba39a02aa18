"""The support desk: the write-side application service.

Its methods read like the list of commands. Each loads one aggregate, asks it to decide,
and commits the resulting events (with the idempotency record, when the client sent a key)
through the group committer. Idempotency records are kept for a stated retention (24 h by
default), then expired. Queries over single streams (the case now, the case as it was,
its audit trail) are at the end.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, AggregateEvent, DomainEventProtocol
from eventsourcing.persistence import Mapper
from eventsourcing.utils import Environment

from casetrail.cases.domain.conversation import Conversation, conversation_id_for_case
from casetrail.cases.domain.errors import CaseIsClosed
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.service.case_numbers import CaseNumberBlocks
from casetrail.cases.service.commands import (
    ArchiveCase,
    AssignCase,
    ChangePriority,
    ChangeStatus,
    CommandContext,
    EditCase,
    EscalateCase,
    OpenCase,
    PostMessage,
    RestoreCase,
    RouteCase,
    TagCase,
    UnassignCase,
    UntagCase,
)
from casetrail.cases.service.history import HistoryEntry, history_entry
from casetrail.cases.service.results import (
    CaseNotFound,
    CommandResult,
    IdempotencyKeyReused,
    TooMuchContention,
    VersionConflict,
)
from casetrail.platform.eventstore.group_commit import CommitConflict, GroupCommitter
from casetrail.platform.eventstore.idempotency import DEFAULT_RETENTION, record_key
from casetrail.platform.eventstore.ports import Clock, IdempotencyRecord, IdSource, SupportRecorder
from casetrail.platform.eventstore.striped_locks import StripedLocks
from casetrail.platform.retry import Backoff, Jitter
from casetrail.platform.tracing import attributes_of, span

# How often a command without an expected version is re-run after losing a race.
MAX_ATTEMPTS = 8

C = TypeVar("C")
DeskCommand = Callable[["SupportDesk", C, CommandContext], CommandResult]


def traced_command(method: DeskCommand[C]) -> DeskCommand[C]:
    """The command in a span named for it, with the case it changed."""

    @functools.wraps(method)
    def run(desk: SupportDesk, command: C, context: CommandContext) -> CommandResult:
        with span(f"command {type(command).__name__}") as current:
            result = method(desk, command, context)
            current.set_attributes(
                attributes_of(ticket_id=result.case_id, replayed=result.replayed)
            )
            return result

    return run


# Between attempts of a command that lost a race: short, and spread wide so that the
# writers that collided do not collide again.
CONTENTION_BACKOFF = Backoff(
    first_seconds=0.005, max_seconds=0.005 * 2 ** (MAX_ATTEMPTS - 1), jitter=Jitter.FULL
)
# How often expired idempotency records are looked for (by whichever command comes then).
EXPIRY_INTERVAL_SECONDS = 60.0

A = TypeVar("A", bound=Aggregate)


class SupportDesk(Application[UUID]):
    name = "support"

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        clock: Clock,
        new_id: IdSource,
        max_commands_per_commit: int = 256,
        wrap_mapper: Callable[[Mapper[UUID]], Mapper[UUID]] | None = None,
        idempotency_retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        # How stored events are encoded is the event store's business (e.g. encrypting
        # personal fields); the desk only passes the wrapper on to the mapper it builds.
        self._wrap_mapper = wrap_mapper
        super().__init__(env)
        if not isinstance(self.recorder, SupportRecorder):
            raise TypeError("the support desk needs a recorder that keeps idempotency records")
        self._support_recorder: SupportRecorder = self.recorder
        self._clock = clock
        self._new_id = new_id
        self._next_case_number = CaseNumberBlocks(self._support_recorder.allocate_case_numbers)
        self._case_locks = StripedLocks()
        self.idempotency_retention = idempotency_retention
        self._expiry_due = 0.0
        self.committer = GroupCommitter(
            self._write_batch, max_commands_per_commit, linger_seconds=0.002
        )

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Configuration comes only from the settings object, never from os.environ.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        mapper = super().construct_mapper()
        return self._wrap_mapper(mapper) if self._wrap_mapper is not None else mapper

    def close(self) -> None:
        self.committer.close()
        super().close()

    # -- commands ---------------------------------------------------------------------------

    @traced_command
    def open_case(self, command: OpenCase, context: CommandContext) -> CommandResult:
        replayed = self._replay(context)
        if replayed is not None:
            return replayed
        case_id = command.case_id or self._new_id()
        ticket = Ticket.open(
            case_id=case_id,
            sequence_number=self._next_case_number(),
            **command.stated(),
            actor=context.actor,
            at=self._clock(),
        )
        result = CommandResult(
            case_id=case_id, version=ticket.version, position=None, case_number=ticket.case_number
        )
        try:
            return self._commit(ticket.collect_events(), result, context)
        except CommitConflict:
            replayed = self._replay(context)
            if replayed is not None:
                return replayed
            current = self.get_case(case_id).version
            raise VersionConflict(case_id, expected=0, actual=current) from None

    @traced_command
    def post_message(self, command: PostMessage, context: CommandContext) -> CommandResult:
        def decide() -> tuple[Sequence[DomainEventProtocol[UUID]], CommandResult]:
            ticket = self._ticket_at_expected_version(command.case_id, context)
            if not ticket.accepts_messages:
                raise CaseIsClosed(ticket.id)
            conversation = self._conversation_of(ticket, context)
            message = conversation.post(
                message_id=self._new_id(),
                author_type=command.author_type,
                author_id=command.author_id,
                body=command.body,
                attachment_uri=command.attachment_uri,
                internal=command.internal,
                actor=context.actor,
                at=self._clock(),
            )
            result = CommandResult(
                case_id=ticket.id,
                version=ticket.version,
                position=None,
                message_id=message.message_id,
                message_position=message.position,
            )
            return conversation.collect_events(), result

        return self._run(command.case_id, context, decide)

    @traced_command
    def change_status(self, command: ChangeStatus, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.change_status(
                command.status, reason=command.reason, actor=context.actor, at=at
            ),
        )

    @traced_command
    def change_priority(self, command: ChangePriority, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.change_priority(command.priority, actor=context.actor, at=at),
        )

    @traced_command
    def assign_case(self, command: AssignCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.assign(
                command.agent_id, reason=command.reason, actor=context.actor, at=at
            ),
        )

    @traced_command
    def unassign_case(self, command: UnassignCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.unassign(actor=context.actor, at=at),
        )

    @traced_command
    def escalate_case(self, command: EscalateCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.escalate(reason=command.reason, actor=context.actor, at=at),
        )

    @traced_command
    def route_case(self, command: RouteCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.route(
                command.department_id, reason=command.reason, actor=context.actor, at=at
            ),
        )

    @traced_command
    def tag_case(self, command: TagCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.tag(command.tags, actor=context.actor, at=at),
        )

    @traced_command
    def untag_case(self, command: UntagCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.untag(command.tags, actor=context.actor, at=at),
        )

    def edit_case(self, command: EditCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.edit(command.changes, actor=context.actor, at=at),
        )

    def archive_case(self, command: ArchiveCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.archive(actor=context.actor, at=at),
        )

    def restore_case(self, command: RestoreCase, context: CommandContext) -> CommandResult:
        return self._change_ticket(
            command.case_id,
            context,
            lambda ticket, at: ticket.restore(actor=context.actor, at=at),
        )

    # -- queries ----------------------------------------------------------------------------

    def get_case(self, case_id: UUID) -> Ticket:
        return self._get(case_id, Ticket)

    def get_case_as_of(self, case_id: UUID, at: datetime) -> Ticket:
        """The case as it stood at ``at``, folded from its events up to that moment."""
        ticket: Ticket | None = None
        stream = self._stream(case_id)
        for event in stream:
            if event.timestamp > at:
                break
            ticket = cast("Ticket | None", event.mutate(ticket))
        if not isinstance(ticket, Ticket):
            if stream:
                raise CaseNotFound(case_id, opened_at=stream[0].timestamp, as_of=at)
            raise CaseNotFound(case_id)
        return ticket

    def get_conversation(self, case_id: UUID) -> Conversation | None:
        try:
            return self._get(conversation_id_for_case(case_id), Conversation)
        except CaseNotFound:
            return None

    def case_history(self, case_id: UUID) -> list[HistoryEntry]:
        """Every event of the case and its conversation, in the order they happened."""
        ticket_events = self._stream(case_id)
        if not ticket_events or not isinstance(ticket_events[0], Ticket.Opened):
            raise CaseNotFound(case_id)
        conversation_events = self._stream(conversation_id_for_case(case_id))
        entries = [history_entry("case", event) for event in ticket_events]
        entries += [history_entry("conversation", event) for event in conversation_events]
        return sorted(entries, key=lambda entry: (entry.at, entry.stream, entry.version))

    def routing_history(self, case_id: UUID) -> list[Ticket.Routed]:
        """Every move of the case between departments, oldest first."""
        events = self._stream(case_id)
        if not events or not isinstance(events[0], Ticket.Opened):
            raise CaseNotFound(case_id)
        return [event for event in events if isinstance(event, Ticket.Routed)]

    # -- machinery --------------------------------------------------------------------------

    def _change_ticket(
        self,
        case_id: UUID,
        context: CommandContext,
        change: Callable[[Ticket, datetime], None],
    ) -> CommandResult:
        def decide() -> tuple[Sequence[DomainEventProtocol[UUID]], CommandResult]:
            ticket = self._ticket_at_expected_version(case_id, context)
            change(ticket, self._clock())
            result = CommandResult(case_id=case_id, version=ticket.version, position=None)
            return ticket.collect_events(), result

        return self._run(case_id, context, decide)

    def _run(
        self,
        case_id: UUID,
        context: CommandContext,
        decide: Callable[[], tuple[Sequence[DomainEventProtocol[UUID]], CommandResult]],
    ) -> CommandResult:
        """Decide and commit; on losing a race, decide again on fresh state.

        Commands on one case from this process take turns (a striped lock), so optimistic
        retries are only needed against other processes.
        """
        with self._case_locks.holding(case_id):
            for attempt in range(MAX_ATTEMPTS):
                replayed = self._replay(context)
                if replayed is not None:
                    return replayed
                events, result = decide()
                try:
                    return self._commit(events, result, context)
                except CommitConflict:
                    if context.expected_version is not None:
                        current = self.get_case(case_id).version
                        if current != context.expected_version:
                            raise VersionConflict(
                                case_id, context.expected_version, current
                            ) from None
                    time.sleep(CONTENTION_BACKOFF.delay(attempt + 1))
        raise TooMuchContention(case_id)

    def _commit(
        self,
        events: Sequence[DomainEventProtocol[UUID]],
        result: CommandResult,
        context: CommandContext,
    ) -> CommandResult:
        self._expire_when_due()
        record = None
        if context.idempotency_key is not None:
            record = IdempotencyRecord(
                key=record_key(context.actor, context.idempotency_key),
                fingerprint=context.fingerprint,
                result=result.to_json(),
            )
        stored = [self.mapper.to_stored_event(event) for event in events]
        ids = self.committer.commit(stored, record)
        return replace(result, position=ids[-1] if ids else None)

    def _write_batch(
        self, stored: Sequence[Any], records: Sequence[IdempotencyRecord]
    ) -> Sequence[int]:
        return self._support_recorder.insert_events(stored, idempotency_records=records) or []

    def _replay(self, context: CommandContext) -> CommandResult | None:
        if context.idempotency_key is None:
            return None
        record = self._support_recorder.select_idempotency_record(
            record_key(context.actor, context.idempotency_key)
        )
        if record is None:
            return None
        if record.fingerprint != context.fingerprint:
            raise IdempotencyKeyReused(context.idempotency_key)
        return CommandResult.from_json(record.result)

    def expire_idempotency_records(self) -> int:
        """Delete the idempotency records older than the retention; answers how many."""
        self._expiry_due = time.monotonic() + EXPIRY_INTERVAL_SECONDS
        return self._support_recorder.expire_idempotency_records(self.idempotency_retention)

    def forget_idempotency_records(self, case_ids: Collection[UUID]) -> int:
        """Delete the idempotency records of commands on these cases (their customer was
        erased); answers how many."""
        return self._support_recorder.delete_idempotency_records(case_ids)

    def _expire_when_due(self) -> None:
        if time.monotonic() >= self._expiry_due:
            self.expire_idempotency_records()

    def _ticket_at_expected_version(self, case_id: UUID, context: CommandContext) -> Ticket:
        ticket = self.get_case(case_id)
        if context.expected_version is not None and ticket.version != context.expected_version:
            raise VersionConflict(case_id, context.expected_version, ticket.version)
        return ticket

    def _conversation_of(self, ticket: Ticket, context: CommandContext) -> Conversation:
        conversation = self.get_conversation(ticket.id)
        if conversation is None:
            conversation = Conversation.start_for_case(
                ticket.id, actor=context.actor, at=self._clock()
            )
        return conversation

    def _stream(self, aggregate_id: UUID) -> list[AggregateEvent]:
        return cast("list[AggregateEvent]", list(self.events.get(aggregate_id)))

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise CaseNotFound(aggregate_id) from None
        if not isinstance(aggregate, kind):
            raise CaseNotFound(aggregate_id)
        return aggregate
