"""Commerce context from Kafka: orders, payments, shipments, fraud alerts."""
