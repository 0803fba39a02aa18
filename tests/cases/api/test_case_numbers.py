"""A case found by the number agents read out on the phone (CS-000123), on a real PostgreSQL:
in the path instead of the id, as ``?case_number=``, and typed into the search box."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from casetrail.platform.http.principals import Role
from casetrail.platform.http.read_your_writes import MIN_POSITION_HEADER
from tests.fixtures.auth import bearer

pytestmark = pytest.mark.integration


def open_case(api: TestClient, customer_id: str, subject: str) -> tuple[dict[str, Any], str]:
    """The new case, and the position to wait for when reading it."""
    response = api.post("/support/cases", json={"customer_id": customer_id, "subject": subject})
    assert response.status_code == 201, response.text
    return response.json(), response.headers["x-casetrail-position"]


@pytest.fixture
def two_cases(projected_api: TestClient) -> tuple[dict[str, Any], dict[str, Any], str]:
    first, _ = open_case(projected_api, "cust-1", "Parcel never arrived")
    second, position = open_case(projected_api, "cust-2", "Refund please")
    return first, second, position


def test_the_path_takes_a_case_number_instead_of_an_id(
    projected_api: TestClient, two_cases: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    first, second, position = two_cases
    for case in (first, second):
        response = projected_api.get(
            f"/support/cases/{case['case_number']}", headers={MIN_POSITION_HEADER: position}
        )
        assert response.status_code == 200, response.text
        assert response.json()["id"] == case["id"]
        assert response.headers["etag"] == '"1"'


def test_a_number_is_read_as_people_type_it(
    projected_api: TestClient, two_cases: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    first, _, position = two_cases
    typed = "cs-" + first["case_number"].removeprefix("CS-").lstrip("0")
    response = projected_api.get(f"/support/cases/{typed}", headers={MIN_POSITION_HEADER: position})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == first["id"]


def test_the_list_filters_by_case_number_and_the_search_box_finds_one(
    projected_api: TestClient, two_cases: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    _, second, position = two_cases
    for params in ({"case_number": second["case_number"]}, {"q": second["case_number"]}):
        response = projected_api.get(
            "/support/cases", params=params, headers={MIN_POSITION_HEADER: position}
        )
        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()["items"]] == [second["id"]]


def test_an_unknown_number_is_a_404_that_names_it(
    projected_api: TestClient, two_cases: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    response = projected_api.get("/support/cases/CS-999999999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:casetrail:problem:case-not-found"
    assert "CS-999999999" in response.json()["detail"]


def test_a_customer_cannot_reach_another_customers_case_by_its_number(
    projected_api: TestClient, two_cases: tuple[dict[str, Any], dict[str, Any], str]
) -> None:
    first, second, position = two_cases
    headers = {
        **bearer(Role.CUSTOMER, "cust-1", customer_id="cust-1"),
        MIN_POSITION_HEADER: position,
    }
    own = projected_api.get(f"/support/cases/{first['case_number']}", headers=headers)
    other = projected_api.get(f"/support/cases/{second['case_number']}", headers=headers)
    assert own.status_code == 200, own.text
    assert other.status_code == 404


def test_something_that_is_neither_an_id_nor_a_number_is_refused_by_name(
    projected_api: TestClient,
) -> None:
    response = projected_api.get("/support/cases/CS-12x")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["path.case_id"]
