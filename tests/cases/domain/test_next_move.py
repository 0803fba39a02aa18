"""Who owes the next move: when a case starts and stops waiting for the support side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casetrail.cases.domain.next_move import (
    answers_customer,
    support_owes_after_message,
    support_owes_after_status,
    waiting_since,
)
from casetrail.cases.domain.values import AuthorType, CaseStatus

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=2)


def test_an_open_case_waits_for_support() -> None:
    assert support_owes_after_status(CaseStatus.OPEN)


@pytest.mark.parametrize(
    "status",
    [CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD, CaseStatus.RESOLVED, CaseStatus.CLOSED],
)
def test_parking_or_finishing_a_case_ends_supports_turn(status: CaseStatus) -> None:
    assert not support_owes_after_status(status)


def test_an_agents_reply_hands_the_move_to_the_customer() -> None:
    owes = support_owes_after_message(
        author_type=AuthorType.AGENT, internal=False, status="open", support_owed=True
    )
    assert not owes


@pytest.mark.parametrize("status", ["open", "pending_customer", "on_hold", "resolved"])
def test_a_customer_writing_puts_the_case_back_in_supports_court(status: str) -> None:
    owes = support_owes_after_message(
        author_type=AuthorType.CUSTOMER, internal=False, status=status, support_owed=False
    )
    assert owes


def test_a_closed_case_waits_for_nobody() -> None:
    owes = support_owes_after_message(
        author_type="CUSTOMER", internal=False, status=CaseStatus.CLOSED, support_owed=False
    )
    assert not owes


@pytest.mark.parametrize("owed", [True, False])
def test_internal_notes_and_bots_leave_the_move_where_it_was(owed: bool) -> None:
    note = support_owes_after_message(
        author_type=AuthorType.AGENT, internal=True, status="open", support_owed=owed
    )
    bot = support_owes_after_message(
        author_type=AuthorType.BOT, internal=False, status="open", support_owed=owed
    )
    assert note is owed
    assert bot is owed


def test_only_a_public_agent_message_answers_the_customer() -> None:
    assert answers_customer(AuthorType.AGENT, internal=False)
    assert not answers_customer(AuthorType.AGENT, internal=True)
    assert not answers_customer("CUSTOMER", internal=False)
    assert not answers_customer(AuthorType.BOT, internal=False)


def test_a_wait_keeps_its_start_and_a_new_one_starts_now() -> None:
    assert waiting_since(True, T0, LATER) == T0
    assert waiting_since(True, None, LATER) == LATER
    assert waiting_since(False, T0, LATER) is None
