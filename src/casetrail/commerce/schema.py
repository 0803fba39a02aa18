"""The commerce context tables in PostgreSQL.

Each projection row remembers the event that set it (``*_event_id`` and its time), so a
later upsert can tell whether an incoming event is newer. Event ids compare with the "C"
collation: byte order, the same order the consumer uses in memory, so ties between events of
one instant resolve identically everywhere.
"""

from __future__ import annotations

from casetrail.platform.migrations import Migration

COMPONENT = "commerce-context"

ORDERS = "commerce_orders"
PAYMENTS = "commerce_payments"
SHIPMENTS = "commerce_shipments"
FRAUD_ALERTS = "commerce_fraud_alerts"
CONTEXT_EVENTS = "commerce_context_events"
POSITIONS = "commerce_consumer_positions"

MIGRATIONS = (
    Migration(
        1,
        "orders, payments, shipments, fraud alerts, the context event log, consumer positions",
        (
            f"""CREATE TABLE {ORDERS} (
                order_id text PRIMARY KEY,
                customer_id text NOT NULL,
                status text NOT NULL,
                total_amount numeric NOT NULL,
                currency text NOT NULL,
                item_count integer,
                status_changed_at timestamptz NOT NULL,
                status_event_id text COLLATE "C" NOT NULL,
                first_seen_at timestamptz NOT NULL
            )""",
            f"CREATE INDEX {ORDERS}_by_customer ON {ORDERS} (customer_id, status_changed_at)",
            f"""CREATE TABLE {PAYMENTS} (
                payment_id text PRIMARY KEY,
                order_id text NOT NULL,
                customer_id text NOT NULL,
                amount numeric NOT NULL,
                currency text NOT NULL,
                method text NOT NULL,
                authorization_code text,
                authorized_at timestamptz NOT NULL,
                event_id text COLLATE "C" NOT NULL
            )""",
            f"CREATE INDEX {PAYMENTS}_by_customer ON {PAYMENTS} (customer_id)",
            f"""CREATE TABLE {SHIPMENTS} (
                shipment_id text PRIMARY KEY,
                order_id text NOT NULL,
                customer_id text NOT NULL,
                carrier text NOT NULL,
                tracking_number text NOT NULL,
                status text NOT NULL,
                estimated_delivery date,
                status_changed_at timestamptz NOT NULL,
                status_event_id text COLLATE "C" NOT NULL
            )""",
            f"CREATE INDEX {SHIPMENTS}_by_customer ON {SHIPMENTS} (customer_id)",
            f"""CREATE TABLE {FRAUD_ALERTS} (
                alert_id text PRIMARY KEY,
                order_id text,
                customer_id text NOT NULL,
                severity text NOT NULL,
                rule text NOT NULL,
                score double precision,
                description text,
                raised_at timestamptz NOT NULL,
                event_id text COLLATE "C" NOT NULL
            )""",
            f"CREATE INDEX {FRAUD_ALERTS}_by_customer ON {FRAUD_ALERTS} (customer_id)",
            # Append-only: one row per distinct event, for the timeline and for analysts.
            f"""CREATE TABLE {CONTEXT_EVENTS} (
                event_id text PRIMARY KEY,
                customer_id text NOT NULL,
                order_id text,
                topic text NOT NULL,
                occurred_at timestamptz NOT NULL,
                payload jsonb NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )""",
            f"CREATE INDEX {CONTEXT_EVENTS}_by_customer"
            f" ON {CONTEXT_EVENTS} (customer_id, occurred_at)",
            f"""CREATE TABLE {POSITIONS} (
                consumer_group text NOT NULL,
                topic text NOT NULL,
                partition integer NOT NULL,
                next_offset bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (consumer_group, topic, partition)
            )""",
        ),
    ),
)
