"""The port of the timeline's answer cache (Redis, or this process's memory).

A cached answer is valid while the generations of its case and of its conversation are what
they were when the answer was *started*: invalidation bumps a generation after each commit,
so an answer computed from data older than the commit is stored under a stale stamp and
never served, even when its store lands after the invalidation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes  # the JSON response
    version: int  # the case version (the ETag)
    position: int  # every timeline projection had applied the log up to here


@dataclass(frozen=True)
class Lookup:
    answer: CachedAnswer | None
    # The generations read before any data: store the answer under it. None: the cache is
    # unavailable (serve uncached, store nothing).
    stamp: str | None


class AnswerCache(Protocol):
    async def lookup(self, case_id: UUID, variant: str) -> Lookup:
        """Never raises: an unavailable cache answers ``Lookup(None, None)``."""
        ...

    async def store(self, case_id: UUID, variant: str, stamp: str, answer: CachedAnswer) -> None:
        """Never raises."""
        ...


def encode_answer(stamp: str, answer: CachedAnswer) -> bytes:
    return f"{stamp} {answer.version} {answer.position}\n".encode() + answer.body


def decode_answer(value: bytes, stamp: str) -> CachedAnswer | None:
    """The answer if it was stored under ``stamp`` (else it is out of date)."""
    header, _, body = value.partition(b"\n")
    stored_stamp, version, position = header.decode().split(" ")
    if stored_stamp != stamp:
        return None
    return CachedAnswer(body=body, version=int(version), position=int(position))
