"""What happens when an SLA timer fires: a breach, or an at-risk warning, recorded once per
clock (case, metric, cycle) with its due time and its detection time — also when no timer
worker ran at the due time (the worker fires it on its return, with the true due time).

The handlers write through the worker's connection, so the record — a row for the lists and
the outbox, and an event in the case's SLA ledger — commits with the timer being marked
fired. A clock the follower has since seen stop on time is not breached (a
reply that came in just before the deadline, decided on after it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import psycopg
from eventsourcing.application import Application
from prometheus_client import CollectorRegistry

from casetrail.platform.eventstore.in_transaction import append, lock_streams
from casetrail.platform.timers import Fire, Handler
from casetrail.sla.domain.ledger import Ledger, sla_ledger_id
from casetrail.sla.projections.clock_keeper import AT_RISK_TIMER, BREACH_TIMER
from casetrail.sla.projections.metrics import AlarmMetrics
from casetrail.sla.projections.tables import BREACHES, CLOCKS, WARNINGS

# Published messages take their ids from the fire, so a redelivery is recognisable.
PUBLISHED_NAMESPACE = UUID("2c1f7d36-5c0b-4f43-9a4e-7e2d8b1a9c55")


def _stopped_in_time(conn: psycopg.Connection[Any], fire: Fire, deadline: Any) -> bool:
    row = conn.execute(
        f"SELECT stopped_at FROM {CLOCKS} WHERE case_id = %s AND metric = %s AND cycle = %s",
        (fire.payload["case_id"], fire.payload["metric"], fire.payload["cycle"]),
    ).fetchone()
    return row is not None and row[0] is not None and row[0] <= deadline


def record_breach(
    conn: psycopg.Connection[Any], fire: Fire, metrics: AlarmMetrics, app: Application[Any]
) -> None:
    if _stopped_in_time(conn, fire, fire.due_at):
        return
    payload = fire.payload
    inserted = conn.execute(
        f"INSERT INTO {BREACHES} (case_id, metric, cycle, priority, department, due_at,"
        " detected_at, policy_id, policy_version, cause, published_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (
            payload["case_id"],
            payload["metric"],
            payload["cycle"],
            payload["priority"],
            payload.get("department"),
            fire.due_at,
            fire.detected_at,
            payload.get("policy_id"),
            payload.get("policy_version"),
            fire.cause,
            uuid5(PUBLISHED_NAMESPACE, fire.idempotency_key),
        ),
    ).rowcount
    if inserted:
        metrics.breaches.labels(payload["priority"], payload["metric"]).inc()
        ledger, version = _next_in_ledger(conn, app, payload["case_id"])
        append(
            conn,
            app,
            [
                Ledger.Breached(
                    originator_id=ledger,
                    originator_version=version,
                    timestamp=Ledger.Event.create_timestamp(),
                    **_clock_of(payload),
                    due_at=fire.due_at,
                    detected_at=fire.detected_at,
                    policy_id=payload.get("policy_id"),
                    policy_version=payload.get("policy_version"),
                    cause=fire.cause,
                )
            ],
        )


def record_warning(
    conn: psycopg.Connection[Any], fire: Fire, metrics: AlarmMetrics, app: Application[Any]
) -> None:
    if _stopped_in_time(conn, fire, fire.due_at):
        return
    payload = fire.payload
    inserted = conn.execute(
        f"INSERT INTO {WARNINGS} (case_id, metric, cycle, priority, department, at_risk_at,"
        " due_at, detected_at, cause, published_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (
            payload["case_id"],
            payload["metric"],
            payload["cycle"],
            payload["priority"],
            payload.get("department"),
            fire.due_at,
            payload.get("due_at"),
            fire.detected_at,
            fire.cause,
            uuid5(PUBLISHED_NAMESPACE, fire.idempotency_key),
        ),
    ).rowcount
    if inserted:
        metrics.at_risk.labels(payload["priority"], payload["metric"]).inc()
        ledger, version = _next_in_ledger(conn, app, payload["case_id"])
        due_at = payload.get("due_at")
        append(
            conn,
            app,
            [
                Ledger.WarnedAtRisk(
                    originator_id=ledger,
                    originator_version=version,
                    timestamp=Ledger.Event.create_timestamp(),
                    **_clock_of(payload),
                    at_risk_at=fire.due_at,
                    due_at=datetime.fromisoformat(due_at) if due_at else None,
                    detected_at=fire.detected_at,
                    cause=fire.cause,
                )
            ],
        )


def _next_in_ledger(
    conn: psycopg.Connection[Any], app: Application[Any], case_id: str
) -> tuple[UUID, int]:
    ledger = sla_ledger_id(case_id)
    return ledger, lock_streams(conn, app, [ledger])[ledger] + 1


def _clock_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "case_id": payload["case_id"],
        "metric": payload["metric"],
        "cycle": payload["cycle"],
        "priority": payload["priority"],
        "department": payload.get("department"),
    }


def alarm_handlers(app: Application[Any], registry: CollectorRegistry) -> Mapping[str, Handler]:
    metrics = AlarmMetrics(registry)

    def breach(conn: psycopg.Connection[Any], fire: Fire) -> None:
        record_breach(conn, fire, metrics, app)

    def warning(conn: psycopg.Connection[Any], fire: Fire) -> None:
        record_warning(conn, fire, metrics, app)

    return {BREACH_TIMER: breach, AT_RISK_TIMER: warning}
