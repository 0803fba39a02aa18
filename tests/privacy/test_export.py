"""The export: everything held about a customer, as JSON."""

from __future__ import annotations

from tests.fixtures.access import World


def test_a_customer_exports_their_cases_messages_history_and_context(world: World) -> None:
    mine = world.cases["mine"]
    url = f"/support/cases/{mine}/messages"
    note = {
        "author_type": "AGENT",
        "author_id": "agent-1",
        "body": "Difficult one",
        "internal": True,
    }
    reply = {"author_type": "AGENT", "author_id": "agent-1", "body": "We are on it"}
    world.as_("agent", "POST", url, json=note)
    world.as_("agent", "POST", url, json=reply)

    export = world.as_("customer", "GET", "/support/customers/cust-1/export")
    assert export.status_code == 200
    body = export.json()
    assert body["customer_id"] == "cust-1"
    assert {item["case"]["subject"] for item in body["cases"]} == {"Mine", "Free"}
    exported = next(item for item in body["cases"] if item["case"]["id"] == mine)
    assert [message["body"] for message in exported["messages"]] == ["We are on it"]
    assert [entry["type"] for entry in exported["history"]][:2] == ["Opened", "Assigned"]
    assert "Difficult one" not in export.text
    assert body["context"] == {"customer_id": "cust-1", "orders": [], "account_alerts": []}

    # A supervisor's export holds everything, internal notes included.
    full = world.as_("supervisor", "GET", "/support/customers/cust-1/export").json()
    exported = next(item for item in full["cases"] if item["case"]["id"] == mine)
    assert [message["body"] for message in exported["messages"]] == [
        "Difficult one",
        "We are on it",
    ]


def test_an_unknown_customer_exports_as_empty(world: World) -> None:
    body = world.as_("supervisor", "GET", "/support/customers/nobody/export").json()
    assert body["cases"] == []


def test_after_erasure_the_export_shows_erased_fields(world: World) -> None:
    erased = world.as_(
        "service_all", "POST", "/support/customers/cust-2/erasure", json={"reason": "request 9"}
    )
    assert erased.json()["requested_by"] == {"subject": "svc-admin", "role": "SERVICE"}
    body = world.as_("supervisor", "GET", "/support/customers/cust-2/export").json()
    assert [item["case"]["subject"] for item in body["cases"]] == ["[erased]"]
    assert world.as_("supervisor", "GET", "/support/customers/cust-1/export").json()["cases"]
    # The erasure itself is refused a blank reason.
    missing = world.as_("supervisor", "POST", "/support/customers/cust-1/erasure", json={})
    assert missing.status_code == 422
