"""SLA outbound."""
