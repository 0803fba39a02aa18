"""Opaque page cursors: where the next page starts, bound to the query that made them.

A cursor is base64url JSON. It is not secret, only opaque: clients pass it back as they
got it. Each names its kind and a fingerprint of the query (filters and sort), so a cursor
replayed against another query is refused instead of silently paging something else.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from casetrail.kernel.storable_text import unstorable_in

_VERSION = 1
MAX_CURSOR_LENGTH = 2_048
CURSOR_PATTERN = "^[A-Za-z0-9_-]+$"
CURSOR_DESCRIPTION = (
    "A next_cursor of an earlier page, passed back unchanged with the same filters and sort;"
    " any other value is a 422."
)


class InvalidCursor(ValueError):
    """The cursor is malformed or belongs to another query."""


def encode_cursor(kind: str, scope: str, key: Sequence[Any]) -> str:
    payload = {"v": _VERSION, "k": kind, "s": scope, "p": list(key)}
    raw = json.dumps(payload, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, kind: str, scope: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor("the cursor is not one this API issued") from None
    if not isinstance(payload, dict) or payload.get("v") != _VERSION:
        raise InvalidCursor("the cursor is not one this API issued")
    if payload.get("k") != kind or payload.get("s") != scope:
        raise InvalidCursor(
            "the cursor belongs to another query: repeat the same filters and sort, "
            "or start again without a cursor"
        )
    key = payload.get("p")
    if not isinstance(key, list) or not all(_storable_key_part(part) for part in key):
        raise InvalidCursor("the cursor is not one this API issued")
    return key


def _storable_key_part(part: Any) -> bool:
    """A crafted cursor must not reach the database with what it cannot hold."""
    if isinstance(part, int) and not isinstance(part, bool):
        return -(2**63) <= part < 2**63
    return not unstorable_in(part)
