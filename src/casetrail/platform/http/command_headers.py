"""The headers that come with a command, whatever it commands: ``If-Match`` (the version the
client saw: a stale one is refused, not retried) and ``Idempotency-Key`` (repeat a request
safely: the same caller repeating a key with the same request gets the first answer).

Each context turns them into its own command context with the actor:

```python
async def command_context(
    actor: Annotated[Actor, Depends(current_actor)], headers: CommandHeadersDep
) -> CommandContext:
    return CommandContext(actor=actor, **headers.as_fields())
```
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from casetrail.platform.http.problems import ApiProblem

# A version: ASCII digits only (``str.isdigit`` also takes "²"), and few enough that it fits
# the event store's bigint.
_VERSION_TAG = re.compile(r"[0-9]{1,18}")
# What the OpenAPI promises ``parse_if_match`` accepts (it also takes surrounding spaces).
IF_MATCH_PATTERN = r'^(W/)?"?[0-9]{1,18}"?$'


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if _VERSION_TAG.fullmatch(tag) is None:
        raise ApiProblem(
            400,
            "invalid-if-match",
            "Invalid If-Match header",
            f'If-Match must be a version such as "3", not {value!r}',
        )
    return int(tag)


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description='The version the client saw, as its ETag gives it ("3"); a stale one'
            " is a 409, anything else a 400.",
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> int | None:
    return parse_if_match(if_match)


@dataclass(frozen=True)
class CommandHeaders:
    expected_version: int | None = None
    idempotency_key: str | None = None
    # What the key was first used for (method, path and body): the same key with another
    # request is refused instead of answered with the first request's result.
    fingerprint: str = ""

    def as_fields(self) -> dict[str, Any]:
        return asdict(self)


async def command_headers(
    request: Request,
    version: Annotated[int | None, Depends(expected_version)],
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1, max_length=255, description="Repeat a request safely with the same key."
        ),
    ] = None,
) -> CommandHeaders:
    fingerprint = ""
    if idempotency_key is not None:
        digest = hashlib.sha256()
        for part in (request.method.encode(), request.url.path.encode(), await request.body()):
            digest.update(part)
            digest.update(b"\0")
        fingerprint = digest.hexdigest()
    return CommandHeaders(version, idempotency_key, fingerprint)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
CommandHeadersDep = Annotated[CommandHeaders, Depends(command_headers)]
