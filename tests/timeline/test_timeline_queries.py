"""Windows and caps of the timeline, who sees agent-only notes, bad parameters, and an
analyst's query through Trino returning what the API returns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casetrail.cases.api.deps import current_actor
from casetrail.devstack import Stack
from casetrail.kernel.actor import Actor
from tests.fixtures.commerce_context import order, record_context
from tests.fixtures.timeline import TimelineApi, TimelineApiFactory

pytestmark = pytest.mark.stack

HOUR = timedelta(hours=1)


@pytest.fixture
def api(timeline_api: TimelineApiFactory) -> TimelineApi:
    return timeline_api()


@pytest.fixture
def history(api: TimelineApi) -> tuple[str, datetime]:
    """A case whose customer has six orders an hour apart, the last one an hour ago."""
    case_id = api.open_case(customer_id="cust-window")
    start = datetime.now(UTC).replace(microsecond=0) - 6 * HOUR
    record_context(
        api.database_url,
        [order("cust-window", f"ord-{n}", start + n * HOUR) for n in range(6)],
        api.side.invalidation,
    )
    return case_id, start


def orders(body: Any) -> list[str]:
    return [
        entry["payload"]["order_id"]
        for entry in body["timeline"]
        if entry["kind"] == "order_status_changed"
    ]


def test_limit_keeps_the_most_recent_entries_in_time_order(
    api: TimelineApi, history: tuple[str, datetime]
) -> None:
    case_id, _ = history

    body = api.timeline(case_id, limit=3).json()

    assert orders(body) == ["ord-4", "ord-5"]
    assert body["timeline"][-1]["kind"] == "case_opened"
    assert body["timeline_truncated"] is True
    assert api.timeline(case_id, limit=7).json()["timeline_truncated"] is False


def test_since_is_inclusive_and_until_exclusive(
    api: TimelineApi, history: tuple[str, datetime]
) -> None:
    case_id, start = history

    body = api.timeline(
        case_id, since=(start + HOUR).isoformat(), until=(start + 4 * HOUR).isoformat()
    ).json()

    assert orders(body) == ["ord-1", "ord-2", "ord-3"]
    assert body["timeline_truncated"] is False


def test_paging_back_with_until(api: TimelineApi, history: tuple[str, datetime]) -> None:
    case_id, _ = history
    first = api.timeline(case_id, limit=4).json()

    older = api.timeline(case_id, limit=4, until=first["timeline"][0]["at"]).json()

    assert orders(older) + orders(first) == [f"ord-{n}" for n in range(6)]
    assert older["timeline_truncated"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2024-01-01T00:00:00"}, "until"),  # no time zone
        ({"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "until"),
    ],
)
def test_bad_parameters_are_refused_naming_them(
    api: TimelineApi, params: dict[str, str], field: str
) -> None:
    case_id = api.open_case()

    response = api.timeline(case_id, **params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"].split(".")[-1] for error in response.json()["errors"]]


def test_an_unknown_case_is_404(api: TimelineApi) -> None:
    response = api.client.get(
        "/support/cases/00000000-0000-0000-0000-000000000000?includeTimeline=true"
    )

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_agent_only_notes_are_shown_to_staff_only(api: TimelineApi) -> None:
    case_id = api.open_case()
    api.post(case_id, "Customer question")
    api.post(case_id, "Check fraud score", author_type="AGENT", author_id="a-1", internal=True)
    staff = [entry["kind"] for entry in api.timeline(case_id).json()["timeline"]]

    api.client.app.dependency_overrides[current_actor] = lambda: Actor("cust", "CUSTOMER")  # type: ignore[attr-defined]
    customer = api.timeline(case_id).json()

    assert staff == ["case_opened", "message", "internal_note"]
    assert [entry["kind"] for entry in customer["timeline"]] == ["case_opened", "message"]
    assert "Check fraud score" not in json.dumps(customer)


def test_an_analysts_query_through_trino_returns_what_the_api_returns(
    stack: Stack, api: TimelineApi, history: tuple[str, datetime]
) -> None:
    case_id, _ = history
    api.post(case_id, "Where are my orders?")
    api.command("PUT", f"/support/cases/{case_id}/assignee", json={"agent_id": "agent-2"})
    from_api = api.timeline(case_id).json()["timeline"]

    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(
            "SELECT at, kind, source, summary, payload"
            f" FROM support.{api.trino_schema}.vw_support_case_timeline"
            f" WHERE case_id = UUID '{case_id}' ORDER BY at, entry_id"
        )
        rows = cursor.fetchall()

    assert len(rows) == len(from_api) == 9
    for (at, kind, source, summary, payload), entry in zip(rows, from_api, strict=True):
        assert at == datetime.fromisoformat(entry["at"])
        assert (kind, source, summary) == (entry["kind"], entry["source"], entry["summary"])
        assert json.loads(payload).keys() >= entry["payload"].keys()
