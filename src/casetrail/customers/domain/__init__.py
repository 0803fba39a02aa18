"""The customer aggregate and its rules. Pure: no I/O, clock or settings."""
