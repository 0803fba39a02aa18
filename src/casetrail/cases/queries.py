"""What the HTTP side may ask the read models, independent of where they are stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from casetrail.cases.projections.rows import CaseRow, MessageRow

# The projections a query may wait for (read-your-writes).
CASE_LIST = "case_list"
CASE_MESSAGES = "case_messages"
# Every event of every case, as the timeline shows it.
CASE_EVENTS = "case_events"
PROJECTION_NAMES = (CASE_LIST, CASE_MESSAGES)


class CaseSort(StrEnum):
    NEWEST = "-created_at"
    OLDEST = "created_at"
    RECENTLY_UPDATED = "-updated_at"
    LEAST_RECENTLY_UPDATED = "updated_at"
    PRIORITY_THEN_AGE = "priority"  # most urgent first, then oldest first
    # The soonest due time another context keeps for the case first (the SLA context's
    # earliest running deadline, see ``CaseDueTimes``); cases without one last.
    DUE_SOONEST = "sla_due"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


# A position in a sort order: the sort key values of the last row of a page, id last.
SortKey = tuple[object, ...]
# Where a case without a due time sorts: after every real one.
NO_DUE_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def sort_key(row: CaseRow, sort: CaseSort, due_at: datetime | None = None) -> SortKey:
    if sort is CaseSort.DUE_SOONEST:
        return (due_at or NO_DUE_TIME, row.id)
    if sort is CaseSort.PRIORITY_THEN_AGE:
        return (row.priority_rank, row.created_at, row.id)
    if sort in (CaseSort.NEWEST, CaseSort.OLDEST):
        return (row.created_at, row.id)
    return (row.updated_at, row.id)


@dataclass(frozen=True)
class CaseFilter:
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    customer_id: str | None = None
    # Any of these customers (a customer and those merged into them); empty: no condition.
    customer_ids: tuple[str, ...] = ()
    assignee_id: str | None = None
    unassigned: bool = False
    department_id: str | None = None
    # An agent's view: cases assigned to them or to no one (access control, not a filter).
    visible_to_agent: str | None = None
    tags: tuple[str, ...] = ()  # every one of them
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    text: str | None = None  # full-text search over subject and description
    case_number: str | None = None  # as cases carry it: CS-000123
    # Archived cases are left out unless asked for.
    include_archived: bool = False


@dataclass(frozen=True)
class CaseQuery:
    filter: CaseFilter = field(default_factory=CaseFilter)
    sort: CaseSort = CaseSort.NEWEST
    limit: int = 25
    after: SortKey | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    # Where the next page starts, or None on the last page.
    next_key: SortKey | None
    # The rows' due times, where another context keeps them (``CaseDueTimes``).
    due: Mapping[UUID, datetime] = field(default_factory=dict)


class CaseDueTimes(Protocol):
    """A due time per case that another context keeps (the SLA context's earliest running
    deadline), handed to the read models by the wiring: lists show it beside each case and
    sort by it (``sort=sla_due``). The cases context knows nothing of what it means."""

    @property
    def relation(self) -> str:
        """A relation in the read models' database with columns ``case_id`` and ``due_at``
        (one row per case that has a due time)."""
        ...

    def due_at(self, case_ids: Sequence[UUID]) -> Mapping[UUID, datetime]:
        """The due times of these cases (those that have one), for an in-process read."""
        ...


@dataclass(frozen=True)
class AgentWorkload:
    agent_id: str
    # (status, priority) -> how many of the agent's cases are in it, active statuses only.
    counts: dict[tuple[str, str], int]
    oldest_waiting: CaseRow | None
    assigned_since: int


class ReadModel(Protocol):
    """The queries, answered from projected rows."""

    def positions(self) -> dict[str, int]:
        """How far each projection has read the notification log."""
        ...

    def wait_for(self, position: int, projections: Sequence[str], timeout: float) -> bool:
        """Block until each named projection has reached ``position``, at most ``timeout``
        seconds. Answers whether they did."""
        ...

    def get_case(self, case_id: UUID) -> CaseRow | None: ...

    def case_id_for_number(self, case_number: str) -> UUID | None:
        """The id of the case that carries ``case_number`` (``CS-000123``), if projected."""
        ...

    def list_cases(self, query: CaseQuery) -> CasePage: ...

    def agent_workload(self, agent_id: str, assigned_since: datetime) -> AgentWorkload: ...

    def messages(self, case_id: UUID, after_position: int, limit: int) -> list[MessageRow]: ...
