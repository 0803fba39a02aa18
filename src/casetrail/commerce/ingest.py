"""Loading commerce events from a JSON-lines file, without Kafka.

Each line is one message: ``{"topic": "order.status.changed", "key": "cust-1", "value":
{…the event…}}`` (the format ``casetrail generate-commerce`` writes). Lines go through the
same validation and the same store as Kafka messages; what is refused is reported with its
line number instead of going to a dead-letter topic. Loading a file twice changes nothing:
events already in the log are duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from casetrail.commerce.dead_letters import (
    ERROR,
    ORIGINAL_OFFSET,
    REASON,
    DeadLetter,
    DeadLetterLimit,
)
from casetrail.commerce.decoding import RawMessage
from casetrail.commerce.ports import ContextStore
from casetrail.commerce.processor import BatchProcessor
from casetrail.commerce.topics import TopicMap

INGEST_GROUP = "ingest"


@dataclass(frozen=True)
class RefusedLine:
    line: int
    reason: str
    error: str


@dataclass
class IngestTotals:
    lines: int = 0
    applied: int = 0
    duplicates: int = 0
    refused: list[RefusedLine] = field(default_factory=list)


class RefusedLines:
    """The dead-letter sink of a file load: remembers which lines were refused and why."""

    def __init__(self) -> None:
        self.lines: list[RefusedLine] = []

    def send(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters:
            headers = {name: value.decode() for name, value in letter.headers}
            self.lines.append(
                RefusedLine(
                    line=int(headers[ORIGINAL_OFFSET]),
                    reason=headers[REASON],
                    error=headers.get(ERROR, ""),
                )
            )


def file_messages(lines: IO[bytes], refused: list[RefusedLine]) -> Iterator[RawMessage]:
    """One message per line; a line that is not a message envelope is refused here."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            envelope = json.loads(line)
            topic, value = envelope["topic"], envelope["value"]
            key = envelope.get("key")
            if not isinstance(topic, str):
                raise TypeError("topic must be a string")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            refused.append(
                RefusedLine(
                    number,
                    "not-a-message",
                    f'expected {{"topic": …, "key": …, "value": {{…}}}}: {error}',
                )
            )
            continue
        yield RawMessage(
            topic=topic,
            # The value is validated from JSON text, exactly as it would be off Kafka.
            value=json.dumps(value).encode() if not isinstance(value, str) else value.encode(),
            key=str(key).encode() if key is not None else None,
            offset=number,
        )


def ingest_file(
    path: Path,
    store: ContextStore,
    *,
    topics: TopicMap | None = None,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> IngestTotals:
    """Load every line; ``progress`` gets the number of bytes read so far after each batch."""
    sink = RefusedLines()
    totals = IngestTotals()
    processor = BatchProcessor(
        store,
        sink,
        topics=topics or TopicMap(),
        group=INGEST_GROUP,
        limit=DeadLetterLimit(None),
    )
    with path.open("rb") as lines:
        messages = file_messages(lines, totals.refused)
        while batch := list(islice(messages, batch_size)):
            result = processor.process(batch)
            totals.lines += len(batch)
            totals.applied += result.applied
            totals.duplicates += result.duplicates
            if progress is not None:
                progress(lines.tell())
    totals.lines += len(totals.refused)
    totals.refused = sorted(totals.refused + sink.lines, key=lambda refused: refused.line)
    return totals
