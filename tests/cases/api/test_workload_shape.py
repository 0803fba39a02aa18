"""The workload response has a count for each active status and each priority, no more."""

from __future__ import annotations

from casetrail.cases.api.query_schemas import AgentWorkloadRead, PriorityCounts
from casetrail.cases.api.routes_agents import WORKLOAD_FIELDS
from casetrail.cases.domain.lifecycle import ACTIVE_STATUSES
from casetrail.cases.domain.values import Priority


def test_each_active_status_has_its_count_in_the_workload() -> None:
    assert set(WORKLOAD_FIELDS) == set(ACTIVE_STATUSES)
    counted = {
        name
        for name, field in AgentWorkloadRead.model_fields.items()
        if field.annotation is PriorityCounts
    }
    assert counted == set(WORKLOAD_FIELDS.values())


def test_each_priority_has_its_count() -> None:
    assert set(PriorityCounts.model_fields) == {priority.value for priority in Priority} | {"total"}
