"""Presence leases as durable timers: each lease an agent's presence holds is armed as the
timer ``agents.presence:<agent id>`` due when the lease ends; a renewal moves it, going
offline disarms it. When it fires, the handler records ``PresenceExpired`` (unless the agent
renewed or left meanwhile: the aggregate decides).

The timers are armed in the transaction that moves this projection's position (see
docs/timers.md), so a timer exists exactly when the event that caused it has been followed,
and a rebuild arms nothing twice (a (key, due time) that fired stays fired).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import Composed

from casetrail.agents.domain.agent import Agent
from casetrail.platform.subscriptions.view import BatchedView
from casetrail.platform.timers import cancel, create_tables, schedule

PRESENCE_LEASES = "agent_presence_leases"
PRESENCE_EXPIRED = "agents.presence.expired"


def lease_timer_key(agent_stream_id: UUID) -> str:
    """One timer per agent (keyed by the agent's stream): a renewal moves it."""
    return f"agents.presence:{agent_stream_id}"


class PresenceLeases(BatchedView):
    projection_name = PRESENCE_LEASES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer_tables_ready = False

    def create_statements(self) -> list[Composed]:
        return []  # no rows of its own: its effect is the timers

    def public_views(self) -> Mapping[str, Composed]:
        return {}

    def delete_stream_rows(self, curs: Cursor[DictRow], stream_ids: Sequence[UUID]) -> None:
        """No rows to rewrite (an erasure rewrites what customers' streams made; a lease is
        an agent's, and armed already)."""
        del curs, stream_ids

    def write(self, curs: Cursor[DictRow], events: Sequence[Any]) -> None:
        conn = curs.connection
        for event in events:
            if not isinstance(event, Agent.Event):
                continue
            if not self._timer_tables_ready:
                create_tables(conn)
                self._timer_tables_ready = True
            key = lease_timer_key(event.originator_id)
            expires_at = _lease_end(event)
            if expires_at is not None:
                schedule(
                    conn,
                    key,
                    expires_at,
                    kind=PRESENCE_EXPIRED,
                    payload={
                        "agent_stream_id": str(event.originator_id),
                        "lease_expired_at": expires_at.isoformat(),
                    },
                    cause=(
                        f"{type(event).__name__} (version {event.originator_version}) of agent"
                        f" stream {event.originator_id} at {event.timestamp.isoformat()}:"
                        f" no renewal by {expires_at.isoformat()}"
                    ),
                )
            elif isinstance(event, Agent.PresenceChanged | Agent.PresenceExpired):
                cancel(conn, key)


def _lease_end(event: Agent.Event) -> datetime | None:
    if isinstance(event, Agent.PresenceChanged | Agent.PresenceRenewed):
        return event.expires_at
    return None
