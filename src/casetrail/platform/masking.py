"""Personal data masked for analysts, who see patterns, never people.

Customer ids become stable pseudonyms (so analysts can still count cases per customer),
e-mail addresses and phone numbers inside free text become placeholders, and attachment
URIs are dropped. The same rules, in SQL, shape the analyst views in Trino
(``casetrail.privacy.analyst_views``): an analyst sees one picture either way.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, TypeVar

from pydantic import BaseModel

# POSIX-compatible on purpose: the analyst views use the same patterns in PostgreSQL.
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE_PATTERN = r"\+?[0-9][0-9 ().-]{6,}[0-9]"
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
PSEUDONYM_PREFIX = "cust-"
# The author type of a message the customer wrote: their id is personal data too.
CUSTOMER_AUTHOR = "CUSTOMER"

_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)

M = TypeVar("M", bound=BaseModel)


def mask_text(text: str) -> str:
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))


def pseudonym(customer_id: str) -> str:
    # sha256, first 16 hex digits: PostgreSQL computes the same with sha256() in the views.
    return PSEUDONYM_PREFIX + hashlib.sha256(customer_id.encode()).hexdigest()[:16]


def _masked_value(name: str, value: Any, author_type: Any = None) -> Any:
    if value is None:
        return None
    if name == "customer_id" or name.endswith("_customer_id"):  # e.g. a case moved between two
        return pseudonym(str(value))
    if name in ("subject", "description", "body", "reason"):
        return mask_text(str(value))
    if name == "attachment_uri":
        return None
    if name == "author_id" and str(author_type) == CUSTOMER_AUTHOR:
        return pseudonym(str(value))
    return value


def mask_model(model: M) -> M:
    """The same response with its personal fields masked; unset fields stay unset."""
    author_type = getattr(model, "author_type", None)
    update = {
        name: _masked_value(name, getattr(model, name), author_type)
        for name in model.model_fields_set
    }
    return model.model_copy(update=update)


def mask_data(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as the history shows it."""
    author_type = data.get("author_type")
    return {name: _masked_value(name, value, author_type) for name, value in data.items()}
