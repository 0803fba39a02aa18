"""The SLA context's tables in the event store's database.

- ``sla_cases``: each case's facts as the clocks follow them, whether it is closed, and the
  last event a decision about it was recorded on (the decisions themselves are events in the
  case's SLA ledger, ``sla.domain.ledger``);
- ``sla_conversations``: which case a conversation belongs to;
- ``sla_clocks``: each clock (case, metric, cycle) as last decided;
- ``sla_breaches`` and ``sla_warnings``: a breach or at-risk warning per clock, recorded once
  when its timer fired, with the due time and the detection time; the outbox of the
  ``support.case.sla.*`` messages (``published_at`` once Kafka acknowledged them);
- ``vw_case_sla_due``: each case's earliest running deadline, which the case list shows and
  sorts by (handed to the cases context as its ``CaseDueTimes``);
- ``vw_support_sla``: the clocks for analysts (Trino's ``support`` catalog), one row each,
  as last decided: for a stopped clock its final figures, for a running one its deadline.
"""

from __future__ import annotations

from typing import Any

import psycopg

CASES = "sla_cases"
CONVERSATIONS = "sla_conversations"
CLOCKS = "sla_clocks"
BREACHES = "sla_breaches"
WARNINGS = "sla_warnings"
# What analysts query through Trino: one row per clock, as last decided.
SLA_VIEW = "vw_support_sla"
# Each case's earliest running deadline: what the case list shows and sorts by (sla_due).
CASE_DUE_VIEW = "vw_case_sla_due"

_DDL = f"""
CREATE TABLE IF NOT EXISTS {CASES} (
    case_id uuid PRIMARY KEY,
    customer_id text,
    facts jsonb NOT NULL,
    closed boolean NOT NULL DEFAULT false
);
ALTER TABLE {CASES} ADD COLUMN IF NOT EXISTS decided_through bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS {CONVERSATIONS} (
    conversation_id uuid PRIMARY KEY,
    case_id uuid NOT NULL
);
CREATE TABLE IF NOT EXISTS {CLOCKS} (
    case_id uuid NOT NULL,
    metric text NOT NULL,
    cycle integer NOT NULL,
    state text NOT NULL,
    priority text NOT NULL,
    department text,
    target_seconds bigint NOT NULL,
    elapsed_seconds bigint NOT NULL,
    started_at timestamptz NOT NULL,
    stopped_at timestamptz,
    due_at timestamptz,
    at_risk_at timestamptz,
    policy_id uuid NOT NULL,
    policy_version integer NOT NULL,
    calendar_id uuid,
    calendar_version integer,
    decided_at timestamptz NOT NULL,
    cause_ref text NOT NULL,
    PRIMARY KEY (case_id, metric, cycle)
);
CREATE INDEX IF NOT EXISTS {CLOCKS}_open_due ON {CLOCKS} (due_at) WHERE stopped_at IS NULL;
CREATE TABLE IF NOT EXISTS {BREACHES} (
    case_id uuid NOT NULL,
    metric text NOT NULL,
    cycle integer NOT NULL,
    priority text NOT NULL,
    department text,
    due_at timestamptz NOT NULL,
    detected_at timestamptz NOT NULL,
    policy_id uuid,
    policy_version integer,
    cause text NOT NULL,
    published_id uuid NOT NULL UNIQUE,
    published_at timestamptz,
    PRIMARY KEY (case_id, metric, cycle)
);
CREATE TABLE IF NOT EXISTS {WARNINGS} (
    case_id uuid NOT NULL,
    metric text NOT NULL,
    cycle integer NOT NULL,
    priority text NOT NULL,
    department text,
    at_risk_at timestamptz NOT NULL,
    due_at timestamptz,
    detected_at timestamptz NOT NULL,
    cause text NOT NULL,
    published_id uuid NOT NULL UNIQUE,
    published_at timestamptz,
    PRIMARY KEY (case_id, metric, cycle)
);
"""

_VIEW = f"""
CREATE OR REPLACE VIEW {SLA_VIEW} AS
SELECT c.case_id, c.metric, c.cycle, c.state, c.priority, c.department,
       c.target_seconds, c.elapsed_seconds AS business_seconds_elapsed,
       GREATEST(c.target_seconds - c.elapsed_seconds, 0) AS business_seconds_remaining,
       c.started_at, c.stopped_at, c.due_at, c.at_risk_at,
       c.policy_id, c.policy_version, c.calendar_id, c.calendar_version,
       c.decided_at, c.cause_ref,
       b.case_id IS NOT NULL AS breach_recorded, b.detected_at AS breach_detected_at
FROM {CLOCKS} c
LEFT JOIN {BREACHES} b ON b.case_id = c.case_id AND b.metric = c.metric AND b.cycle = c.cycle
"""

_CASE_DUE = f"""
CREATE OR REPLACE VIEW {CASE_DUE_VIEW} AS
SELECT case_id, min(due_at) AS due_at FROM {CLOCKS}
WHERE stopped_at IS NULL AND due_at IS NOT NULL
GROUP BY case_id
"""

_CREATE_LOCK = 0x736C61  # "sla"


def create_sla_tables(conn: psycopg.Connection[Any]) -> None:
    """Create the tables if they are missing; safe from several processes at once."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))
        conn.execute(_DDL)
        conn.execute(_VIEW)
        conn.execute(_CASE_DUE)
