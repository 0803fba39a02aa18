"""The handler of the presence timers: a lease nobody renewed lapses (docs/timers.md).

Its effect is an event-store command, so it does not write through the worker's connection:
it records ``PresenceExpired`` under the fire's idempotency key, so a crash between the
command's commit and the timer's repeats a command that changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from casetrail.agents.service.directory import Directory
from casetrail.platform.timers import Fire, Handler


def presence_expiry_handler(directory: Directory) -> Handler:
    def expire(conn: psycopg.Connection[Any], fire: Fire) -> None:
        del conn  # the effect is an event-store command, idempotent under the fire's key
        directory.expire_presence(
            UUID(str(fire.payload["agent_stream_id"])),
            lease_expired_at=datetime.fromisoformat(str(fire.payload["lease_expired_at"])),
            cause=f"timer {fire.timer_key} due {fire.due_at.isoformat()}: {fire.cause}",
            idempotency_key=fire.idempotency_key,
            detected_at=fire.detected_at,
        )

    return expire


HandlerFactory = Callable[[Directory], Handler]
