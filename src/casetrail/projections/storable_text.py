"""Text as the read models store it: whatever the event store accepted, made storable.

PostgreSQL ``text`` and ``jsonb`` hold neither NUL nor a UTF-16 surrogate without its pair
(it has no UTF-8 form). The event store keeps events as bytes, so an event may carry
either; a view that refused them would stop at that event for good. Each such character
is stored as U+FFFD, the Unicode replacement character; a surrogate pair becomes the
character it encodes. Everything else (emoji, right-to-left marks) is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT_CHARACTER = "\ufffd"

_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with NUL and unpaired surrogates replaced by U+FFFD (a copy only if needed)."""
    if _NUL in text:
        text = text.replace(_NUL, REPLACEMENT_CHARACTER)
    if _SURROGATE.search(text) is not None:
        # Pairs join into their character; what is left alone cannot be decoded: U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def storable_json(value: Any) -> Any:
    """A JSON-ready value with every string in it (keys too) made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {
            storable_text(key) if isinstance(key, str) else key: storable_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [storable_json(item) for item in value]
    return value
