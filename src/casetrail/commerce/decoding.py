"""Bytes off the wire → a validated event, or the reason it is poison.

Decoding never raises for bad input: a message that cannot be understood is a
:class:`Rejection`, which the processor sends to the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import ValidationError

from casetrail.commerce.events import CommerceEvent
from casetrail.commerce.topics import TopicMap

MAX_ERROR_TEXT = 1_000


class RawMessage(NamedTuple):
    """One message as it arrived; ``partition``/``offset`` are None outside Kafka (a file).
    (A named tuple: one is built per message, and tuples are the cheapest to build.)"""

    topic: str
    value: bytes | None
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None

    @property
    def position(self) -> tuple[str, int] | None:
        if self.partition is None or self.offset is None:
            return None
        return (self.topic, self.partition)


class RejectReason(StrEnum):
    EMPTY = "empty"  # no value at all (a tombstone)
    NOT_JSON = "not-json"
    INVALID = "invalid"  # JSON, but not what the schema allows (missing fields, wrong types)
    UNKNOWN_TOPIC = "unknown-topic"
    # Valid against the schema, yet a value the database cannot store.
    REFUSED = "refused-by-database"


class Rejection(NamedTuple):
    message: RawMessage
    reason: RejectReason
    error: str


class Decoded(NamedTuple):
    message: RawMessage
    event: CommerceEvent


def decode(message: RawMessage, topics: TopicMap) -> Decoded | Rejection:
    model = topics.model(message.topic)
    if model is None:
        return Rejection(
            message, RejectReason.UNKNOWN_TOPIC, f"not a commerce topic: {message.topic}"
        )
    if not message.value:
        return Rejection(message, RejectReason.EMPTY, "the message has no value")
    try:
        event = model.model_validate_json(message.value)
    except ValidationError as error:
        problems = error.errors(include_url=False, include_input=False)
        if any(problem["type"] == "json_invalid" for problem in problems):
            return Rejection(message, RejectReason.NOT_JSON, _describe(problems))
        return Rejection(message, RejectReason.INVALID, _describe(problems))
    return Decoded(message, event)


def _describe(problems: Sequence[Any]) -> str:
    parts = []
    for problem in problems:
        where = ".".join(str(part) for part in problem.get("loc", ())) or "message"
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 1] + "…"
