"""The directory on a real PostgreSQL: concurrent imports make one customer, the customer list
is projected and searched there, personal fields are stored sealed, and erasing a merged
customer erases both ids everywhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from casetrail.bootstrap.event_store import build_postgres_desk
from casetrail.bootstrap.read_side import ReadSide
from casetrail.bootstrap.roles.api import ApiDependencies, build_api_app
from casetrail.bootstrap.settings import Settings
from casetrail.cases.api.query_deps import ReadOptions
from casetrail.cases.service.desk import SupportDesk
from casetrail.customers.service.commands import DirectoryContext, RegisterCustomer
from casetrail.customers.service.directory import CustomerDirectory
from casetrail.kernel.actor import Actor
from casetrail.privacy.erasure import erasure_for
from tests.fixtures.auth import supervisor_headers, unlimited

pytestmark = pytest.mark.integration

EMAIL = "sarah.lee@example.com"
IMPORTER = DirectoryContext(actor=Actor(subject="shopify-import", role="SERVICE"))


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


def utc_now() -> datetime:
    return datetime.now(UTC)


def test_simultaneous_imports_of_one_external_id_make_one_customer(
    database_url: str, settings: Settings
) -> None:
    # Two desks on one database stand for two API processes: each has its own committer.
    desks = [build_postgres_desk(database_url, settings) for _ in range(2)]
    try:
        directories = [CustomerDirectory(desk, clock=utc_now) for desk in desks]
        start = threading.Barrier(8)
        answers: list[str] = []
        failures: list[BaseException] = []

        def import_sarah(directory: CustomerDirectory) -> None:
            start.wait()
            try:
                result = directory.register(
                    RegisterCustomer(name="Sarah Lee", external_ids={"shopify": "7421"}),
                    IMPORTER,
                )
                answers.append(result.customer_id)
            except BaseException as error:
                failures.append(error)

        threads = [
            threading.Thread(target=import_sarah, args=(directories[number % 2],))
            for number in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(answers) == 8
        assert len(set(answers)) == 1
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM support_events WHERE topic = %s",
                ("casetrail.customer.Registered.v1",),
            ).fetchone()
        assert row is not None
        assert row[0] == 1
    finally:
        for desk in desks:
            desk.close()


def register(api: TestClient, body: dict[str, Any]) -> Any:
    response = api.post("/support/customers", json=body)
    assert response.status_code == 201, response.text
    return response


def test_the_customer_list_is_projected_and_searched_in_postgres(api: TestClient) -> None:
    register(api, {"id": "cust-a", "name": "Sarah Lee", "email": EMAIL})
    written = register(api, {"id": "cust-b", "name": "Bo Berg", "external_ids": {"gorgias": "g-7"}})
    fresh = {"X-Casetrail-Min-Position": written.headers["X-Casetrail-Position"]}
    by_email = api.get("/support/customers", params={"email": EMAIL.upper()}, headers=fresh)
    assert [item["id"] for item in by_email.json()["items"]] == ["cust-a"]
    assert "X-Casetrail-Stale" not in by_email.headers
    by_id = api.get("/support/customers", params={"external_id": "g-7"}, headers=fresh)
    assert [item["id"] for item in by_id.json()["items"]] == ["cust-b"]
    by_name = api.get("/support/customers", params={"name": "sarah LEE"}, headers=fresh)
    assert [item["id"] for item in by_name.json()["items"]] == ["cust-a"]
    page = api.get("/support/customers", params={"limit": 1}, headers=fresh).json()
    rest = api.get("/support/customers", params={"limit": 1, "cursor": page["next_cursor"]})
    assert [item["id"] for item in page["items"] + rest.json()["items"]] == ["cust-a", "cust-b"]


def stored_customer_states(database_url: str) -> bytes:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT state FROM support_events WHERE topic LIKE 'casetrail.customer.%'"
        ).fetchall()
    return b"".join(bytes(row[0]) for row in rows)


def test_merge_then_erase_erases_both_ids_everywhere(api: TestClient, database_url: str) -> None:
    register(api, {"id": "cust-a", "name": "Sarah Lee", "email": EMAIL, "phone": "+49 30 123"})
    register(api, {"id": "cust-b", "name": "Sarah L.", "email": "sl@example.com"})
    case_ids = {}
    for customer_id in ("cust-a", "cust-b"):
        opened = api.post(
            "/support/cases",
            json={"customer_id": customer_id, "subject": f"Refund for {customer_id}"},
        )
        case_ids[customer_id] = opened.json()["id"]
    merged = api.post("/support/customers/cust-a/merge", json={"from_customer_id": "cust-b"})
    assert merged.status_code == 200, merged.text
    fresh = {"X-Casetrail-Min-Position": merged.headers["X-Casetrail-Position"]}
    # Personal fields never reach the event store in clear.
    assert EMAIL.encode() not in stored_customer_states(database_url)
    # The export holds the directory records, personal fields included.
    export = api.get("/support/customers/cust-a/export").json()
    assert {record["id"] for record in export["directory"]} == {"cust-a", "cust-b"}
    assert {record["email"] for record in export["directory"]} == {EMAIL, "sl@example.com"}
    assert {case["case"]["id"] for case in export["cases"]} == set(case_ids.values())
    listed = api.get("/support/customers", params={"include_merged": "true"}, headers=fresh)
    assert {item["email"] for item in listed.json()["items"]} == {EMAIL, "sl@example.com"}

    erased = api.post("/support/customers/cust-a/erasure", json={"reason": "GDPR art. 17"})
    assert erased.status_code == 201, erased.text
    assert erased.json()["erased_customer_ids"] == ["cust-a", "cust-b"]

    for customer_id in ("cust-a", "cust-b"):
        customer = api.get(f"/support/customers/{customer_id}").json()
        assert (customer["name"], customer["email"], customer["phone"]) == ("[erased]", None, None)
        case = api.get(f"/support/cases/{case_ids[customer_id]}").json()
        assert case["subject"] == "[erased]"
    # The read model was rewritten at once: no search finds them by what was erased.
    rows = api.get("/support/customers", params={"include_merged": "true"}).json()["items"]
    assert {(item["name"], item["email"]) for item in rows} == {("[erased]", None)}
    assert api.get("/support/customers", params={"email": EMAIL}).json()["items"] == []
    history = api.get("/support/customers/cust-a/history").json()["items"]
    assert history[0]["data"]["name"] == "[erased]"
    # Nothing personal is stored for them again.
    refused = api.patch("/support/customers/cust-a", json={"name": "Sarah"})
    assert refused.status_code == 409
