"""Reading a customer's commerce context from the context tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from casetrail.commerce.context import (
    ContextUnavailable,
    CustomerContext,
    FraudAlertView,
    OrderContext,
    PaymentView,
    ShipmentView,
)
from casetrail.commerce.schema import FRAUD_ALERTS, ORDERS, PAYMENTS, SHIPMENTS

ACCOUNT_ALERTS_SHOWN = 20

# Latest activity per order of the customer, from every table (no status event needed).
RECENT_ORDERS = f"""
    SELECT order_id, max(at) AS last_activity_at FROM (
        SELECT order_id, status_changed_at AS at FROM {ORDERS} WHERE customer_id = %(customer)s
        UNION ALL
        SELECT order_id, authorized_at FROM {PAYMENTS} WHERE customer_id = %(customer)s
        UNION ALL
        SELECT order_id, status_changed_at FROM {SHIPMENTS} WHERE customer_id = %(customer)s
        UNION ALL
        SELECT order_id, raised_at FROM {FRAUD_ALERTS}
        WHERE customer_id = %(customer)s AND order_id IS NOT NULL
    ) AS activity
    GROUP BY order_id
    ORDER BY (order_id = %(pinned)s) DESC NULLS LAST, last_activity_at DESC, order_id
    LIMIT %(limit)s
"""


class PostgresCustomerContext:
    def __init__(self, database_url: str, *, pool_size: int = 4, timeout: float = 5.0) -> None:
        # Opened by the wiring, not here: nothing connects while the app is being built.
        self._pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            database_url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=timeout,
            kwargs={"row_factory": dict_row, "connect_timeout": int(timeout)},
        )

    def open(self) -> None:
        self._pool.open(wait=False)

    def close(self) -> None:
        self._pool.close()

    def customer_context(
        self, customer_id: str, *, limit: int, order_id: str | None = None
    ) -> CustomerContext:
        try:
            with self._pool.connection() as conn:
                # One snapshot, so an order never shows a shipment its status does not know.
                conn.read_only = True
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                with conn.transaction():
                    return _read(conn, customer_id, limit, order_id)
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as error:
            raise ContextUnavailable(str(error).splitlines()[0] if str(error) else "") from error


def _read(
    conn: psycopg.Connection[dict[str, Any]], customer: str, limit: int, pinned: str | None
) -> CustomerContext:
    params = {"customer": customer, "limit": limit, "pinned": pinned}
    recent = conn.execute(RECENT_ORDERS, params).fetchall()
    ids = [row["order_id"] for row in recent]
    params["ids"] = ids
    orders = {
        row["order_id"]: row
        for row in conn.execute(
            f"SELECT * FROM {ORDERS} WHERE customer_id = %(customer)s AND order_id = ANY(%(ids)s)",
            params,
        )
    }
    payments: dict[str, list[PaymentView]] = defaultdict(list)
    for row in conn.execute(
        f"SELECT * FROM {PAYMENTS} WHERE customer_id = %(customer)s AND order_id = ANY(%(ids)s)"
        " ORDER BY authorized_at, payment_id",
        params,
    ):
        payments[row["order_id"]].append(
            PaymentView(
                payment_id=row["payment_id"],
                amount=row["amount"],
                currency=row["currency"],
                method=row["method"],
                authorization_code=row["authorization_code"],
                authorized_at=row["authorized_at"],
            )
        )
    shipments: dict[str, list[ShipmentView]] = defaultdict(list)
    for row in conn.execute(
        f"SELECT * FROM {SHIPMENTS} WHERE customer_id = %(customer)s AND order_id = ANY(%(ids)s)"
        " ORDER BY status_changed_at, shipment_id",
        params,
    ):
        shipments[row["order_id"]].append(
            ShipmentView(
                shipment_id=row["shipment_id"],
                carrier=row["carrier"],
                tracking_number=row["tracking_number"],
                status=row["status"],
                estimated_delivery=row["estimated_delivery"],
                status_changed_at=row["status_changed_at"],
            )
        )
    alerts: dict[str | None, list[FraudAlertView]] = defaultdict(list)
    for row in conn.execute(
        f"SELECT * FROM {FRAUD_ALERTS} WHERE customer_id = %(customer)s"
        " AND (order_id = ANY(%(ids)s) OR order_id IS NULL)"
        " ORDER BY raised_at DESC, alert_id",
        params,
    ):
        alerts[row["order_id"]].append(_alert(row))
    return CustomerContext(
        customer_id=customer,
        orders=[
            OrderContext(
                order_id=row["order_id"],
                last_activity_at=row["last_activity_at"],
                **_status(orders.get(row["order_id"])),
                payments=payments[row["order_id"]],
                shipments=shipments[row["order_id"]],
                fraud_alerts=alerts[row["order_id"]],
            )
            for row in recent
        ],
        account_alerts=alerts[None][:ACCOUNT_ALERTS_SHOWN],
    )


def _status(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        name: row[name]
        for name in (
            "status",
            "total_amount",
            "currency",
            "item_count",
            "status_changed_at",
            "first_seen_at",
        )
    }


def _alert(row: dict[str, Any]) -> FraudAlertView:
    return FraudAlertView(
        alert_id=row["alert_id"],
        order_id=row["order_id"],
        severity=row["severity"],
        rule=row["rule"],
        score=row["score"],
        description=row["description"],
        raised_at=row["raised_at"],
    )
