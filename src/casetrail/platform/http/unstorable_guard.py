"""Refuse requests whose path, query or headers carry text the read models cannot hold.

Body fields are checked by the request models themselves (``schemas.Request``); this guard
covers what arrives before any model: path parameters (``/tags/a%00b``), query parameters
(``?q=%00``) and header values. Each answers 422 naming the place, like a validation error.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from casetrail.kernel.storable_text import UNSTORABLE_MESSAGE, is_storable
from casetrail.platform.http.problems import PROBLEM_BASE, PROBLEM_JSON


def unstorable_places(scope: Scope) -> list[str]:
    """Where the request carries unstorable text: ``path``, ``query.<name>``, ``header.<name>``."""
    places: list[str] = []
    if not is_storable(scope.get("path", "")):
        places.append("path")
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if not (is_storable(name) and is_storable(value)):
            places.append(f"query.{name if is_storable(name) else '?'}")
    for raw_name, raw_value in scope.get("headers", ()):
        if b"\x00" in raw_name or b"\x00" in raw_value:
            name = raw_name.replace(b"\x00", b"?").decode("latin-1")
            places.append(f"header.{name}")
    return places


class UnstorableTextGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        places = unstorable_places(scope)
        if not places:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1007})
            return
        body = json.dumps(
            {
                "type": PROBLEM_BASE + "validation",
                "title": "Invalid request",
                "status": 422,
                "instance": scope.get("path", "").replace("\x00", "\ufffd"),
                "detail": "; ".join(f"{place}: {UNSTORABLE_MESSAGE}" for place in places),
                "errors": [
                    {"field": place, "message": UNSTORABLE_MESSAGE, "type": "unstorable_text"}
                    for place in places
                ],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
