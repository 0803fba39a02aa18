"""The case (ticket) and its conversation as aggregates. Pure: no I/O, clock or settings."""
