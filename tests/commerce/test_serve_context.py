"""`casetrail serve` with Kafka configured consumes in-process and serves the context."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from casetrail.bootstrap.settings import Settings
from casetrail.platform.server_process import start_server
from tests.fixtures.auth import supervisor_headers
from tests.fixtures.commerce_fakes import at, order_event
from tests.fixtures.kafka import message, produce, wait_until

pytestmark = pytest.mark.stack


def test_serve_consumes_commerce_events_and_serves_the_context(
    commerce_settings: Settings, stack_database: str, tmp_path: Path
) -> None:
    assert commerce_settings.kafka.bootstrap_servers
    server = start_server(
        tmp_path,
        stack_database,
        extra_env={
            "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": commerce_settings.kafka.bootstrap_servers,
            "CASETRAIL_COMMERCE_TOPIC_PREFIX": commerce_settings.commerce.topic_prefix,
            "CASETRAIL_COMMERCE_CONSUMER_GROUP": commerce_settings.commerce.consumer_group,
        },
    )
    try:
        context_url = f"{server.base_url}/support/customers/cust-7/context"
        assert httpx.get(context_url, headers=supervisor_headers()).json()["orders"] == []
        produce(
            commerce_settings,
            [
                message(
                    "order.status.changed",
                    order_event("e-1", 0, "shipped", "ord-7", customer_id="cust-7"),
                    key="cust-7",
                ),
                message(
                    "shipment.status.changed",
                    {
                        "event_id": "e-2",
                        "occurred_at": at(5),
                        "customer_id": "cust-7",
                        "order_id": "ord-7",
                        "shipment_id": "shp-7",
                        "carrier": "PostNL",
                        "tracking_number": "3SABCD1234567",
                        "status": "out_for_delivery",
                    },
                    key="cust-7",
                ),
            ],
        )
        wait_until(
            lambda: (
                bool(httpx.get(context_url, headers=supervisor_headers()).json()["orders"][0:1])
                and bool(
                    httpx.get(context_url, headers=supervisor_headers()).json()["orders"][0][
                        "shipments"
                    ]
                )
            ),
            60,
            "the context to show the order and its shipment",
        )
        [order] = httpx.get(context_url, headers=supervisor_headers()).json()["orders"]
        assert (order["order_id"], order["status"]) == ("ord-7", "shipped")
        assert order["shipments"][0]["tracking_number"] == "3SABCD1234567"
        metrics = httpx.get(f"{server.base_url}/metrics").text
        assert "casetrail_commerce_events_applied_total" in metrics
        assert httpx.get(f"{server.base_url}/readyz").status_code == 200
    finally:
        assert server.stop() == 0
