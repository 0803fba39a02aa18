"""Which statuses count as active: the ones that still ask work of the assignee."""

from __future__ import annotations

import pytest

from casetrail.cases.domain.lifecycle import ACTIVE_STATUSES, is_active
from casetrail.cases.domain.ticket import ALLOWED_STATUS_CHANGES
from casetrail.cases.domain.values import CaseStatus


@pytest.mark.parametrize(
    "status", [CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD]
)
def test_open_parked_and_held_cases_are_active(status: CaseStatus) -> None:
    assert is_active(status)
    assert is_active(status.value)


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_resolved_and_closed_cases_ask_nothing_of_their_agent(status: CaseStatus) -> None:
    assert not is_active(status)


def test_every_active_status_can_still_be_resolved() -> None:
    for status in ACTIVE_STATUSES:
        assert CaseStatus.RESOLVED in ALLOWED_STATUS_CHANGES[status]


def test_an_unknown_status_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="snoozed"):
        is_active("snoozed")
