"""SLA api."""
