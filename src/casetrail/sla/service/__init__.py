"""SLA service."""
