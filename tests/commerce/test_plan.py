"""The ordering rule: state follows the events' own clock, never their arrival order."""

from __future__ import annotations

import itertools

from casetrail.commerce.events import CommerceEvent, OrderStatusChanged, ShipmentStatusChanged
from casetrail.commerce.plan import plan_batch, supersedes
from tests.fixtures.commerce_fakes import T0, at, order_event


def order(
    event_id: str, minutes: float, status: str, order_id: str = "ord-1"
) -> OrderStatusChanged:
    return OrderStatusChanged.model_validate(order_event(event_id, minutes, status, order_id))


def shipment(event_id: str, minutes: float, status: str) -> ShipmentStatusChanged:
    return ShipmentStatusChanged.model_validate(
        {
            "event_id": event_id,
            "occurred_at": at(minutes),
            "customer_id": "cust-1",
            "order_id": "ord-1",
            "shipment_id": "shp-1",
            "carrier": "UPS",
            "tracking_number": "1Z999",
            "status": status,
        }
    )


def test_a_later_event_supersedes_an_earlier_one_and_not_the_reverse() -> None:
    placed, shipped = order("e-1", 0, "placed"), order("e-2", 30, "shipped")
    assert supersedes(shipped, placed)
    assert not supersedes(placed, shipped)
    assert not supersedes(placed, placed)  # the same event again changes nothing
    assert supersedes(placed, None)


def test_events_of_the_same_instant_are_ordered_by_event_id() -> None:
    first, second = order("e-a", 5, "paid"), order("e-b", 5, "cancelled")
    assert supersedes(second, first)
    assert not supersedes(first, second)


def test_every_arrival_order_of_a_batch_gives_the_same_rows() -> None:
    events: list[CommerceEvent] = [
        order("e-1", 0, "placed"),
        order("e-2", 10, "paid"),
        order("e-3", 20, "shipped"),
        shipment("e-4", 21, "label_created"),
        shipment("e-5", 60, "in_transit"),
        order("e-6", 0, "placed", order_id="ord-2"),
    ]
    outcomes = set()
    for arrival in itertools.permutations(events):
        plan = plan_batch(arrival)
        outcomes.add(
            (
                tuple(
                    sorted(
                        (key, row.latest.status, row.first_seen_at)
                        for key, row in plan.orders.items()
                    )
                ),
                tuple(sorted((key, event.status) for key, event in plan.shipments.items())),
                frozenset(event.event_id for event in plan.log),
            )
        )
    assert outcomes == {
        (
            (("ord-1", "shipped", T0), ("ord-2", "placed", T0)),
            (("shp-1", "in_transit"),),
            frozenset({"e-1", "e-2", "e-3", "e-4", "e-5", "e-6"}),
        )
    }


def test_a_redelivered_event_is_logged_once() -> None:
    placed = order("e-1", 0, "placed")
    plan = plan_batch([placed, order("e-2", 1, "paid"), placed])
    assert [event.event_id for event in plan.log] == ["e-1", "e-2"]
    assert len(plan) == 2
