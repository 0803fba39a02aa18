"""The read models folded in this process's memory, straight from the notification log.

Each query first catches up with the log, so reads always see every committed command:
good for unit tests and throwaway demos on the in-memory event store, never for production
(it rebuilds everything from zero in each process). Filters mirror the PostgreSQL
queries; full-text search is simplified to "every word appears".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from casetrail.cases.domain.conversation import conversation_id_for_case
from casetrail.cases.domain.lifecycle import is_active
from casetrail.cases.projections.case_fold import CaseFold
from casetrail.cases.projections.message_fold import MessageFold
from casetrail.cases.projections.rows import CaseRow, MessageRow
from casetrail.cases.queries import (
    PROJECTION_NAMES,
    AgentWorkload,
    CaseDueTimes,
    CaseFilter,
    CasePage,
    CaseQuery,
    CaseSort,
    SortKey,
    sort_key,
)

_BATCH = 1_000


class InProcessReadModel:
    def __init__(self, app: Application[Any], due_times: CaseDueTimes | None = None) -> None:
        self._app = app
        self._due_times = due_times
        self._lock = threading.Lock()
        self._position = 0
        self._cases = CaseFold()
        self._messages: dict[UUID, list[MessageRow]] = {}
        self._conversation_cases: dict[UUID, UUID | None] = {}

    # -- ReadModel ------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        self._catch_up()
        return dict.fromkeys(PROJECTION_NAMES, self._position)

    def wait_for(self, position: int, projections: Sequence[str], timeout: float) -> bool:
        del projections, timeout  # every query is up to date here
        self._catch_up()
        return self._position >= position

    def get_case(self, case_id: UUID) -> CaseRow | None:
        self._catch_up()
        return self._cases.rows.get(case_id)

    def case_id_for_number(self, case_number: str) -> UUID | None:
        self._catch_up()
        found = (row.id for row in self._cases.rows.values() if row.case_number == case_number)
        return next(found, None)

    def list_cases(self, query: CaseQuery) -> CasePage:
        self._catch_up()
        rows = [row for row in self._cases.rows.values() if _matches(row, query.filter)]
        due: Mapping[UUID, datetime] = {}
        if query.sort is CaseSort.DUE_SOONEST and self._due_times is not None:
            due = self._due_times.due_at([row.id for row in rows])

        def key(row: CaseRow) -> SortKey:
            return sort_key(row, query.sort, due.get(row.id))

        rows.sort(key=key, reverse=query.sort.descending)
        if query.after is not None:
            after = query.after
            if query.sort.descending:
                rows = [row for row in rows if key(row) < after]
            else:
                rows = [row for row in rows if key(row) > after]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        if self._due_times is not None and query.sort is not CaseSort.DUE_SOONEST:
            due = self._due_times.due_at([row.id for row in page])
        return CasePage(
            rows=page,
            next_key=key(page[-1]) if more else None,
            due={row.id: due[row.id] for row in page if row.id in due},
        )

    def agent_workload(self, agent_id: str, assigned_since: datetime) -> AgentWorkload:
        self._catch_up()
        mine = [row for row in self._cases.rows.values() if row.assignee_id == agent_id]
        # An archived case is off everybody's desk.
        active = [row for row in mine if is_active(row.status) and row.archived_at is None]
        counts: dict[tuple[str, str], int] = {}
        for row in active:
            counts[(row.status, row.priority)] = counts.get((row.status, row.priority), 0) + 1
        waiting = [row for row in active if row.waiting_since is not None]
        oldest = min(waiting, key=lambda row: (row.waiting_since, row.id), default=None)
        assigned = sum(
            1 for row in mine if row.assigned_at is not None and row.assigned_at >= assigned_since
        )
        return AgentWorkload(agent_id, counts, oldest, assigned)

    def messages(self, case_id: UUID, after_position: int, limit: int) -> list[MessageRow]:
        self._catch_up()
        thread = self._messages.get(conversation_id_for_case(case_id), [])
        return [message for message in thread if message.position > after_position][:limit]

    # -- following the log ----------------------------------------------------------------

    def _catch_up(self) -> None:
        with self._lock:
            while True:
                notifications = self._app.recorder.select_notifications(
                    start=self._position, limit=_BATCH, inclusive_of_start=False
                )
                if not notifications:
                    return
                events = [self._app.mapper.to_domain_event(item) for item in notifications]
                self._cases.apply_all(events)
                messages = MessageFold(self._conversation_cases)
                messages.apply_all(events)
                self._conversation_cases.update(messages.new_conversations)
                for message in messages.new_messages:
                    self._messages.setdefault(message.conversation_id, []).append(message)
                self._position = notifications[-1].id


def _matches(row: CaseRow, wanted: CaseFilter) -> bool:
    if wanted.statuses and row.status not in wanted.statuses:
        return False
    if wanted.priorities and row.priority not in wanted.priorities:
        return False
    if wanted.channels and row.channel not in wanted.channels:
        return False
    if wanted.customer_id is not None and row.customer_id != wanted.customer_id:
        return False
    if wanted.customer_ids and row.customer_id not in wanted.customer_ids:
        return False
    if not wanted.include_archived and row.archived_at is not None:
        return False
    if wanted.assignee_id is not None and row.assignee_id != wanted.assignee_id:
        return False
    if wanted.unassigned and row.assignee_id is not None:
        return False
    if wanted.department_id is not None and row.department_id != wanted.department_id:
        return False
    if wanted.visible_to_agent is not None and row.assignee_id not in (
        None,
        wanted.visible_to_agent,
    ):
        return False
    if not set(wanted.tags) <= set(row.tags):
        return False
    if not _within(row.created_at, wanted.created_after, wanted.created_before):
        return False
    if not _within(row.updated_at, wanted.updated_after, wanted.updated_before):
        return False
    if wanted.case_number is not None and row.case_number != wanted.case_number:
        return False
    if wanted.text:
        text = f"{row.subject} {row.description}".lower()
        return all(word in text for word in re.findall(r"\w+", wanted.text.lower()))
    return True


def _within(value: datetime, after: datetime | None, before: datetime | None) -> bool:
    return (after is None or value >= after) and (before is None or value < before)
