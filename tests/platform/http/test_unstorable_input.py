"""Text PostgreSQL cannot hold (NUL, unpaired surrogates) is refused at the edge with a 422
naming where it was; any other Unicode, right-to-left overrides and emoji included, is kept.
Malformed versions and cursors are 400/422, never 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from tests.fixtures.auth import bearer

CASE: dict[str, Any] = {
    "customer_id": "cust-1",
    "subject": "Parcel never arrived",
    "description": "Ordered two weeks ago",
    "tags": ["shipping"],
    "order_id": "order-42",
    "external_ref": "shopify:1001",
}

NUL = "a\u0000b"


def problem_fields(response: Any, status: int = 422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json().get("errors", [])]


def raw_json(value: dict[str, Any]) -> bytes:
    # json.dumps writes "\ud800" as the escape a client would send.
    return json.dumps(value).encode()


def open_case(api: TestClient) -> str:
    response = api.post("/support/cases", json=CASE)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize("bad", [NUL, "lone \ud800 surrogate", "\udfff"])
@pytest.mark.parametrize(
    "field", ["customer_id", "subject", "description", "order_id", "external_ref", "tags"]
)
def test_case_fields_refuse_unstorable_text(api: TestClient, field: str, bad: str) -> None:
    body = {**CASE, field: [bad] if field == "tags" else bad}
    response = api.post(
        "/support/cases", content=raw_json(body), headers={"content-type": "application/json"}
    )
    assert problem_fields(response) == [f"body.{field}"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("messages", {"body": NUL}, "body.body"),
        ("messages", {"author_type": "AGENT", "author_id": NUL, "body": "x"}, "body.author_id"),
        ("status", {"status": "on_hold", "reason": NUL}, "body.reason"),
        ("escalations", {"reason": NUL}, "body.reason"),
        ("tags", {"tags": ["ok", NUL]}, "body.tags"),
    ],
)
def test_command_fields_refuse_nul(
    api: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    case_id = open_case(api)
    response = api.post(f"/support/cases/{case_id}/{path}", json=body)
    assert problem_fields(response) == [field]


def test_assignee_and_erasure_reason_refuse_nul(api: TestClient) -> None:
    case_id = open_case(api)
    assigned = api.put(f"/support/cases/{case_id}/assignee", json={"agent_id": NUL})
    assert problem_fields(assigned) == ["body.agent_id"]
    erased = api.post("/support/customers/cust-1/erasure", json={"reason": NUL})
    assert problem_fields(erased) == ["body.reason"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/support/cases?q=a%00b", "query.q"),
        ("/support/cases?customer_id=%00", "query.customer_id"),
        ("/support/cases?assignee_id=x%00", "query.assignee_id"),
        ("/support/cases?tag=%00", "query.tag"),
        ("/support/customers/cust-1/context?order_id=%00", "query.order_id"),
        ("/support/customers/cust%001/cases", "path"),
        ("/support/agents/agent%00/workload", "path"),
    ],
)
def test_query_parameters_and_paths_refuse_nul(api: TestClient, url: str, field: str) -> None:
    assert problem_fields(api.get(url)) == [field]


def test_untagging_a_tag_with_nul_is_a_422(api: TestClient) -> None:
    case_id = open_case(api)
    assert problem_fields(api.delete(f"/support/cases/{case_id}/tags/a%00b")) == ["path"]


@pytest.mark.parametrize(
    "tag",
    [b'"\xb2"', '"٣"'.encode(), b'"' + b"9" * 4_301 + b'"', b'""', b"W/", b'"-1"'],
)
def test_if_match_takes_ascii_digits_only(api: TestClient, tag: bytes) -> None:
    # Header bytes reach the server as Latin-1: b"\xb2" is "²", which str.isdigit accepts.
    case_id = open_case(api)
    response = api.post(
        f"/support/cases/{case_id}/priority", json={"priority": "low"}, headers={"If-Match": tag}
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("invalid-if-match")


def crafted_cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_crafted_cursors_are_refused_not_sent_to_the_database(api: TestClient) -> None:
    case_id = open_case(api)
    for key in ([2**70], [NUL], [[NUL]]):
        cursor = crafted_cursor({"v": 1, "k": "messages", "s": case_id, "p": key})
        response = api.get(f"/support/cases/{case_id}/messages", params={"cursor": cursor})
        assert problem_fields(response) == ["query.cursor"]


def test_a_token_whose_claims_hold_nul_is_refused(api: TestClient) -> None:
    response = api.get("/support/cases", headers=bearer(Role.SUPERVISOR, "sup\u00001"))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_any_other_unicode_is_kept_as_written(api: TestClient) -> None:
    text = "Rückgabe \u202eevil\u202c 📦 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u200d"
    response = api.post("/support/cases", json={**CASE, "subject": text, "description": text})
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    case = api.get(f"/support/cases/{case_id}").json()
    assert (case["subject"], case["description"]) == (text, text)
    posted = api.post(f"/support/cases/{case_id}/messages", json={"body": text})
    assert posted.status_code == 201
    messages = api.get(f"/support/cases/{case_id}/messages").json()["items"]
    assert messages[0]["body"] == text


@pytest.mark.parametrize(
    "uri",
    ["javascript:alert(1)", "data:text/html,<b>hi</b>", "file:///etc/passwd", "http://x.example/a"],
)
def test_attachments_are_https_or_s3_uris_only(api: TestClient, uri: str) -> None:
    case_id = open_case(api)
    response = api.post(
        f"/support/cases/{case_id}/messages", json={"body": "see attached", "attachment_uri": uri}
    )
    assert problem_fields(response) == ["body.attachment_uri"]


@pytest.mark.parametrize("uri", ["https://files.example/a.pdf", "s3://support-files/a.pdf"])
def test_https_and_s3_attachments_are_accepted(api: TestClient, uri: str) -> None:
    case_id = open_case(api)
    response = api.post(
        f"/support/cases/{case_id}/messages", json={"body": "see attached", "attachment_uri": uri}
    )
    assert response.status_code == 201, response.text


def test_per_case_caps_answer_409(api: TestClient) -> None:
    case_id = open_case(api)
    for start in range(0, 60, 20):
        response = api.post(
            f"/support/cases/{case_id}/tags",
            json={"tags": [f"t{n}" for n in range(start, start + 20)]},
        )
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("case-limit-reached")
    for _ in range(5):
        api.post(f"/support/cases/{case_id}/escalations", json={"reason": "still broken"})
    again = api.post(f"/support/cases/{case_id}/escalations", json={"reason": "and again"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("case-limit-reached")
