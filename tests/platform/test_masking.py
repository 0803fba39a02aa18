"""Masking for analysts: a customer's id is a pseudonym wherever it appears, also as the
author of the messages they wrote; staff ids stay as they are."""

from __future__ import annotations

from casetrail.cases.domain.values import AuthorType
from casetrail.platform.masking import mask_data, pseudonym


def test_the_author_of_a_customer_message_becomes_their_pseudonym() -> None:
    data = {"author_type": AuthorType.CUSTOMER.value, "author_id": "cust-1", "body": "hi"}
    assert mask_data(data)["author_id"] == pseudonym("cust-1")


def test_a_staff_author_keeps_their_id() -> None:
    data = {"author_type": AuthorType.AGENT.value, "author_id": "agent-1", "body": "hi"}
    assert mask_data(data)["author_id"] == "agent-1"


def test_contacts_in_free_text_become_placeholders() -> None:
    masked = mask_data({"body": "mail jane@example.com or call +44 20 7946 0000"})
    assert masked["body"] == "mail [email] or call [phone]"
