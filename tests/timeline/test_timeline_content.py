"""What the timeline shows, in what order, from which engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from casetrail.bootstrap.contexts import projection_views
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.rebuild import rebuild
from tests.fixtures.commerce_context import fraud_alert, order, payment, record_context, shipment
from tests.fixtures.timeline import TimelineApiFactory

pytestmark = pytest.mark.stack


def test_case_events_messages_and_context_in_time_order(timeline_api: TimelineApiFactory) -> None:
    api = timeline_api()
    now = datetime.now(UTC)
    customer = "cust-timeline-1"
    case_id = api.open_case(customer_id=customer, order_id="ord-1", subject="Where is my parcel?")
    record_context(
        api.database_url,
        [
            order(customer, "ord-1", now - timedelta(days=3)),
            payment(customer, "ord-1", now - timedelta(days=3, seconds=-60)),
            shipment(customer, "ord-1", now - timedelta(days=2)),
            # The linked order seen under another account still belongs on this case.
            fraud_alert("cust-other-account", "ord-1", now - timedelta(days=1)),
            # Someone else's order does not.
            order("cust-stranger", "ord-2", now - timedelta(days=1)),
        ],
        api.side.invalidation,
    )
    api.command("PUT", f"/support/cases/{case_id}/assignee", json={"agent_id": "agent-7"})
    api.post(case_id, "It has been a week.")
    api.post(
        case_id, "Courier confirms loss", author_type="AGENT", author_id="agent-7", internal=True
    )
    api.command("POST", f"/support/cases/{case_id}/escalations", json={"reason": "VIP"})

    response = api.timeline(case_id)

    assert response.status_code == 200, response.text
    assert response.headers["x-casetrail-timeline-source"] == "trino"
    body = response.json()
    assert body["id"] == case_id
    assert body["subject"] == "Where is my parcel?"
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds == [
        "order_status_changed",
        "payment_authorized",
        "shipment_status_changed",
        "fraud_alert_raised",
        "case_opened",
        "case_assigned",
        "message",
        "internal_note",
        "case_escalated",
    ]
    assert [entry["at"] for entry in body["timeline"]] == sorted(
        entry["at"] for entry in body["timeline"]
    )
    assert body["timeline_truncated"] is False
    by_kind = {entry["kind"]: entry for entry in body["timeline"]}
    assert by_kind["payment_authorized"]["payload"]["amount"] == "59.90"
    assert (
        by_kind["payment_authorized"]["summary"]
        == "Payment pay-ord-1 authorized: 59.90 EUR by card"
    )
    assert by_kind["internal_note"]["payload"]["internal"] is True
    assert by_kind["case_assigned"]["summary"] == "Assigned to agent-7 (manual)"
    assert by_kind["case_escalated"]["payload"]["level"] == 1
    assert {entry["source"] for entry in body["timeline"]} == {"case", "conversation", "commerce"}


def test_the_timeline_follows_blue_green_rebuilds(timeline_api: TimelineApiFactory) -> None:
    api = timeline_api(redis_url=None)
    postgres = timeline_api(trino_url=None, redis_url=None)
    case_id = api.open_case(order_id="ord-rebuild")
    api.post(case_id, "Hello")
    api.command("POST", f"/support/cases/{case_id}/escalations", json={"reason": "VIP"})
    postgres.position = api.position
    before = api.timeline(case_id).content
    database = Database(api.database_url)

    for _ in range(2):  # the second rebuild drops the first version's tables
        for projection in projection_views():
            rebuild(
                projection,
                app=api.desk,
                datastore=database.datastore(pool_size=1),
                connect=database.connect,
            )

    # Fresh variants (not cached): the view reads the new versions, in Trino and PostgreSQL.
    via_trino = api.timeline(case_id, limit=199)
    via_postgres = postgres.timeline(case_id, limit=199)
    assert via_trino.headers["x-casetrail-timeline-source"] == "trino"
    assert via_postgres.headers["x-casetrail-timeline-source"] == "postgres"
    assert via_trino.json()["timeline"] == via_postgres.json()["timeline"]
    assert via_trino.json()["timeline"] == json.loads(before)["timeline"]
