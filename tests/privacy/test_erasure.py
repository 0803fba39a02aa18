"""Erasure by crypto-shredding on a real PostgreSQL: personal fields are stored encrypted,
and once the customer's key is destroyed they read as erased in the case, its history, its
messages, the export and the read models (at once), while the stored events stay byte for
byte."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from casetrail.bootstrap.read_side import ReadSide
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.service.desk import SupportDesk
from casetrail.cli import main
from casetrail.platform.http.principals import Role
from casetrail.privacy.erasure import erasure_for
from tests.fixtures.auth import bearer, supervisor_headers, unlimited

pytestmark = pytest.mark.integration

SUBJECT = "Refund to jane.doe@example.com"
BODY = "My phone is +44 20 7946 0958"
ATTACHMENT = "https://files.example/receipt-jane.pdf"


@pytest.fixture
def api(postgres_desk: SupportDesk, read_side: ReadSide) -> Iterator[TestClient]:
    app = build_api_app(
        ApiDependencies(
            postgres_desk,
            read_model=read_side.read_model,
            read_options=ReadOptions(max_wait_seconds=10.0),
            authentication=unlimited(),
            erasure=erasure_for(postgres_desk, lambda: datetime.now(UTC)),
        )
    )
    with TestClient(app, raise_server_exceptions=False, headers=supervisor_headers()) as client:
        yield client


def open_case(api: TestClient, customer_id: str) -> tuple[str, int]:
    opened = api.post(
        "/support/cases",
        json={"customer_id": customer_id, "subject": SUBJECT, "description": "order 42"},
        headers={"Idempotency-Key": f"open-{customer_id}"},
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    posted = api.post(
        f"/support/cases/{case_id}/messages",
        json={
            "author_type": "CUSTOMER",
            "author_id": customer_id,
            "body": BODY,
            "attachment_uri": ATTACHMENT,
        },
        headers=bearer(Role.CUSTOMER, customer_id),
    )
    assert posted.status_code == 201, posted.text
    return case_id, int(posted.headers["X-Casetrail-Position"])


def idempotency_records(database_url: str, case_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM support_idempotency WHERE result->>'case_id' = %s", (case_id,)
        ).fetchone()
    return int(row[0]) if row else 0


def stored_states(database_url: str, case_id: str) -> list[bytes]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM support_events WHERE originator_id = %s"
            " OR originator_id IN (SELECT stream_id FROM casetrail_stream_owners"
            "  WHERE customer_id = (SELECT customer_id FROM casetrail_stream_owners"
            "  WHERE stream_id = %s)) ORDER BY notification_id",
            (case_id, case_id),
        ).fetchall()
    return [bytes(row[0]) for row in rows]


def personal_fields(api: TestClient, case_id: str, position: int) -> dict[str, Any]:
    wait = {"min_position": position}
    case = api.get(f"/support/cases/{case_id}", params=wait).json()
    [message] = api.get(f"/support/cases/{case_id}/messages", params=wait).json()["items"]
    history = api.get(f"/support/cases/{case_id}/history").json()["items"]
    opened = next(item for item in history if item["type"] == "Opened")["data"]
    posted = next(item for item in history if item["type"] == "MessagePosted")["data"]
    return {
        "case": (case["subject"], case["description"]),
        "message": (message["body"], message["attachment_uri"]),
        "history": (opened["subject"], posted["body"], posted["attachment_uri"]),
    }


READABLE = {
    "case": (SUBJECT, "order 42"),
    "message": (BODY, ATTACHMENT),
    "history": (SUBJECT, BODY, ATTACHMENT),
}
ERASED = {
    "case": ("[erased]", "[erased]"),
    "message": ("[erased]", None),
    "history": ("[erased]", "[erased]", None),
}


def test_erasure_end_to_end(api: TestClient, database_url: str) -> None:
    erased_case, erased_position = open_case(api, "cust-erase")
    kept_case, kept_position = open_case(api, "cust-keep")
    assert personal_fields(api, erased_case, erased_position) == READABLE

    # At rest, personal fields are ciphertext: not even a fragment is in the event store.
    before = stored_states(database_url, erased_case)
    assert len(before) >= 3
    for state in before:
        for personal in (b"jane", b"7946", b"receipt", b"order 42"):
            assert personal not in state

    as_customer = bearer(Role.CUSTOMER, "cust-erase")
    export = api.get("/support/customers/cust-erase/export", headers=as_customer).json()
    assert export["cases"][0]["case"]["subject"] == SUBJECT
    assert export["cases"][0]["messages"][0]["body"] == BODY

    assert idempotency_records(database_url, erased_case) == 1
    erased = api.post("/support/customers/cust-erase/erasure", json={"reason": "GDPR art. 17"})
    assert erased.status_code == 201, erased.text
    assert erased.json()["requested_by"] == {"subject": "supervisor-1", "role": "SUPERVISOR"}
    assert erased.json()["key_existed"] is True

    # The event store answers at once: history, as_of and the export read the events.
    history = api.get(f"/support/cases/{erased_case}/history").json()["items"]
    assert next(i for i in history if i["type"] == "Opened")["data"]["subject"] == "[erased]"
    export = api.get("/support/customers/cust-erase/export").json()
    assert export["cases"][0]["case"]["subject"] == "[erased]"
    assert (
        export["cases"][0]["messages"][0] | {"body": "[erased]", "attachment_uri": None}
        == (export["cases"][0]["messages"][0])
    )
    assert "jane" not in str(export)

    # The read models hold the erased form at once: nobody has to rebuild them.
    assert personal_fields(api, erased_case, erased_position) == ERASED
    assert personal_fields(api, kept_case, kept_position) == READABLE
    # Idempotency records of their cases go too (each names a case and a request's hash).
    assert idempotency_records(database_url, erased_case) == 0
    assert idempotency_records(database_url, kept_case) == 1
    assert stored_states(database_url, erased_case) == before  # never rewritten

    with psycopg.connect(database_url) as conn:
        keys = conn.execute(
            "SELECT customer_id, data_key IS NULL FROM casetrail_customer_keys ORDER BY 1"
        ).fetchall()
        log = conn.execute(
            "SELECT customer_id, requested_by_subject, requested_by_role, reason"
            " FROM casetrail_erasures"
        ).fetchall()
    assert keys == [("cust-erase", True), ("cust-keep", False)]
    assert log == [("cust-erase", "supervisor-1", "SUPERVISOR", "GDPR art. 17")]

    # Nothing personal is stored for them again.
    again = api.post("/support/cases", json={"customer_id": "cust-erase", "subject": "Hello"})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:casetrail:problem:customer-erased"


def test_erasure_from_the_command_line(
    postgres_desk: SupportDesk, database_url: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main,
        ["customers", "erase", "cust-cli", "--reason", "ticket 77", "--by", "dpo@shop"],
        env={"CASETRAIL_DATABASE_URL": database_url, "CASETRAIL_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert "customer cust-cli: erased" in result.output
    with psycopg.connect(database_url) as conn:
        log = conn.execute(
            "SELECT requested_by_subject, requested_by_role, reason, key_existed"
            " FROM casetrail_erasures"
        ).fetchall()
    assert log == [("dpo@shop", "OPERATOR", "ticket 77", False)]
