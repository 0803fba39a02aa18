"""The PostgreSQL read model's SQL and the in-process read model apply the domain's rules
alike: which statuses count in a workload, which case waits longest for support, and how
priorities are filtered and ranked."""

from __future__ import annotations

from datetime import UTC, datetime

from casetrail.bootstrap.read_side import ReadSide
from casetrail.cases.domain.lifecycle import is_active
from casetrail.cases.domain.priority import priority_rank
from casetrail.cases.domain.values import AuthorType, CaseStatus, Priority
from casetrail.cases.projections.in_process import InProcessReadModel
from casetrail.cases.queries import PROJECTION_NAMES, CaseFilter, CaseQuery, CaseSort
from casetrail.cases.service.commands import (
    AssignCase,
    ChangeStatus,
    CommandContext,
    OpenCase,
    PostMessage,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor

CONTEXT = CommandContext(actor=Actor(subject="sup-1", role="SUPERVISOR"))
# How to reach each status from open (resolved first for closed).
ROUTES: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.OPEN: (),
    CaseStatus.PENDING_CUSTOMER: (CaseStatus.PENDING_CUSTOMER,),
    CaseStatus.ON_HOLD: (CaseStatus.ON_HOLD,),
    CaseStatus.RESOLVED: (CaseStatus.RESOLVED,),
    CaseStatus.CLOSED: (CaseStatus.RESOLVED, CaseStatus.CLOSED),
}


def _a_case_in_every_status_and_priority(desk: SupportDesk) -> int:
    position = 0
    for steps in ROUTES.values():
        for priority in Priority:
            opened = desk.open_case(
                OpenCase(customer_id="cust-1", subject="Help", description="", priority=priority),
                CONTEXT,
            )
            case_id = opened.case_id
            results = [desk.assign_case(AssignCase(case_id=case_id, agent_id="agent-a"), CONTEXT)]
            if priority is Priority.LOW:  # answered: the customer has the next move
                results.append(
                    desk.post_message(
                        PostMessage(case_id, AuthorType.AGENT, "agent-a", "On it"), CONTEXT
                    )
                )
            results += [
                desk.change_status(ChangeStatus(case_id=case_id, status=step), CONTEXT)
                for step in steps
            ]
            position = max([position, *(result.position or 0 for result in results)])
    return position


def test_workload_and_priority_filters_agree_with_the_domain(
    postgres_desk: SupportDesk, read_side: ReadSide
) -> None:
    position = _a_case_in_every_status_and_priority(postgres_desk)
    postgres = read_side.read_model
    assert postgres.wait_for(position, PROJECTION_NAMES, timeout=30.0)
    in_process = InProcessReadModel(postgres_desk)
    since = datetime(2000, 1, 1, tzinfo=UTC)

    everything = in_process.list_cases(CaseQuery(limit=100)).rows
    expected_counts: dict[tuple[str, str], int] = {}
    for row in everything:
        if is_active(row.status):
            key = (row.status, row.priority)
            expected_counts[key] = expected_counts.get(key, 0) + 1
    waiting = [row for row in everything if is_active(row.status) and row.waiting_since]
    expected_oldest = min(waiting, key=lambda row: (row.waiting_since, row.id))

    for model in (postgres, in_process):
        workload = model.agent_workload("agent-a", since)
        assert workload.counts == expected_counts
        assert {status for status, _ in workload.counts} == {"open", "pending_customer", "on_hold"}
        assert workload.oldest_waiting is not None
        assert workload.oldest_waiting.id == expected_oldest.id
        assert workload.assigned_since == len(ROUTES) * len(Priority)

        urgent_or_low = model.list_cases(
            CaseQuery(filter=CaseFilter(priorities=("urgent", "low")), limit=100)
        ).rows
        assert {row.priority for row in urgent_or_low} == {"urgent", "low"}
        assert len(urgent_or_low) == 2 * len(ROUTES)

        by_priority = model.list_cases(CaseQuery(sort=CaseSort.PRIORITY_THEN_AGE, limit=100)).rows
        ranks = [priority_rank(row.priority) for row in by_priority]
        assert ranks == sorted(ranks)
        assert by_priority[0].priority == Priority.URGENT
