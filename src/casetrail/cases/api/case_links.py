"""OpenAPI links from an opened case to what can be done with it.

They tell clients (and contract testers following them) that the ``id`` answered by
``POST /support/cases`` is the ``case_id`` of every case operation, and its customer the
``customer_id`` of the customer operations.
"""

from __future__ import annotations

from typing import Any

CASE_ID = "$response.body#/id"
CUSTOMER_ID = "$request.body#/customer_id"

_CASE_OPERATIONS = {
    "GetCase": ("/support/cases/{case_id}", "get"),
    "ListMessages": ("/support/cases/{case_id}/messages", "get"),
    "PostMessage": ("/support/cases/{case_id}/messages", "post"),
    "GetHistory": ("/support/cases/{case_id}/history", "get"),
    "ChangeStatus": ("/support/cases/{case_id}/status", "post"),
    "ChangePriority": ("/support/cases/{case_id}/priority", "post"),
    "Assign": ("/support/cases/{case_id}/assignee", "put"),
    "Unassign": ("/support/cases/{case_id}/assignee", "delete"),
    "Escalate": ("/support/cases/{case_id}/escalations", "post"),
    "Tag": ("/support/cases/{case_id}/tags", "post"),
    "Untag": ("/support/cases/{case_id}/tags/{tag}", "delete"),
}
_CUSTOMER_OPERATIONS = {
    "CustomerCases": ("/support/customers/{customer_id}/cases", "get"),
    "CustomerContext": ("/support/customers/{customer_id}/context", "get"),
    "CustomerExport": ("/support/customers/{customer_id}/export", "get"),
}


def operation_ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901 escaping of the path)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _links(operations: dict[str, tuple[str, str]], parameter: str, value: str) -> dict[str, Any]:
    return {
        name: {"operationRef": operation_ref(path, method), "parameters": {parameter: value}}
        for name, (path, method) in operations.items()
    }


CASE_OPENED_LINKS: dict[str, Any] = {
    **_links(_CASE_OPERATIONS, "case_id", CASE_ID),
    **_links(_CUSTOMER_OPERATIONS, "customer_id", CUSTOMER_ID),
}
