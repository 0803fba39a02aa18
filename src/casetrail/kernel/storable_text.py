"""Text PostgreSQL can hold, in one place: refused at the HTTP edge, made storable by the
read models.

PostgreSQL ``text`` and ``jsonb`` hold neither NUL nor a UTF-16 surrogate without its pair
(it has no UTF-8 form). The event store keeps events as bytes, so an event may carry
either; a view that refused them would stop at that event for good. Each such character
is stored as U+FFFD, the Unicode replacement character; a surrogate pair becomes the
character it encodes. Everything else (emoji, right-to-left marks) is kept as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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


# NUL, and the surrogate code points that only a JSON ``\\ud800`` escape can produce.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

UNSTORABLE_MESSAGE = "must not contain NUL characters or unpaired surrogates"


def is_storable(text: str) -> bool:
    """Whether PostgreSQL ``text`` can hold ``text`` as it is (the edge refuses it if not)."""
    return _UNSTORABLE.search(text) is None


def unstorable_in(value: Any) -> bool:
    """Whether any text inside ``value`` (strings, lists, mappings) cannot be stored."""
    if isinstance(value, str):
        return not is_storable(value)
    if isinstance(value, Mapping):
        return any(unstorable_in(key) or unstorable_in(item) for key, item in value.items())
    if isinstance(value, Iterable) and not isinstance(value, bytes | bytearray):
        return any(unstorable_in(item) for item in value)
    return False
