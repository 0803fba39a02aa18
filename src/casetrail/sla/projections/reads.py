"""The SLA lists and dashboard on PostgreSQL, from the tables the ``sla.clocks`` subscriber
and the breach timers keep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg

from casetrail.sla.domain.reads import (
    AtRiskRow,
    BreachFilter,
    BreachRow,
    DashboardRow,
)
from casetrail.sla.projections.tables import BREACHES, CLOCKS, create_sla_tables

Connect = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]

_DASHBOARD = f"""
WITH clocks AS (
    SELECT priority, department, metric, stopped_at, elapsed_seconds,
           EXISTS (SELECT 1 FROM {BREACHES} b WHERE b.case_id = c.case_id
                   AND b.metric = c.metric AND b.cycle = c.cycle) AS breached
    FROM {CLOCKS} c
)
SELECT priority, department,
       count(*) FILTER (WHERE stopped_at IS NULL) AS active,
       count(*) FILTER (WHERE breached) AS breached,
       count(*) AS clocks,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_seconds)
           FILTER (WHERE metric = 'first_response' AND stopped_at IS NOT NULL) AS fr_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed_seconds)
           FILTER (WHERE metric = 'first_response' AND stopped_at IS NOT NULL) AS fr_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_seconds)
           FILTER (WHERE metric = 'resolution' AND stopped_at IS NOT NULL) AS res_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed_seconds)
           FILTER (WHERE metric = 'resolution' AND stopped_at IS NOT NULL) AS res_p90
FROM clocks
GROUP BY priority, department
ORDER BY priority, department NULLS FIRST
"""


class PostgresSlaReads:
    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._prepared = False

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connect() as conn:
            if not self._prepared:
                create_sla_tables(conn)
                self._prepared = True
            yield conn

    def breaches(self, wanted: BreachFilter) -> list[BreachRow]:
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT case_id, metric, cycle, priority, department, due_at, detected_at,"
                f" policy_id, policy_version FROM {BREACHES}"
                " WHERE (%(metric)s::text IS NULL OR metric = %(metric)s)"
                " AND (%(priority)s::text IS NULL OR priority = %(priority)s)"
                " AND (%(since)s::timestamptz IS NULL OR due_at >= %(since)s)"
                " ORDER BY due_at DESC, case_id LIMIT %(limit)s",
                {
                    "metric": wanted.metric,
                    "priority": wanted.priority,
                    "since": wanted.since,
                    "limit": wanted.limit,
                },
            ).fetchall()
            return [BreachRow(**_as_dict(row)) for row in rows]

    def at_risk(self, now: datetime, within: timedelta, limit: int) -> list[AtRiskRow]:
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT case_id, metric, cycle, priority, department, due_at, at_risk_at"
                f" FROM {CLOCKS} WHERE stopped_at IS NULL AND state = 'active'"
                " AND due_at > %s AND due_at <= %s ORDER BY due_at, case_id LIMIT %s",
                (now, now + within, limit),
            ).fetchall()
            return [AtRiskRow(**_as_dict(row)) for row in rows]

    def dashboard(self) -> list[DashboardRow]:
        with self._connection() as conn:
            return [
                DashboardRow(
                    priority=row["priority"],
                    department=row["department"],
                    active=row["active"],
                    breached=row["breached"],
                    clocks=row["clocks"],
                    first_response_median_seconds=row["fr_median"],
                    first_response_p90_seconds=row["fr_p90"],
                    resolution_median_seconds=row["res_median"],
                    resolution_p90_seconds=row["res_p90"],
                )
                for row in map(_as_dict, conn.execute(_DASHBOARD).fetchall())
            ]


def _as_dict(row: Any) -> dict[str, Any]:
    return dict(row)
