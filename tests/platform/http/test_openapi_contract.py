"""What the OpenAPI document promises and the edges of HTTP the API answers at: oversize
chunked bodies, methods a path does not offer, how callers authenticate, what each
operation can answer and the limits of its parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.body_limit import MAX_BODY_BYTES

PROBLEM_STATUSES = {"400", "401", "403", "404", "409", "413", "422", "429", "503"}
OPEN_PATHS = {"/healthz", "/readyz", "/metrics"}


@pytest.fixture
def document(api: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = api.get("/openapi.json").json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def parameter(operation: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p for p in operation["parameters"] if p["name"].lower() == name.lower()
    )
    return found


def test_a_chunked_body_over_the_limit_is_a_413(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"customer_id": "c", "subject": "'
        for _ in range(MAX_BODY_BYTES // 4096 + 2):
            yield b"x" * 4096
        yield b'"}'

    response = api.post(
        "/support/cases", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:casetrail:problem:body-too-large"


def test_a_chunked_body_within_the_limit_is_read(api: TestClient) -> None:
    response = api.post(
        "/support/cases",
        content=iter([b'{"customer_id": "c", ', b'"subject": "chunked"}']),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/support/cases"),
        ("PATCH", "/support/cases"),
        ("OPTIONS", "/support/cases"),
        ("PATCH", "/support/cases/00000000-0000-0000-0000-000000000001/assignee"),
        ("GET", "/support/cases/00000000-0000-0000-0000-000000000001/tags/vip"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    api: TestClient, document: dict[str, Any], method: str, path: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    documented = next(
        methods
        for template, methods in document["paths"].items()
        if template.count("/") == path.count("/")
        and all(
            part == actual or part.startswith("{")
            for part, actual in zip(template.split("/"), path.split("/"), strict=True)
        )
    )
    allowed = {name.strip() for name in response.headers["allow"].split(",")}
    assert allowed == {name.upper() for name in documented}


def test_metrics_are_documented_as_prometheus_text(
    api: TestClient, document: dict[str, Any]
) -> None:
    content = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]
    assert api.get("/metrics").headers["content-type"].startswith("text/plain")


def test_every_route_but_operations_and_docs_requires_a_bearer_jwt(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "bearerJWT": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": schemes["bearerJWT"]["description"],
        }
    }
    for path, method, operation in operations(document):
        expected = None if path in OPEN_PATHS else [{"bearerJWT": []}]
        assert operation.get("security") == expected, (method, path)


def test_every_authenticated_operation_documents_its_problems(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if path in OPEN_PATHS:
            continue
        responses = operation["responses"]
        assert set(responses) >= PROBLEM_STATUSES, (method, path)
        for status in PROBLEM_STATUSES:
            content = responses[status]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }, (method, path, status)


def test_readiness_documents_its_503(document: dict[str, Any]) -> None:
    assert {"200", "503"} <= set(document["paths"]["/readyz"]["get"]["responses"])


def test_optional_parameters_are_never_documented_as_null(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for item in operation.get("parameters", ()):
            assert "null" not in str(item["schema"]), (method, path, item["name"])


def test_enforced_parameter_limits_are_documented(document: dict[str, Any]) -> None:
    case_list = document["paths"]["/support/cases"]["get"]
    assert parameter(case_list, "fields")["schema"]["pattern"].startswith("^(id|")
    assert parameter(case_list, "cursor")["schema"]["pattern"] == "^[A-Za-z0-9_-]+$"
    assert "later than" in parameter(case_list, "created_before")["description"]
    assert "later than" in parameter(case_list, "updated_before")["description"]
    messages = document["paths"]["/support/cases/{case_id}/messages"]["get"]
    assert "pattern" in parameter(messages, "cursor")["schema"]
    case = document["paths"]["/support/cases/{case_id}"]["get"]
    assert "later than" in parameter(case, "until")["description"]
    workload = document["paths"]["/support/agents/{agent_id}/workload"]["get"]
    assert "pattern" in parameter(workload, "timezone")["schema"]
    status = document["paths"]["/support/cases/{case_id}/status"]["post"]
    assert parameter(status, "If-Match")["schema"]["pattern"] == r'^(W/)?"?[0-9]{1,18}"?$'


@pytest.mark.parametrize(
    ("path", "params", "headers", "status"),
    [
        ("/support/cases", {"fields": "subject,nope"}, {}, 422),
        ("/support/cases", {"cursor": "bm90LWEtY3Vyc29y"}, {}, 422),
        (
            "/support/cases",
            {"created_after": "2026-01-01T00:00:00Z", "created_before": "2026-01-01T00:00:00Z"},
            {},
            422,
        ),
        ("/support/agents/a-1/workload", {"timezone": "Mars/Olympus"}, {}, 422),
    ],
)
def test_what_the_documented_limits_refuse(
    api: TestClient, path: str, params: dict[str, str], headers: dict[str, str], status: int
) -> None:
    response = api.get(path, params=params, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_opening_a_case_links_to_what_can_be_done_with_it(document: dict[str, Any]) -> None:
    links = document["paths"]["/support/cases"]["post"]["responses"]["201"]["links"]
    targets = {(link["operationRef"], tuple(link["parameters"].items())) for link in links.values()}
    for path, method in [
        ("/support/cases/{case_id}/messages", "post"),
        ("/support/cases/{case_id}/tags", "post"),
        ("/support/cases/{case_id}/status", "post"),
        ("/support/cases/{case_id}/assignee", "put"),
    ]:
        pointer = "#/paths/" + path.replace("/", "~1") + "/" + method
        assert (pointer, (("case_id", "$response.body#/id"),)) in targets
    for ref, _ in targets:
        path, method = ref.removeprefix("#/paths/").rsplit("/", 1)
        assert method in document["paths"][path.replace("~1", "/")], ref
