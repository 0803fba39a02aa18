"""Idempotency records belong to one caller (role, subject and key, never confused with
another caller's), and expire after the desk's retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from casetrail.bootstrap.event_store import build_memory_desk
from casetrail.cases.service.commands import CommandContext, OpenCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.kernel.actor import Actor
from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer

CASE: dict[str, Any] = {"customer_id": "cust-1", "subject": "Parcel never arrived"}


def open_with_key(api: TestClient, role: Role, subject: str, key: str) -> Any:
    response = api.post(
        "/support/cases", json=CASE, headers={**bearer(role, subject), "Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    return response


def test_a_subject_and_key_that_run_together_are_not_another_callers(api: TestClient) -> None:
    first = open_with_key(api, Role.AGENT, "a", "x:y")
    second = open_with_key(api, Role.AGENT, "a:x", "y")
    assert "idempotent-replayed" not in second.headers
    assert second.json()["id"] != first.json()["id"]


def test_the_same_subject_in_another_role_has_keys_of_its_own(api: TestClient) -> None:
    first = open_with_key(api, Role.AGENT, "ana", "retry-1")
    second = open_with_key(api, Role.SUPERVISOR, "ana", "retry-1")
    assert "idempotent-replayed" not in second.headers
    assert second.json()["id"] != first.json()["id"]


def test_the_same_caller_repeating_a_key_gets_the_first_answer(api: TestClient) -> None:
    first = open_with_key(api, Role.AGENT, "a", "x:y")
    again = open_with_key(api, Role.AGENT, "a", "x:y")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]


def open_case(desk: SupportDesk, key: str) -> str:
    context = CommandContext(Actor("agent-1", "AGENT"), idempotency_key=key, fingerprint="f")
    return str(desk.open_case(OpenCase("cust-1", "Parcel never arrived", ""), context).case_id)


def test_records_are_kept_for_the_retention_then_expire() -> None:
    kept, expired = build_memory_desk(), build_memory_desk()
    try:
        expired.idempotency_retention = timedelta(0)
        for desk in (kept, expired):
            first = open_case(desk, "k-1")
            assert desk.expire_idempotency_records() == (desk is expired)
            again = open_case(desk, "k-1")
            # Within the retention the key replays; after it the command runs again.
            assert (again == first) == (desk is kept)
    finally:
        kept.close()
        expired.close()
