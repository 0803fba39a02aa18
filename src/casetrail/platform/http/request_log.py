"""One log line per request — method, route template, status, latency, request id,
principal, and the case or agent the route names — and the request id on the answer.

A caller's ``X-Request-ID`` is kept (when it is a plain token of at most 128 characters),
so one id follows a request through a gateway and casetrail; without one, an id is made.
Every line logged while the request is served carries the same id.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casetrail.platform.logs import log_context

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
# Path parameters that name what a request is about, as the log line names them.
_SUBJECT_PARAMETERS = {"case_id": "ticket_id", "agent_id": "agent_id"}

logger = logging.getLogger("casetrail.http")


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1").strip()
            if _ACCEPTED_REQUEST_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


def note_for_log(request: Request, **fields: Any) -> None:
    """Fields for this request's log line a route learns while serving it (the id of a
    case it opened, the agent it assigned)."""
    noted: dict[str, Any] = request.scope.setdefault("state", {}).setdefault("log_fields", {})
    noted.update(fields)


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope["headers"])
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if logger.isEnabledFor(logging.INFO):
                    fields = _line(scope, status, time.perf_counter() - started)
                    level = logging.ERROR if status >= 500 else logging.INFO
                    logger.log(level, "request", extra=fields)


def _line(scope: Scope, status: int, seconds: float) -> dict[str, Any]:
    state: MutableMapping[str, Any] = scope.get("state") or {}
    principal = state.get("principal")
    fields: dict[str, Any] = {
        "method": scope["method"],
        "route": getattr(scope.get("route"), "path", "unmatched"),
        "status": status,
        "latency_ms": round(seconds * 1000, 3),
        "principal": principal.client_key if principal is not None else None,
    }
    for parameter, name in _SUBJECT_PARAMETERS.items():
        value = (scope.get("path_params") or {}).get(parameter)
        if value is not None:
            fields[name] = str(value)
    fields.update(state.get("log_fields") or {})
    return fields
