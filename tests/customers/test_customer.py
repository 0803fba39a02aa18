"""The customer aggregate's rules, without any engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casetrail.customers.domain.customer import Customer, ExternalIdClaim
from casetrail.customers.domain.errors import (
    CannotMergeIntoItself,
    CustomerMerged,
    ExternalIdTaken,
)
from casetrail.customers.domain.values import CustomerStatus, Tier, customer_stream_id
from casetrail.customers.projections.customer_fold import CustomerFold
from casetrail.kernel.actor import Actor

AGENT = Actor(subject="agent-1", role="AGENT")
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def sarah(customer_id: str = "cust-sarah", **overrides: object) -> Customer:
    fields: dict[str, object] = {
        "customer_id": customer_id,
        "name": "Sarah Lee",
        "email": "sarah@example.com",
        "phone": None,
        "external_ids": {"shopify": "7421"},
        "timezone": "Europe/Berlin",
        "language": "de",
        "tier": Tier.VIP,
        "actor": AGENT,
        "at": T0,
    }
    return Customer.register(**(fields | overrides))  # type: ignore[arg-type]


def test_a_customer_is_registered_under_a_stream_derived_from_their_id() -> None:
    customer = sarah()
    assert customer.id == customer_stream_id("cust-sarah")
    assert (customer.name, customer.tier, customer.status) == (
        "Sarah Lee",
        Tier.VIP,
        CustomerStatus.ACTIVE,
    )
    assert customer.registered_by == AGENT


def test_only_fields_that_differ_are_recorded_and_null_clears() -> None:
    customer = sarah()
    customer.collect_events()
    customer.change_details({"name": "Sarah Lee", "phone": "+49 30 1234567"}, actor=AGENT, at=T0)
    customer.change_details({"language": None}, actor=AGENT, at=T0)
    customer.change_details({"tier": "vip"}, actor=AGENT, at=T0)  # unchanged: no event
    events = customer.collect_events()
    assert [event.changed for event in events] == [["phone"], ["language"]]  # type: ignore[attr-defined]
    assert (customer.phone, customer.language) == ("+49 30 1234567", None)


def test_a_merge_makes_the_duplicate_a_pointer_and_gives_the_survivor_its_ids() -> None:
    survivor, duplicate = (
        sarah(),
        sarah("cust-dup", external_ids={"gorgias": "g-9", "shopify": "1"}),
    )
    survivor.absorb(duplicate, actor=AGENT, at=T0 + timedelta(minutes=1))
    assert duplicate.merged_into == "cust-sarah"
    assert duplicate.status is CustomerStatus.MERGED
    assert survivor.merged_ids == ("cust-dup",)
    # The survivor keeps its own shopify id and takes the system it had none for.
    assert survivor.external_ids == {"shopify": "7421", "gorgias": "g-9"}


def test_merge_refuses_itself_and_customers_already_merged() -> None:
    survivor, duplicate, third = sarah(), sarah("cust-dup"), sarah("cust-3")
    with pytest.raises(CannotMergeIntoItself):
        survivor.absorb(sarah(), actor=AGENT, at=T0)
    survivor.absorb(duplicate, actor=AGENT, at=T0)
    with pytest.raises(CustomerMerged):
        third.absorb(duplicate, actor=AGENT, at=T0)
    with pytest.raises(CustomerMerged):
        duplicate.change_details({"name": "X"}, actor=AGENT, at=T0)


def test_merges_carry_what_was_merged_before() -> None:
    a, b, c = sarah("a"), sarah("b"), sarah("c")
    b.absorb(c, actor=AGENT, at=T0)
    a.absorb(b, actor=AGENT, at=T0)
    assert a.merged_ids == ("b", "c")


def test_an_external_id_claimed_by_one_customer_is_refused_to_another() -> None:
    claim = ExternalIdClaim.claim("shopify", "7421", "cust-a", actor=AGENT, at=T0)
    with pytest.raises(ExternalIdTaken) as refused:
        claim.reclaim("cust-b", actor=AGENT, at=T0)
    assert refused.value.problem_fields()["errors"][0]["field"] == "body.external_ids.shopify"
    claim.release("cust-a", actor=AGENT, at=T0)
    claim.reclaim("cust-b", actor=AGENT, at=T0)
    assert claim.customer_id == "cust-b"


def test_the_list_row_follows_every_event() -> None:
    survivor, duplicate = sarah(), sarah("cust-dup", external_ids={"gorgias": "g-9"})
    survivor.change_details({"email": "s.lee@example.com"}, actor=AGENT, at=T0)
    survivor.absorb(duplicate, actor=AGENT, at=T0)
    fold = CustomerFold()
    fold.apply_all([*survivor.collect_events(), *duplicate.collect_events()])
    rows = {row.customer_id: row for row in fold.rows.values()}
    assert rows["cust-sarah"].email == "s.lee@example.com"
    assert rows["cust-sarah"].external_ids == {"shopify": "7421", "gorgias": "g-9"}
    assert rows["cust-sarah"].merged_ids == ["cust-dup"]
    assert rows["cust-dup"].merged_into == "cust-sarah"
    assert rows["cust-sarah"].version == survivor.version
