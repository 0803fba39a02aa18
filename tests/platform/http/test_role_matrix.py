"""Every role against every endpoint: the status each caller gets.

Columns: agent-1, a supervisor, an analyst, customer cust-1, a SERVICE client with
cases:read only, and one with every scope. "mine" is cust-1's case assigned to agent-1,
"theirs" is cust-2's case assigned to agent-2, "free" is cust-1's unassigned case. cust-1,
cust-2 and cust-dup (a duplicate of cust-1) are in the customer directory.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.access import SLA_CALENDAR, SLA_POLICY, World

COLUMNS = ("agent", "supervisor", "analyst", "customer", "service_read", "service_all")

MESSAGE = {"body": "Any news?"}
CUSTOMER_MESSAGE = {"author_type": "CUSTOMER", "author_id": "cust-1", "body": "Any news?"}
NEW_CASE = {"customer_id": "cust-1", "subject": "Broken zip", "description": "on my jacket"}
NEW_CUSTOMER = {"name": "Sarah Lee", "email": "sarah@example.com", "external_ids": {"shopify": "1"}}
STAFF_ONLY = (200, 200, 403, 403, 403, 200)
NEW_AGENT = {"name": "Cy", "email": "cy@example.com", "capacity": 4}
ONLINE = {"status": "online"}
ROUTING = {"department_id": "{department_id}", "reason": "billing question"}
# The directory: staff and analysts read it, supervisors manage it, customers see none of it.
READS_DIRECTORY = (200, 200, 200, 403, 403, 200)
MANAGES_DIRECTORY = (403, 200, 403, 403, 403, 200)

# (method, route template, case key or None, body, expected per column)
MATRIX: list[tuple[str, str, str | None, Any, tuple[int, ...]]] = [
    ("GET", "/support/cases", None, None, (200, 200, 200, 200, 200, 200)),
    ("POST", "/support/cases", None, NEW_CASE, (201, 201, 403, 201, 403, 201)),
    ("GET", "/support/cases/{case_id}", "mine", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/support/cases/{case_id}", "free", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/support/cases/{case_id}", "theirs", None, (404, 200, 200, 404, 200, 200)),
    ("GET", "/support/cases/{case_id}/history", "mine", None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/cases/{case_id}/history", "theirs", None, (404, 200, 200, 403, 200, 200)),
    ("GET", "/support/cases/{case_id}/messages", "mine", None, (200, 200, 200, 200, 200, 200)),
    ("GET", "/support/cases/{case_id}/messages", "theirs", None, (404, 200, 200, 404, 200, 200)),
    # Everyone posts as themselves; naming another author is for services (bots, imports).
    ("POST", "/support/cases/{case_id}/messages", "mine", MESSAGE, (201, 201, 403, 201, 403, 201)),
    (
        "POST",
        "/support/cases/{case_id}/messages",
        "theirs",
        MESSAGE,
        (404, 201, 403, 404, 403, 201),
    ),
    (
        "POST",
        "/support/cases/{case_id}/messages",
        "mine",
        CUSTOMER_MESSAGE,
        (403, 403, 403, 201, 403, 201),
    ),
    (
        "POST",
        "/support/cases/{case_id}/messages",
        "theirs",
        CUSTOMER_MESSAGE,
        (404, 403, 403, 404, 403, 201),
    ),
    (
        "POST",
        "/support/cases/{case_id}/status",
        "mine",
        {"status": "on_hold"},
        (200, 200, 403, 403, 403, 200),
    ),
    (
        "POST",
        "/support/cases/{case_id}/status",
        "theirs",
        {"status": "on_hold"},
        (404, 200, 403, 403, 403, 200),
    ),
    (
        "POST",
        "/support/cases/{case_id}/priority",
        "free",
        {"priority": "urgent"},
        (200, 200, 403, 403, 403, 200),
    ),
    (
        "POST",
        "/support/cases/{case_id}/tags",
        "mine",
        {"tags": ["vip"]},
        (200, 200, 403, 403, 403, 200),
    ),
    ("DELETE", "/support/cases/{case_id}/tags/{tag}", "mine", None, (200, 200, 403, 403, 403, 200)),
    (
        "PUT",
        "/support/cases/{case_id}/assignee",
        "free",
        {"agent_id": "agent-1"},
        (403, 200, 403, 403, 403, 200),
    ),
    ("DELETE", "/support/cases/{case_id}/assignee", "mine", None, (403, 200, 403, 403, 403, 200)),
    (
        "POST",
        "/support/cases/{case_id}/escalations",
        "mine",
        {"reason": "VIP"},
        (403, 200, 403, 403, 403, 200),
    ),
    (
        "GET",
        "/support/customers/{customer_id}/cases",
        "cust-1",
        None,
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "GET",
        "/support/customers/{customer_id}/cases",
        "cust-2",
        None,
        (200, 200, 200, 404, 200, 200),
    ),
    (
        "GET",
        "/support/customers/{customer_id}/context",
        "cust-1",
        None,
        (200, 200, 200, 403, 200, 200),
    ),
    (
        "GET",
        "/support/agents/{agent_id}/workload",
        "agent-1",
        None,
        (200, 200, 200, 403, 200, 200),
    ),
    (
        "GET",
        "/support/agents/{agent_id}/workload",
        "agent-2",
        None,
        (403, 200, 200, 403, 200, 200),
    ),
    ("POST", "/support/agents", None, NEW_AGENT, (403, 201, 403, 403, 403, 201)),
    ("GET", "/support/agents", None, None, READS_DIRECTORY),
    ("GET", "/support/agents/available", None, None, READS_DIRECTORY),
    ("GET", "/support/agents/{agent_id}", "agent-1", None, READS_DIRECTORY),
    ("PATCH", "/support/agents/{agent_id}", "agent-1", {"capacity": 3}, MANAGES_DIRECTORY),
    ("GET", "/support/agents/{agent_id}/history", "agent-1", None, READS_DIRECTORY),
    # Presence: an agent its own, a supervisor anyone's.
    ("PUT", "/support/agents/{agent_id}/status", "agent-1", ONLINE, (200, 200, 403, 403, 403, 200)),
    ("PUT", "/support/agents/{agent_id}/status", "agent-2", ONLINE, MANAGES_DIRECTORY),
    ("POST", "/support/agents/{agent_id}/login", "agent-1", None, (200, 200, 403, 403, 403, 200)),
    ("POST", "/support/agents/{agent_id}/login", "agent-2", None, MANAGES_DIRECTORY),
    ("POST", "/support/agents/{agent_id}/logout", "agent-1", None, (200, 200, 403, 403, 403, 200)),
    ("POST", "/support/agents/{agent_id}/logout", "agent-2", None, MANAGES_DIRECTORY),
    (
        "POST",
        "/support/agents/{agent_id}/heartbeat",
        "agent-1",
        None,
        (200, 200, 403, 403, 403, 200),
    ),
    ("POST", "/support/agents/{agent_id}/heartbeat", "agent-2", None, MANAGES_DIRECTORY),
    ("GET", "/support/agents/{agent_id}/queue", "agent-1", None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/agents/{agent_id}/queue", "agent-2", None, (403, 200, 200, 403, 200, 200)),
    ("POST", "/support/departments", None, {"name": "Returns"}, (403, 201, 403, 403, 403, 201)),
    ("GET", "/support/departments", None, None, READS_DIRECTORY),
    ("GET", "/support/departments/{department_id}", "billing", None, READS_DIRECTORY),
    (
        "PATCH",
        "/support/departments/{department_id}",
        "billing",
        {"description": "Invoices and refunds"},
        MANAGES_DIRECTORY,
    ),
    ("GET", "/support/departments/{department_id}/history", "billing", None, READS_DIRECTORY),
    (
        "GET",
        "/support/departments/{department_id}/cases",
        "billing",
        None,
        (200, 200, 200, 403, 200, 200),
    ),
    ("POST", "/support/cases/{case_id}/route", "mine", ROUTING, (200, 200, 403, 403, 403, 200)),
    ("POST", "/support/cases/{case_id}/route", "theirs", ROUTING, (404, 200, 403, 403, 403, 200)),
    (
        "GET",
        "/support/cases/{case_id}/routing-history",
        "mine",
        None,
        (200, 200, 200, 403, 200, 200),
    ),
    (
        "GET",
        "/support/cases/{case_id}/routing-history",
        "theirs",
        None,
        (404, 200, 200, 403, 200, 200),
    ),
    (
        "GET",
        "/support/customers/{customer_id}/export",
        "cust-1",
        None,
        (403, 200, 403, 200, 403, 200),
    ),
    (
        "GET",
        "/support/customers/{customer_id}/export",
        "cust-2",
        None,
        (403, 200, 403, 404, 403, 200),
    ),
    (
        "POST",
        "/support/customers/{customer_id}/erasure",
        "cust-2",
        {"reason": "GDPR article 17 request"},
        (403, 201, 403, 403, 403, 201),
    ),
    # Cases are edited and archived by the staff who work them.
    ("PATCH", "/support/cases/{case_id}", "mine", {"subject": "Zip, broken"}, STAFF_ONLY),
    (
        "PATCH",
        "/support/cases/{case_id}",
        "theirs",
        {"subject": "Zip"},
        (404, 200, 403, 403, 403, 200),
    ),
    ("DELETE", "/support/cases/{case_id}", "mine", None, STAFF_ONLY),
    ("DELETE", "/support/cases/{case_id}", "theirs", None, (404, 200, 403, 403, 403, 200)),
    ("POST", "/support/cases/{case_id}/restore", "mine", None, STAFF_ONLY),
    # The directory: staff manage customers, a customer sees only themselves, analysts go
    # through Trino's masked view.
    ("GET", "/support/customers", None, None, (200, 200, 403, 200, 403, 200)),
    ("POST", "/support/customers", None, NEW_CUSTOMER, (201, 201, 403, 403, 403, 201)),
    ("GET", "/support/customers/{customer_id}", "cust-1", None, (200, 200, 403, 200, 403, 200)),
    ("GET", "/support/customers/{customer_id}", "cust-2", None, (200, 200, 403, 404, 403, 200)),
    ("PATCH", "/support/customers/{customer_id}", "cust-1", {"tier": "vip"}, STAFF_ONLY),
    (
        "POST",
        "/support/customers/{customer_id}/merge",
        "cust-1",
        {"from_customer_id": "cust-dup"},
        STAFF_ONLY,
    ),
    ("GET", "/support/customers/{customer_id}/history", "cust-1", None, STAFF_ONLY),
    # Supervisors (and services with sla:manage) define calendars and policies; staff and
    # analysts read them and the clocks; customers see none of it.
    ("POST", "/support/calendars", None, SLA_CALENDAR, (403, 201, 403, 403, 403, 201)),
    ("GET", "/support/calendars/{calendar_id}", None, None, (200, 200, 200, 403, 200, 200)),
    (
        "PUT",
        "/support/calendars/{calendar_id}",
        None,
        SLA_CALENDAR,
        (403, 200, 403, 403, 403, 200),
    ),
    ("POST", "/support/sla/policies", None, SLA_POLICY, (403, 201, 403, 403, 403, 201)),
    ("GET", "/support/sla/policies", None, None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/sla/policies/{policy_id}", None, None, (200, 200, 200, 403, 200, 200)),
    (
        "PUT",
        "/support/sla/policies/{policy_id}",
        None,
        SLA_POLICY,
        (403, 200, 403, 403, 403, 200),
    ),
    ("GET", "/support/sla/breaches", None, None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/sla/at-risk", None, None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/sla/dashboard", None, None, (200, 200, 200, 403, 200, 200)),
    (
        "POST",
        "/support/sla/simulations",
        None,
        {
            "policy": SLA_POLICY,
            "period": {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"},
        },
        (403, 200, 403, 403, 403, 200),
    ),
    ("GET", "/support/cases/{case_id}/sla", "mine", None, (200, 200, 200, 403, 200, 200)),
    ("GET", "/support/cases/{case_id}/sla", "theirs", None, (404, 200, 200, 403, 200, 200)),
    ("GET", "/support/cases/{case_id}/sla/ledger", "mine", None, (200, 200, 200, 403, 200, 200)),
    (
        "GET",
        "/support/cases/{case_id}/sla/ledger",
        "theirs",
        None,
        (404, 200, 200, 403, 200, 200),
    ),
]

PUBLIC = {"/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/redoc"}
PUBLIC |= {"/docs/oauth2-redirect"}


def url_of(world: World, template: str, key: str | None) -> str:
    if "{calendar_id}" in template:
        return template.format(calendar_id=world.sla["calendar"])
    if "{policy_id}" in template:
        return template.format(policy_id=world.sla["policy"])
    if "{case_id}" in template:
        assert key is not None
        return template.format(case_id=world.cases[key], tag="vip")
    if "{customer_id}" in template:
        return template.format(customer_id=key)
    if "{agent_id}" in template:
        return template.format(agent_id=key)
    if "{department_id}" in template:
        return template.format(department_id=world.department_id)
    return template


def body_of(world: World, body: Any) -> Any:
    """The body, with the world's department where it names ``{department_id}``."""
    if isinstance(body, dict):
        return {
            name: world.department_id if value == "{department_id}" else value
            for name, value in body.items()
        }
    return body


CELLS = [
    pytest.param(
        method,
        template,
        key,
        body,
        column,
        expected[index],
        id=f"{column}-{method}-{template}-{key}",
    )
    for method, template, key, body, expected in MATRIX
    for index, column in enumerate(COLUMNS)
]


@pytest.mark.parametrize(("method", "template", "key", "body", "caller", "status"), CELLS)
def test_role_against_endpoint(
    world: World, method: str, template: str, key: str | None, body: Any, caller: str, status: int
) -> None:
    if template.endswith("/tags/{tag}"):
        world.as_(
            "supervisor",
            "POST",
            url_of(world, "/support/cases/{case_id}/tags", key),
            json={"tags": ["vip"]},
        )
    response = world.as_(caller, method, url_of(world, template, key), json=body_of(world, body))
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "template", "key", "body", "expected"), MATRIX)
def test_no_token_is_401_everywhere(
    world: World, method: str, template: str, key: str | None, body: Any, expected: Any
) -> None:
    response = world.client.request(method, url_of(world, template, key), json=body_of(world, body))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="casetrail"')
    assert response.headers["content-type"] == "application/problem+json"


def test_the_matrix_covers_every_endpoint(world: World) -> None:
    """A new endpoint must take its place in the matrix (and so declare who may call it)."""
    covered = {(method, template) for method, template, *_ in MATRIX}
    paths = world.client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path not in PUBLIC
        for method in operations
    }
    assert len(routes) > 15
    assert routes - covered == set()


@pytest.mark.parametrize(
    "path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"]
)
def test_operations_and_docs_need_no_token(world: World, path: str) -> None:
    assert world.client.get(path).status_code == 200
