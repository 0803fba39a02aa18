"""The SLA clocks' follower: decides every case's deadlines from its events, records each
decision with its cause, and arms the timers that detect breaches and at-risk clocks.

It follows the case events and the calendar and policy events on the platform's
subscription machinery (``TransactionalSubscriber``): its rows, decisions and timers commit
with its position, so each event is decided on exactly once. A decision is taken as of the
event that caused it, under the calendar and policy versions recorded before that event, so
a replay decides the same. A calendar or policy revision restates every case: open cases'
clocks and timers move; a closed case keeps its recorded outcome and gains a restated one
beside it (``outcome_restated``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from casetrail.cases.published import Conversation, Ticket
from casetrail.customers.published import Customer
from casetrail.platform.eventstore.in_transaction import append, lock_streams
from casetrail.platform.subscriptions.view import Numbered
from casetrail.platform.timers import Timer, cancel_many, create_tables, schedule_many
from casetrail.sla.domain.aggregates import CALENDAR_TOPICS, POLICY_TOPICS, Calendar, Policy
from casetrail.sla.domain.clocks import CaseClocks, MetricClock, case_clocks
from casetrail.sla.domain.facts import CaseFact, FactKind
from casetrail.sla.domain.ledger import Ledger, sla_ledger_id
from casetrail.sla.domain.policy import PolicyTerms
from casetrail.sla.domain.ports import CustomerTiers, UnknownTiers
from casetrail.sla.projections.case_facts import FOLLOWED_TOPICS, fact_of, ref_of
from casetrail.sla.projections.catalog import Moment, SlaCatalog
from casetrail.sla.projections.metrics import ClockMetrics
from casetrail.sla.projections.tables import (
    CASES,
    CLOCKS,
    CONVERSATIONS,
    create_sla_tables,
)

SUBSCRIBER_NAME = "sla.clocks"
BREACH_TIMER = "sla.breach"
AT_RISK_TIMER = "sla.at_risk"


def timer_key(case_id: UUID | str, metric: str, cycle: int, kind: str) -> str:
    return f"sla:{case_id}:{metric}:{cycle}:{kind}"


@dataclass
class FollowedCase:
    case_id: UUID
    customer_id: str | None
    facts: list[CaseFact]
    closed: bool
    # The last event (notification id) a decision about the case was recorded on: following
    # the log again from an earlier position decides nothing twice.
    decided_through: int = 0
    changed: bool = False


@dataclass(frozen=True)
class Cause:
    notification_id: int
    ref: str
    event: str
    at: datetime
    reason: str | None = None
    restated: bool = False

    def describe(self, clock: ClockRow) -> str:
        calendar = (
            f", calendar {clock.calendar_id} v{clock.calendar_version}"
            if clock.calendar_id is not None
            else ", 24/7"
        )
        return (
            f"event {self.ref} ({self.event}) under policy {clock.policy_id}"
            f" v{clock.policy_version}{calendar}"
        )


@dataclass(frozen=True)
class ClockRow:
    case_id: UUID
    metric: str
    cycle: int
    state: str
    priority: str
    department: str | None
    target_seconds: int
    elapsed_seconds: int
    started_at: datetime
    stopped_at: datetime | None
    due_at: datetime | None
    at_risk_at: datetime | None
    policy_id: UUID
    policy_version: int
    calendar_id: UUID | None
    calendar_version: int | None

    def same_decision(self, other: ClockRow) -> bool:
        """Elapsed time grows by itself; a decision is about the rest."""
        return (
            self.state,
            self.stopped_at,
            self.due_at,
            self.at_risk_at,
            self.policy_id,
            self.policy_version,
            self.calendar_version,
            self.target_seconds,
        ) == (
            other.state,
            other.stopped_at,
            other.due_at,
            other.at_risk_at,
            other.policy_id,
            other.policy_version,
            other.calendar_version,
            other.target_seconds,
        )


_CLOCK_COLUMNS = tuple(ClockRow.__dataclass_fields__)


def clock_rows(case_id: UUID, clocks: CaseClocks) -> dict[tuple[str, int], ClockRow]:
    policy, priority = clocks.policy, clocks.priority
    if policy is None or priority is None:
        return {}
    return {
        (clock.metric.value, clock.cycle): _row(case_id, clocks, policy, priority, clock)
        for clock in clocks.metrics
    }


def _row(
    case_id: UUID, clocks: CaseClocks, policy: PolicyTerms, priority: str, clock: MetricClock
) -> ClockRow:
    return ClockRow(
        case_id=case_id,
        metric=clock.metric.value,
        cycle=clock.cycle,
        state=clock.state.value,
        priority=priority,
        department=clocks.department,
        target_seconds=int(clock.target.total_seconds()),
        elapsed_seconds=int(clock.elapsed.total_seconds()),
        started_at=clock.started_by.at,
        stopped_at=clock.stopped_by.at if clock.stopped_by is not None else None,
        due_at=clock.due_at,
        at_risk_at=clock.at_risk_at,
        policy_id=policy.policy_id,
        policy_version=policy.version,
        calendar_id=clocks.calendar.calendar_id if clocks.calendar is not None else None,
        calendar_version=clocks.calendar.version if clocks.calendar is not None else None,
    )


class SlaClockKeeper:
    """The ``sla.clocks`` subscriber."""

    name = SUBSCRIBER_NAME
    # A customer's tier can move their cases to another policy: their changes are followed.
    topics: Sequence[str] = (
        *FOLLOWED_TOPICS,
        *CALENDAR_TOPICS,
        *POLICY_TOPICS,
        Customer.DetailsChanged.TOPIC,
    )

    def __init__(
        self,
        app: Application[Any],
        tiers: CustomerTiers | None = None,
        metrics: ClockMetrics | None = None,
    ) -> None:
        self._app = app
        self._catalog = SlaCatalog(app)
        self._tiers = tiers or UnknownTiers()
        self._metrics = metrics
        self._prepared = False

    def apply(self, events: Sequence[Numbered], transaction: Cursor[DictRow]) -> None:
        if not self._prepared:
            create_sla_tables(transaction.connection)
            create_tables(transaction.connection)
            # The versions recorded so far, once; later ones arrive among the events.
            self._catalog.refresh()
            self._prepared = True
        batch = _Batch(transaction, self._app)
        batch.prefetch(events)
        for number, event in events:
            if isinstance(event, Conversation.Started):
                if event.case_id is not None:
                    batch.link(event.originator_id, event.case_id)
            elif isinstance(event, Calendar.Event | Policy.Event):
                self._catalog.learn(number, event)
                self._restate_all(batch, number, event)
            elif isinstance(event, Customer.DetailsChanged):
                if "tier" in event.changed:
                    self._restate_customer(batch, number, event)
            else:
                self._follow(batch, number, event)
        batch.flush()

    # -- deciding -----------------------------------------------------------------------------

    def _follow(self, batch: _Batch, number: int, event: Any) -> None:
        fact = fact_of(event)
        if fact is None:
            return
        if isinstance(event, Ticket.Event):
            case_id: UUID | None = event.originator_id
        else:
            case_id = batch.case_of_conversation(event.originator_id)
        if case_id is None:
            return  # a conversation without a case (a chat) has no clocks
        case = batch.case(case_id)
        if case is None:
            if fact.kind is not FactKind.OPENED:
                return
            case = batch.add_case(case_id, fact.customer_id)
        if any(known.ref == fact.ref for known in case.facts):
            return  # followed already (the position was moved back): decided already
        case.facts.append(fact)
        case.closed = case.closed or (fact.kind is FactKind.STATUS and fact.value == "closed")
        case.changed = True
        self._decide(batch, case, Cause(number, fact.ref, fact.event, fact.at))

    def _restate_all(self, batch: _Batch, number: int, event: Any) -> None:
        cause = Cause(
            number,
            ref_of(event),
            type(event).__qualname__,
            event.timestamp,
            reason=getattr(event, "reason", None),
            restated=True,
        )
        for case in batch.all_cases():
            if case.facts and case.facts[-1].at > cause.at:
                continue  # decided on since, by later events (a replay of the log)
            self._decide(batch, case, cause)

    def _restate_customer(self, batch: _Batch, number: int, event: Any) -> None:
        """A customer's new tier may bring their open cases under another policy."""
        customer: Customer = self._app.repository.get(
            event.originator_id, version=event.originator_version
        )
        cause = Cause(
            number,
            ref_of(event),
            "Customer.DetailsChanged",
            event.timestamp,
            reason=f"customer tier changed to {event.tier}",
            restated=True,
        )
        for case in batch.cases_of_customer(customer.customer_id):
            if case.closed or (case.facts and case.facts[-1].at > cause.at):
                continue  # a closed case's outcome stands; a later one was decided since
            self._decide(batch, case, cause)

    def _decide(self, batch: _Batch, case: FollowedCase, cause: Cause) -> None:
        if cause.notification_id <= case.decided_through:
            return
        moment = Moment(before=cause.notification_id + 1)
        tier = (
            self._tiers.tier_of(case.customer_id, cause.at)
            if case.customer_id is not None
            else None
        )
        clocks = case_clocks(
            case.facts,
            self._catalog.policies(moment),
            self._catalog.calendars(moment),
            cause.at,
            tier,
        )
        decided = clock_rows(case.case_id, clocks)
        recorded = batch.clocks(case.case_id)
        for key, row in decided.items():
            before = recorded.get(key)
            if before is not None and before.same_decision(row):
                continue
            if case.closed and cause.restated:
                batch.record(case, row, "outcome_restated", cause)  # the outcome stays
                continue
            kind = _kind_of(row, before, cause)
            batch.record(case, row, kind, cause)
            batch.keep(row)
            if kind == "stopped" and row.metric != "resolution" and self._metrics is not None:
                self._metrics.response_time.labels(row.metric, row.priority).observe(
                    row.elapsed_seconds
                )
            _arm(batch, row, cause)
        for key, row in list(recorded.items()):
            if key not in decided and not case.closed:
                batch.record(case, row, "no_longer_covered", cause)
                batch.drop(row)
                _disarm(batch, row)


def _kind_of(row: ClockRow, before: ClockRow | None, cause: Cause) -> str:
    if cause.restated:
        return "restated"
    if before is None:
        return "started"
    if row.stopped_at is not None:
        return "stopped"
    if row.due_at is None:
        return "paused"
    return "deadline_moved"


def _arm(batch: _Batch, row: ClockRow, cause: Cause) -> None:
    if row.stopped_at is not None or row.due_at is None:
        _disarm(batch, row)
        return
    payload = {
        "case_id": str(row.case_id),
        "metric": row.metric,
        "cycle": row.cycle,
        "priority": row.priority,
        "department": row.department,
        "policy_id": str(row.policy_id),
        "policy_version": row.policy_version,
        "due_at": row.due_at.isoformat(),
    }
    why = cause.describe(row)
    breach_key = timer_key(row.case_id, row.metric, row.cycle, "breach")
    batch.timers[breach_key] = (row.due_at, BREACH_TIMER, payload, why)
    risk_key = timer_key(row.case_id, row.metric, row.cycle, "at_risk")
    if row.at_risk_at is not None and row.at_risk_at < row.due_at:
        risky = {**payload, "at_risk_at": row.at_risk_at.isoformat()}
        batch.timers[risk_key] = (row.at_risk_at, AT_RISK_TIMER, risky, why)
    else:
        batch.timers[risk_key] = None


def _disarm(batch: _Batch, row: ClockRow) -> None:
    for kind in ("breach", "at_risk"):
        batch.timers[timer_key(row.case_id, row.metric, row.cycle, kind)] = None


# A timer as the batch leaves it: armed (due time, kind, payload, cause) or cancelled (None).
TimerChange = tuple[datetime, str, dict[str, Any], str] | None

_UPSERT_CLOCK = (
    f"INSERT INTO {CLOCKS} ({', '.join(_CLOCK_COLUMNS)}, decided_at, cause_ref)"
    f" VALUES ({', '.join(['%s'] * (len(_CLOCK_COLUMNS) + 2))})"
    " ON CONFLICT (case_id, metric, cycle) DO UPDATE SET "
    + ", ".join(
        f"{column} = excluded.{column}"
        for column in (*_CLOCK_COLUMNS[3:], "decided_at", "cause_ref")
    )
)
_DELETE_CLOCK = f"DELETE FROM {CLOCKS} WHERE case_id = %s AND metric = %s AND cycle = %s"
_UPSERT_CASE = (
    f"INSERT INTO {CASES} (case_id, customer_id, facts, closed, decided_through)"
    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (case_id) DO UPDATE"
    " SET facts = excluded.facts, closed = excluded.closed,"
    " decided_through = excluded.decided_through"
)


@dataclass
class _Batch:
    """The rows one batch reads (fetched together up front) and writes (together at the
    end: each clock row and timer once, as the batch leaves it)."""

    cursor: Cursor[DictRow]
    app: Application[Any]
    cases: dict[UUID, FollowedCase | None] = field(default_factory=dict)
    conversations: dict[UUID, UUID | None] = field(default_factory=dict)
    recorded: dict[UUID, dict[tuple[str, int], ClockRow]] = field(default_factory=dict)
    loaded_all: bool = False
    decisions: list[tuple[ClockRow, str, Cause]] = field(default_factory=list)
    upserts: dict[tuple[UUID, str, int], tuple[Any, ...]] = field(default_factory=dict)
    deletes: set[tuple[UUID, str, int]] = field(default_factory=set)
    links: list[tuple[UUID, UUID]] = field(default_factory=list)
    timers: dict[str, TimerChange] = field(default_factory=dict)

    @property
    def connection(self) -> Any:
        return self.cursor.connection

    def prefetch(self, events: Sequence[Numbered]) -> None:
        """Load what the batch's events will need in three queries."""
        conversation_ids = {
            event.originator_id
            for _, event in events
            if isinstance(event, Conversation.MessagePosted)
        }
        if conversation_ids:
            for row in self.cursor.execute(
                f"SELECT conversation_id, case_id FROM {CONVERSATIONS}"
                " WHERE conversation_id = ANY(%s)",
                (list(conversation_ids),),
            ).fetchall():
                self.conversations[row["conversation_id"]] = row["case_id"]
        case_ids = {event.originator_id for _, event in events if isinstance(event, Ticket.Event)}
        case_ids |= {case_id for case_id in self.conversations.values() if case_id is not None}
        self._load_cases(list(case_ids))

    def _load_cases(self, case_ids: list[UUID]) -> None:
        wanted = [case_id for case_id in case_ids if case_id not in self.cases]
        if not wanted:
            return
        for case_id in wanted:
            self.cases[case_id] = None
            self.recorded[case_id] = {}
        for row in self.cursor.execute(
            f"SELECT case_id, customer_id, facts, closed, decided_through FROM {CASES}"
            " WHERE case_id = ANY(%s)",
            (wanted,),
        ).fetchall():
            self.cases[row["case_id"]] = _followed(row)
        for row in self.cursor.execute(
            f"SELECT {', '.join(_CLOCK_COLUMNS)} FROM {CLOCKS} WHERE case_id = ANY(%s)",
            (wanted,),
        ).fetchall():
            self.recorded[row["case_id"]][(row["metric"], row["cycle"])] = ClockRow(**row)

    def link(self, conversation_id: UUID, case_id: UUID) -> None:
        self.conversations[conversation_id] = case_id
        self.links.append((conversation_id, case_id))

    def case_of_conversation(self, conversation_id: UUID) -> UUID | None:
        if conversation_id not in self.conversations:
            row = self.cursor.execute(
                f"SELECT case_id FROM {CONVERSATIONS} WHERE conversation_id = %s",
                (conversation_id,),
            ).fetchone()
            self.conversations[conversation_id] = row["case_id"] if row else None
        return self.conversations[conversation_id]

    def case(self, case_id: UUID) -> FollowedCase | None:
        self._load_cases([case_id])
        return self.cases[case_id]

    def add_case(self, case_id: UUID, customer_id: str | None) -> FollowedCase:
        case = FollowedCase(case_id, customer_id, [], closed=False, changed=True)
        self.cases[case_id] = case
        self.recorded.setdefault(case_id, {})
        return case

    def all_cases(self) -> list[FollowedCase]:
        if not self.loaded_all:
            known = [row["case_id"] for row in self.cursor.execute(f"SELECT case_id FROM {CASES}")]
            self._load_cases(known)
            self.loaded_all = True
        return [case for case in self.cases.values() if case is not None]

    def cases_of_customer(self, customer_id: str) -> list[FollowedCase]:
        known = [
            row["case_id"]
            for row in self.cursor.execute(
                f"SELECT case_id FROM {CASES} WHERE customer_id = %s", (customer_id,)
            )
        ]
        self._load_cases(known)
        found = [self.cases[case_id] for case_id in known]
        pending = [  # opened in this batch, not written yet
            case
            for case in self.cases.values()
            if case is not None and case.customer_id == customer_id and case.case_id not in known
        ]
        return [case for case in found if case is not None] + pending

    def clocks(self, case_id: UUID) -> dict[tuple[str, int], ClockRow]:
        self._load_cases([case_id])
        return self.recorded[case_id]

    def keep(self, row: ClockRow) -> None:
        self.recorded.setdefault(row.case_id, {})[(row.metric, row.cycle)] = row

    def drop(self, row: ClockRow) -> None:
        key = (row.case_id, row.metric, row.cycle)
        self.recorded.get(row.case_id, {}).pop((row.metric, row.cycle), None)
        self.upserts.pop(key, None)
        self.deletes.add(key)

    def record(self, case: FollowedCase, row: ClockRow, kind: str, cause: Cause) -> None:
        self.decisions.append((row, kind, cause))
        case.decided_through = max(case.decided_through, cause.notification_id)
        case.changed = True
        if kind == "outcome_restated":
            return
        key = (row.case_id, row.metric, row.cycle)
        self.deletes.discard(key)
        values = [getattr(row, column) for column in _CLOCK_COLUMNS]
        self.upserts[key] = (*values, cause.at, cause.ref)

    def flush(self) -> None:
        cursor = self.cursor
        if self.links:
            cursor.executemany(
                f"INSERT INTO {CONVERSATIONS} (conversation_id, case_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                self.links,
            )
        changed = [case for case in self.cases.values() if case is not None and case.changed]
        if changed:
            cursor.executemany(
                _UPSERT_CASE,
                [
                    (
                        case.case_id,
                        case.customer_id,
                        Jsonb([fact.as_json() for fact in case.facts]),
                        case.closed,
                        case.decided_through,
                    )
                    for case in changed
                ],
            )
            for case in changed:
                case.changed = False
        if self.deletes:
            cursor.executemany(_DELETE_CLOCK, sorted(self.deletes, key=str))
        if self.upserts:
            cursor.executemany(_UPSERT_CLOCK, list(self.upserts.values()))
        cancel_many(self.connection, [key for key, change in self.timers.items() if change is None])
        schedule_many(
            self.connection,
            [Timer(key, *change) for key, change in self.timers.items() if change is not None],
        )
        if self.decisions:
            self._record_decisions()

    def _record_decisions(self) -> None:
        """The decisions as events in the cases' SLA ledgers (last in the batch: the event
        store's write lock is held from there to the commit)."""
        ledgers = {row.case_id: sla_ledger_id(row.case_id) for row, _, _ in self.decisions}
        versions = lock_streams(self.connection, self.app, set(ledgers.values()))
        events = []
        for row, kind, cause in self.decisions:
            ledger = ledgers[row.case_id]
            versions[ledger] += 1
            events.append(_decided(ledger, versions[ledger], row, kind, cause))
        append(self.connection, self.app, events)


def _decided(ledger: UUID, version: int, row: ClockRow, kind: str, cause: Cause) -> Ledger.Event:
    return Ledger.ClockDecided(
        originator_id=ledger,
        originator_version=version,
        timestamp=Ledger.Event.create_timestamp(),
        case_id=str(row.case_id),
        metric=row.metric,
        cycle=row.cycle,
        priority=row.priority,
        department=row.department,
        kind=kind,
        state=row.state,
        target_seconds=row.target_seconds,
        elapsed_seconds=row.elapsed_seconds,
        due_at=row.due_at,
        at_risk_at=row.at_risk_at,
        stopped_at=row.stopped_at,
        policy_id=str(row.policy_id),
        policy_version=row.policy_version,
        calendar_id=str(row.calendar_id) if row.calendar_id is not None else None,
        calendar_version=row.calendar_version,
        cause_ref=cause.ref,
        cause_event=cause.event,
        cause_notification=cause.notification_id,
        reason=cause.reason,
        decided_at=cause.at,
    )


def _followed(row: DictRow) -> FollowedCase:
    return FollowedCase(
        row["case_id"],
        row["customer_id"],
        [CaseFact.from_json(item) for item in row["facts"]],
        row["closed"],
        row["decided_through"],
    )
