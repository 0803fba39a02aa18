"""The masked views analysts query (through Trino) show what the API shows analysts."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from casetrail.bootstrap.read_side import ReadSide
from casetrail.cases.domain.values import AuthorType
from casetrail.cases.service.commands import CommandContext, EditCase, OpenCase, PostMessage
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.masking import mask_text, pseudonym
from casetrail.privacy.analyst_views import prepare_analyst_views
from casetrail.timeline.view import ensure_timeline_view

pytestmark = pytest.mark.integration

CUSTOMER = Actor(subject="cust-a", role="CUSTOMER")
TEXTS = [
    "Write to jane.doe@example.com or jd@mail.example.org",
    "Call +44 20 7946 0958, or (020) 7946-0000 after 6",
    "Order 12345 and case CS-000001 are not phone numbers",
]


def rows(database_url: str, sql: str) -> list[dict[str, Any]]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return list(conn.execute(sql.encode()).fetchall())


def test_analyst_views_mask_like_the_api(
    postgres_desk: SupportDesk, read_side: ReadSide, database_url: str
) -> None:
    context = CommandContext(actor=CUSTOMER)
    opened = postgres_desk.open_case(
        OpenCase(customer_id="cust-a", subject=TEXTS[0], description=TEXTS[1]), context
    )
    for text in TEXTS:
        postgres_desk.post_message(
            PostMessage(opened.case_id, AuthorType.CUSTOMER, "cust-a", text, "https://f/x.pdf"),
            context,
        )
    last = postgres_desk.post_message(
        PostMessage(opened.case_id, AuthorType.AGENT, "agent-1", "note: jane is VIP", None, True),
        CommandContext(actor=Actor(subject="agent-1", role="AGENT")),
    )
    assert last.position is not None
    assert read_side.read_model.wait_for(last.position, ("case_list", "case_messages"), 10)
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_timeline_view(conn)  # type: ignore[arg-type]
    created = prepare_analyst_views(database_url)
    assert created == [
        "vw_analyst_cases",
        "vw_analyst_messages",
        "vw_analyst_case_timeline",
        "vw_support_customers",
    ]

    [case] = rows(database_url, "SELECT * FROM vw_analyst_cases")
    assert (case["customer_id"], case["subject"], case["description"]) == (
        pseudonym("cust-a"),
        mask_text(TEXTS[0]),
        mask_text(TEXTS[1]),
    )
    assert case["opened_by_subject"] == pseudonym("cust-a")
    assert "department_id" in case  # analysts group by the department a case was routed to
    assert mask_text(TEXTS[0]) == "Write to [email] or [email]"
    assert mask_text(TEXTS[1]) == "Call [phone], or ([phone] after 6"
    assert mask_text(TEXTS[2]) == TEXTS[2]

    messages = rows(database_url, "SELECT * FROM vw_analyst_messages ORDER BY position")
    assert [message["body"] for message in messages] == [mask_text(text) for text in TEXTS]
    assert {message["author_id"] for message in messages} == {pseudonym("cust-a")}
    assert "attachment_uri" not in messages[0]

    timeline = rows(database_url, "SELECT summary, payload FROM vw_analyst_case_timeline")
    everything = str(timeline)
    assert timeline
    for personal in ("jane", "7946", "cust-a", "jd@", "VIP", "x.pdf"):
        assert personal not in everything


def test_a_case_moved_between_customers_shows_both_as_pseudonyms(
    postgres_desk: SupportDesk, read_side: ReadSide, database_url: str
) -> None:
    context = CommandContext(actor=Actor(subject="agent-1", role="AGENT"))
    opened = postgres_desk.open_case(
        OpenCase(customer_id="cust-first", subject="Mixed up", description=""), context
    )
    moved = postgres_desk.edit_case(
        EditCase(opened.case_id, {"customer_id": "cust-second"}), context
    )
    assert moved.position is not None
    assert read_side.read_model.wait_for(moved.position, ("case_list", "case_events"), 10)
    with psycopg.connect(database_url, autocommit=True) as conn:
        ensure_timeline_view(conn)  # type: ignore[arg-type]
    prepare_analyst_views(database_url)
    [entry] = rows(
        database_url,
        "SELECT summary, payload FROM vw_analyst_case_timeline WHERE kind = 'customer_changed'",
    )
    assert "cust-first" not in str(entry)
    assert "cust-second" not in str(entry)
    assert pseudonym("cust-first") in entry["payload"]
    assert pseudonym("cust-second") in entry["payload"]
    [case] = rows(database_url, "SELECT customer_id FROM vw_analyst_cases")
    assert case["customer_id"] == pseudonym("cust-second")
