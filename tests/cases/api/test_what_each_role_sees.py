"""Beyond yes or no: lists narrowed to what a caller may see, notes hidden, data masked."""

from __future__ import annotations

from casetrail.platform.masking import pseudonym
from tests.fixtures.access import World


def subjects(response: object) -> set[str]:
    return {item["subject"] for item in response.json()["items"]}  # type: ignore[attr-defined]


def test_an_agent_lists_their_cases_and_unassigned_ones(world: World) -> None:
    assert subjects(world.as_("agent", "GET", "/support/cases")) == {"Mine", "Free"}
    assert subjects(world.as_("agent", "GET", "/support/customers/cust-2/cases")) == set()


def test_a_customer_lists_only_their_own_cases(world: World) -> None:
    assert subjects(world.as_("customer", "GET", "/support/cases")) == {"Mine", "Free"}
    other = world.as_("customer", "GET", "/support/cases", params={"customer_id": "cust-2"})
    assert other.status_code == 404


def test_customers_and_analysts_never_see_internal_notes(world: World) -> None:
    url = f"/support/cases/{world.cases['mine']}/messages"
    note = {
        "author_type": "AGENT",
        "author_id": "agent-1",
        "body": "VIP, be nice",
        "internal": True,
    }
    reply = {"author_type": "AGENT", "author_id": "agent-1", "body": "On it"}
    assert world.as_("agent", "POST", url, json=note).status_code == 201
    assert world.as_("agent", "POST", url, json=reply).status_code == 201
    bodies = {
        caller: [item["body"] for item in world.as_(caller, "GET", url).json()["items"]]
        for caller in ("agent", "customer", "analyst")
    }
    assert bodies == {
        "agent": ["VIP, be nice", "On it"],
        "customer": ["On it"],
        "analyst": ["On it"],
    }
    history = world.as_("analyst", "GET", f"/support/cases/{world.cases['mine']}/history")
    assert "VIP, be nice" not in history.text


def test_services_read_the_conversation_as_customers_do(world: World) -> None:
    case_url = f"/support/cases/{world.cases['mine']}"
    note = {"body": "Refund fraud suspected", "internal": True}
    assert world.as_("agent", "POST", f"{case_url}/messages", json=note).status_code == 201
    for surface in ("messages", "history"):
        seen = world.as_("service_read", "GET", f"{case_url}/{surface}")
        assert seen.status_code == 200
        assert "Refund fraud suspected" not in seen.text, surface
    staff = world.as_("agent", "GET", f"{case_url}/history")
    assert "Refund fraud suspected" in staff.text


def test_people_post_as_themselves_and_services_may_speak_for_others(world: World) -> None:
    url = f"/support/cases/{world.cases['mine']}/messages"
    as_customer = {"author_type": "CUSTOMER", "author_id": "cust-1", "body": "I got it"}
    assert world.as_("agent", "POST", url, json=as_customer).status_code == 403
    assert world.as_("supervisor", "POST", url, json=as_customer).status_code == 403
    own = world.as_("agent", "POST", url, json={"body": "Glad to hear"})
    assert own.status_code == 201
    imported = world.as_("service_all", "POST", url, json=as_customer)
    assert imported.status_code == 201
    history = world.as_("supervisor", "GET", f"/support/cases/{world.cases['mine']}/history")
    posted = [item for item in history.json()["items"] if item["type"] == "MessagePosted"]
    authors = [
        (item["data"]["author_type"], item["data"]["author_id"], item["actor"]["role"])
        for item in posted
    ]
    # The message names its author; the event also records who actually posted it.
    assert authors[-2:] == [("AGENT", "agent-1", "AGENT"), ("CUSTOMER", "cust-1", "SERVICE")]


def test_a_customer_cannot_write_notes_or_speak_for_someone_else(world: World) -> None:
    url = f"/support/cases/{world.cases['mine']}/messages"
    note = {"author_type": "CUSTOMER", "author_id": "cust-1", "body": "x", "internal": True}
    as_agent = {"author_type": "AGENT", "author_id": "agent-1", "body": "refund approved"}
    assert world.as_("customer", "POST", url, json=note).status_code == 403
    assert world.as_("customer", "POST", url, json=as_agent).status_code == 403
    other = {"customer_id": "cust-2", "subject": "Not mine"}
    assert world.as_("customer", "POST", "/support/cases", json=other).status_code == 403


def test_analysts_see_personal_data_masked(world: World) -> None:
    opened = world.as_(
        "supervisor",
        "POST",
        "/support/cases",
        json={
            "customer_id": "cust-9",
            "subject": "Call me on +44 20 7946 0958",
            "description": "or mail jane.doe@example.com",
        },
    ).json()
    url = f"/support/cases/{opened['id']}"
    world.as_(
        "service_all",
        "POST",
        f"{url}/messages",
        json={
            "author_type": "CUSTOMER",
            "author_id": "cust-9",
            "body": "jane.doe@example.com here",
            "attachment_uri": "https://files.example/jane.pdf",
        },
    )
    case = world.as_("analyst", "GET", url).json()
    assert (case["customer_id"], case["subject"], case["description"]) == (
        pseudonym("cust-9"),
        "Call me on [phone]",
        "or mail [email]",
    )
    message = world.as_("analyst", "GET", f"{url}/messages").json()["items"][0]
    assert (message["author_id"], message["body"], message["attachment_uri"]) == (
        pseudonym("cust-9"),
        "[email] here",
        None,
    )
    listed = world.as_("analyst", "GET", "/support/cases", params={"fields": "subject"})
    assert "Call me on [phone]" in subjects(listed)
    history = world.as_("analyst", "GET", f"{url}/history").text
    for personal in ("jane", "7946", "cust-9"):
        assert personal not in history
    # Staff see the case as it is.
    assert world.as_("supervisor", "GET", url).json()["subject"] == "Call me on +44 20 7946 0958"


def test_analysts_and_customers_get_no_timeline(world: World) -> None:
    url = f"/support/cases/{world.cases['mine']}"
    for caller in ("analyst", "customer"):
        response = world.as_(caller, "GET", url, params={"includeTimeline": "true"})
        assert response.status_code == 403
