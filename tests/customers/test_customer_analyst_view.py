"""Analysts read the directory through Trino's masked ``vw_support_customers``: pseudonyms,
never a name, e-mail or phone number."""

from __future__ import annotations

import pytest

from casetrail.devstack import Stack
from casetrail.platform.masking import pseudonym
from casetrail.privacy.analyst_views import prepare_analyst_views
from casetrail.timeline.foreign_schema import expose_timeline
from tests.fixtures.timeline import TimelineApiFactory

pytestmark = pytest.mark.stack

VIEW = "vw_support_customers"


def test_the_customer_view_through_trino_is_masked(
    stack: Stack, timeline_api: TimelineApiFactory
) -> None:
    api = timeline_api()
    client = api.client
    client.post(
        "/support/customers",
        json={
            "id": "cust-sarah",
            "name": "Sarah Lee",
            "email": "sarah.lee@example.com",
            "phone": "+49 30 1234567",
            "external_ids": {"shopify": "7421", "gorgias": "g-1"},
            "timezone": "Europe/Berlin",
            "language": "de",
            "tier": "vip",
        },
    )
    client.post("/support/customers", json={"id": "cust-dup", "name": "S. Lee"})
    merged = client.post(
        "/support/customers/cust-sarah/merge", json={"from_customer_id": "cust-dup"}
    )
    assert merged.status_code == 200, merged.text
    fresh = client.get(
        "/support/customers",
        headers={"X-Casetrail-Min-Position": merged.headers["X-Casetrail-Position"]},
    )
    assert "X-Casetrail-Stale" not in fresh.headers
    assert VIEW in prepare_analyst_views(api.database_url)
    expose_timeline(stack.postgres.dsn(), api.trino_schema, api.database_url, (VIEW,))

    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(f"SELECT * FROM support.{api.trino_schema}.{VIEW} ORDER BY merged_count")
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    assert not {"name", "email", "phone"} & set(columns)
    duplicate, survivor = rows
    assert survivor["customer_id"] == pseudonym("cust-sarah")
    assert (survivor["has_email"], survivor["has_phone"]) == (True, True)
    assert survivor["external_systems"] == "gorgias,shopify"
    assert (survivor["tier"], survivor["language"], survivor["timezone"]) == (
        "vip",
        "de",
        "Europe/Berlin",
    )
    assert survivor["merged_count"] == 1
    assert duplicate["merged_into"] == pseudonym("cust-sarah")
    everything = str(rows)
    for personal in ("Sarah", "sarah.lee", "1234567", "cust-sarah", "cust-dup"):
        assert personal not in everything


def test_the_case_with_its_timeline_shows_the_customers_name_and_tier(
    timeline_api: TimelineApiFactory,
) -> None:
    api = timeline_api()
    api.command(
        "POST", "/support/customers", json={"id": "cust-vip", "name": "Sarah Lee", "tier": "vip"}
    )
    case_id = api.open_case(customer_id="cust-vip")
    api.wait_projected()
    assert api.read_model.wait_for(api.position, ("customer_list",), 10.0)
    answer = api.timeline(case_id)
    assert answer.status_code == 200, answer.text
    assert answer.json()["customer"] == {"name": "Sarah Lee", "tier": "vip"}
    assert answer.json()["timeline"]
