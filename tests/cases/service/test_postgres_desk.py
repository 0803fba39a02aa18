"""The write side on a real PostgreSQL: persistence, concurrency and idempotency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import UUID

import psycopg
import pytest

from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.settings import Settings
from casetrail.cases.domain.values import AuthorType, CaseStatus, Priority
from casetrail.cases.service.commands import (
    ChangePriority,
    ChangeStatus,
    CommandContext,
    OpenCase,
    PostMessage,
)
from casetrail.cases.service.desk import SupportDesk
from casetrail.cases.service.results import CommandResult, VersionConflict
from casetrail.kernel.actor import Actor

pytestmark = pytest.mark.integration

AGENT = Actor(subject="agent-1", role="AGENT")
PLAIN = CommandContext(actor=AGENT)


def open_case(desk: SupportDesk, context: CommandContext = PLAIN) -> UUID:
    return desk.open_case(OpenCase("cust-1", "Broken", "It broke"), context).case_id


def test_cases_survive_a_new_process(
    postgres_desk: SupportDesk, database_url: str, settings: Settings
) -> None:
    case_id = open_case(postgres_desk)
    postgres_desk.post_message(PostMessage(case_id, AuthorType.CUSTOMER, "cust-1", "Help"), PLAIN)
    postgres_desk.change_status(ChangeStatus(case_id, CaseStatus.RESOLVED, "fixed"), PLAIN)
    other = build_postgres_desk(database_url, settings)
    try:
        ticket = other.get_case(case_id)
        assert (ticket.status, ticket.version, ticket.subject) == (CaseStatus.RESOLVED, 2, "Broken")
        conversation = other.get_conversation(case_id)
        assert conversation is not None
        assert conversation.messages[0].body == "Help"
        opened_at = ticket.created_on
        assert (
            other.get_case_as_of(case_id, opened_at + timedelta(microseconds=1)).status
            is CaseStatus.OPEN
        )
    finally:
        other.close()


def test_concurrent_messages_on_one_case_are_all_kept(postgres_desk: SupportDesk) -> None:
    case_id = open_case(postgres_desk)

    def post(n: int) -> CommandResult:
        return postgres_desk.post_message(
            PostMessage(case_id, AuthorType.AGENT, f"agent-{n % 4}", f"message {n}"), PLAIN
        )

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(post, range(160)))
    positions = sorted(result.message_position or 0 for result in results)
    assert positions == list(range(1, 161))
    conversation = postgres_desk.get_conversation(case_id)
    assert conversation is not None
    assert sorted(message.body for message in conversation.messages) == sorted(
        f"message {n}" for n in range(160)
    )


def test_concurrent_updates_without_if_match_are_never_lost(postgres_desk: SupportDesk) -> None:
    case_id = open_case(postgres_desk)
    from casetrail.cases.service.commands import TagCase

    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda n: postgres_desk.tag_case(TagCase(case_id, (f"t{n}",)), PLAIN), range(16)
            )
        )
    ticket = postgres_desk.get_case(case_id)
    assert set(ticket.tags) == {f"t{n}" for n in range(16)}
    assert ticket.version == 17


def test_only_one_of_many_writers_with_the_same_if_match_wins(postgres_desk: SupportDesk) -> None:
    case_id = open_case(postgres_desk)
    priorities = [Priority.LOW, Priority.HIGH, Priority.URGENT] * 4

    def change(priority: Priority) -> str:
        try:
            postgres_desk.change_priority(
                ChangePriority(case_id, priority), CommandContext(AGENT, 1)
            )
        except VersionConflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(change, priorities))
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == 11
    assert postgres_desk.get_case(case_id).version == 2


def test_a_key_sent_concurrently_opens_one_case(
    postgres_desk: SupportDesk, database_url: str
) -> None:
    context = CommandContext(AGENT, idempotency_key="agent-1:retry-storm", fingerprint="same")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: open_case(postgres_desk, context), range(8)))
    assert len(set(results)) == 1
    with psycopg.connect(database_url) as conn:
        opened = conn.execute(
            "SELECT count(*) FROM support_events WHERE topic = 'casetrail.ticket.Opened.v1'"
        ).fetchone()
    assert opened == (1,)


def test_case_numbers_are_unique_across_processes(
    postgres_desk: SupportDesk, database_url: str, settings: Settings
) -> None:
    other = build_postgres_desk(database_url, settings)
    try:
        numbers = [
            desk.get_case(open_case(desk)).case_number
            for _ in range(70)
            for desk in (postgres_desk, other)
        ]
    finally:
        other.close()
    assert len(set(numbers)) == 140


def test_the_store_keeps_fsync_and_synchronous_commit_on(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
