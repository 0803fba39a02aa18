"""The event store: recorders, group commit, idempotency."""
